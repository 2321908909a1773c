package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
)

// column is a column whose values are sealed at rest, with the column
// that names its row. A value is bound to its table, column and row, so a
// sealed value copied elsewhere does not open.
type column struct{ table, name, key string }

var (
	colTOTP            = column{"users", "totp_secret", "id"}
	colPendingPassword = column{"enrolments", "pending_password", "token_hash"}
	colPendingTOTP     = column{"enrolments", "pending_totp", "token_hash"}
	colPatientName     = column{"consultations", "patient_name", "id"}
	colPatientPhone    = column{"consultations", "patient_phone", "id"}
	colPatientEmail    = column{"consultations", "patient_email", "id"}
	colReason          = column{"consultations", "reason", "id"}
	colChecklist       = column{"consultations", "checklist", "id"}
	colOutcome         = column{"consultations", "outcome", "id"}
	colGuestLabel      = column{"consult_participants", "label", "id"}
	colGuestPhone      = column{"consult_participants", "phone", "id"}
	colGuestEmail      = column{"consult_participants", "email", "id"}
)

// sealedColumns are every column sealed at rest, in the order rotation
// reports them.
var sealedColumns = []column{colTOTP, colPendingPassword, colPendingTOTP, colPatientName, colPatientPhone, colPatientEmail,
	colReason, colChecklist, colOutcome, colGuestLabel, colGuestPhone, colGuestEmail}

func (c column) String() string { return c.table + "." + c.name }

func (c column) place(row string) string { return c.String() + "\x00" + row }

// errSealed is what a reader is told when a stored secret does not open:
// the key file is not the one the database was sealed with.
const errSealed = "A stored secret cannot be opened with the secrets key file; restore the key file that belongs to this database."

// seal seals v for column c of row.
func (s *Store) seal(c column, row, v string) string { return s.keys.Seal(c.place(row), v) }

// open opens a value read from column c of row into *v.
func (s *Store) open(c column, row string, v *string) error {
	plain, err := s.keys.Open(c.place(row), *v)
	if err != nil {
		return fault.Wrap(fault.Internal, errSealed, fmt.Errorf("open %s of %s: %w", c, row, err))
	}
	*v = plain
	return nil
}

// Sealed is what PrepareSecrets or Reseal did to one column.
type Sealed struct {
	Column string // table.column
	Rows   int    // values sealed or re-sealed
}

// PrepareSecrets checks, when the database is opened, that the keyring
// opens what is sealed in it, and seals the values left in plaintext by
// versions before sealing. A database sealed under a key the keyring does
// not hold, or under another key of the same ID, is refused with a
// sentence naming the key file; nothing is changed then.
func (s *Store) PrepareSecrets(ctx context.Context) ([]Sealed, error) {
	keyFile := s.keys.Path()
	if keyFile == "" {
		keyFile = "given"
	}
	plain := false
	for _, c := range sealedColumns {
		ids, err := s.keyIDs(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("check sealed %s: %w", c, err)
		}
		if !plain {
			var one int
			err := s.queryRow(ctx, `SELECT 1 FROM `+c.table+` WHERE `+c.name+` <> '' AND `+c.name+` NOT LIKE '`+keyring.Prefix+`%' LIMIT 1`).Scan(&one)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("check sealed %s: %w", c, err)
			}
			plain = err == nil
		}
		for id, sample := range ids {
			if !s.keys.Has(id) {
				return nil, fault.Wrap(fault.Invalid, "The database holds secrets sealed with key "+id+", which the secrets key file "+keyFile+
					" does not hold. Start Switchboard with the key file that belongs to this database (--secrets-key-file), restored from its backup.",
					fmt.Errorf("%s: %w", c, keyring.ErrUnknownKey))
			}
			if _, err := s.keys.Open(c.place(sample[0]), sample[1]); err != nil {
				return nil, fault.Wrap(fault.Invalid, "The secrets key file "+keyFile+" does not open the secrets in the database (key "+id+
					"): it is not the key file that belongs to this database, or it has been altered. Restore it from its backup.", err)
			}
		}
	}
	if !plain {
		return nil, nil // the usual start: nothing to seal, no write
	}
	return s.reseal(ctx, nil, func(stored string) bool {
		_, sealed := keyring.KeyID(stored)
		return !sealed
	})
}

// Reseal seals every sealed value again under the keyring's current key,
// in one transaction that also appends ev (its detail given the new key's
// ID and the count), and reports how many it re-sealed in each column.
func (s *Store) Reseal(ctx context.Context, ev audit.Event) ([]Sealed, error) {
	cur := s.keys.Current()
	return s.reseal(ctx, &ev, func(stored string) bool {
		id, _ := keyring.KeyID(stored)
		return id != cur
	})
}

// reseal seals, in one transaction, each non-empty value that stale
// reports is not sealed as it should be, and appends ev if given. An
// update that finds the value changed meanwhile (another node sealing it)
// leaves it.
func (s *Store) reseal(ctx context.Context, ev *audit.Event, stale func(string) bool) ([]Sealed, error) {
	var out []Sealed
	err := s.tx(ctx, func(tx *txn) error {
		out = out[:0]
		for _, c := range sealedColumns {
			rows, err := tx.query(ctx, `SELECT `+c.key+`, `+c.name+` FROM `+c.table+` WHERE `+c.name+` <> ''`)
			if err != nil {
				return err
			}
			var todo [][2]string
			for rows.Next() {
				var row, v string
				if err := rows.Scan(&row, &v); err != nil {
					rows.Close()
					return err
				}
				if stale(v) {
					todo = append(todo, [2]string{row, v})
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, r := range todo {
				plain := r[1]
				if _, sealed := keyring.KeyID(plain); sealed {
					if plain, err = s.keys.Open(c.place(r[0]), r[1]); err != nil {
						return fault.Wrap(fault.Invalid, errSealed, fmt.Errorf("%s of %s: %w", c, r[0], err))
					}
				}
				_, err := tx.exec(ctx, `UPDATE `+c.table+` SET `+c.name+` = ? WHERE `+c.key+` = ? AND `+c.name+` = ?`,
					s.seal(c, r[0], plain), r[0], r[1])
				if err != nil {
					return err
				}
			}
			out = append(out, Sealed{Column: c.String(), Rows: len(todo)})
		}
		if ev == nil {
			return nil
		}
		total := 0
		for _, c := range out {
			total += c.Rows
		}
		ev.Detail = map[string]string{"key": s.keys.Current(), "values": fmt.Sprint(total)}
		return appendAudit(ctx, tx, *ev)
	})
	return out, err
}

// keyIDs returns the IDs of the keys that sealed column c's values, each
// with one row and value sealed under it. The database finds the distinct
// IDs; only one value a key is read.
func (s *Store) keyIDs(ctx context.Context, c column) (map[string][2]string, error) {
	rows, err := s.query(ctx, fmt.Sprintf(`SELECT DISTINCT substr(%s, %d, %d) FROM %s WHERE %s LIKE '%s%%'`,
		c.name, len(keyring.Prefix)+1, keyring.IDLength, c.table, c.name, keyring.Prefix))
	if err != nil {
		return nil, err
	}
	var found []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		found = append(found, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := map[string][2]string{}
	for _, id := range found {
		var row, v string
		err := s.queryRow(ctx, `SELECT `+c.key+`, `+c.name+` FROM `+c.table+` WHERE `+c.name+` LIKE ? LIMIT 1`,
			keyring.Prefix+id+"$%").Scan(&row, &v)
		if err != nil {
			return nil, err
		}
		ids[id] = [2]string{row, v}
	}
	return ids, nil
}
