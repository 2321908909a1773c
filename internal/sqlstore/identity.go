package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// CountOrgs counts organisations.
func (db *Store) CountOrgs(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM orgs`).Scan(&n)
	return n, db.translate(err)
}

func insertOrg(ctx context.Context, tx *txn, o *identity.Org) error {
	_, err := tx.exec(ctx, `INSERT INTO orgs(id, ods, name, idle_timeout_s, created_at, pin_attempts) VALUES (?,?,?,?,?,?)`,
		o.ID, o.ODS, o.Name, int64(o.Policy.IdleTimeout/time.Second), micros(o.CreatedAt), o.Policy.Attempts())
	if fault.Is(tx.s.translate(err), fault.Conflict) {
		return fault.Wrap(fault.Conflict, "An organisation with ODS code "+o.ODS+" exists already.", err)
	}
	return err
}

// CreateOrg adds an organisation.
func (db *Store) CreateOrg(ctx context.Context, o *identity.Org, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		if err := insertOrg(ctx, tx, o); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

const orgColumns = `id, ods, name, idle_timeout_s, created_at, read_receipts, pin_attempts, attachment_quota_mib, org_attachment_quota_mib`

func (db *Store) scanOrg(row *sql.Row) (*identity.Org, error) {
	var o identity.Org
	var idle, created int64
	if err := row.Scan(&o.ID, &o.ODS, &o.Name, &idle, &created, &o.Policy.ReadReceipts, &o.Policy.PINAttempts,
		&o.Policy.PersonQuotaMiB, &o.Policy.OrgQuotaMiB); err != nil {
		return nil, db.translate(err)
	}
	o.Policy.IdleTimeout = time.Duration(idle) * time.Second
	o.CreatedAt = fromMicros(created)
	return &o, nil
}

// OrgByID returns an organisation.
func (db *Store) OrgByID(ctx context.Context, id string) (*identity.Org, error) {
	return db.scanOrg(db.queryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = ?`, id))
}

// OrgByODS returns an organisation by its ODS code.
func (db *Store) OrgByODS(ctx context.Context, ods string) (*identity.Org, error) {
	return db.scanOrg(db.queryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE ods = ?`, ods))
}

// SetPolicy stores an organisation's policy.
func (db *Store) SetPolicy(ctx context.Context, orgID string, p identity.Policy, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		rr := p.ReadReceipts
		if rr == "" {
			rr = identity.ReadReceiptsOn
		}
		if err := execOne(ctx, tx, `UPDATE orgs SET idle_timeout_s = ?, read_receipts = ?, pin_attempts = ?,
			attachment_quota_mib = ?, org_attachment_quota_mib = ? WHERE id = ?`,
			int64(p.IdleTimeout/time.Second), rr, p.Attempts(), p.PersonQuotaMiB, p.OrgQuotaMiB, orgID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// execOne runs a statement that must change exactly one row.
func execOne(ctx context.Context, tx *txn, q string, args ...any) error {
	res, err := tx.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fault.New(fault.NotFound, "Not found.")
	}
	return nil
}

func joinRoles(rs []identity.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func insertUser(ctx context.Context, tx *txn, u *identity.User) error {
	_, err := tx.exec(ctx, `INSERT INTO users(id, org_id, email, name, registration, roles, created_at, password_hash, totp_secret, totp_confirmed, team)
		VALUES (?,?,?,?,?,?,?,?,?,?,?)`, u.ID, u.OrgID, u.Email, u.Name, u.Registration, joinRoles(u.Roles), micros(u.CreatedAt),
		u.PasswordHash, tx.s.seal(colTOTP, u.ID, u.TOTPSecret), u.TOTPConfirmed, u.Team)
	if fault.Is(tx.s.translate(err), fault.Conflict) {
		return fault.Wrap(fault.Conflict, "A user with the email address "+u.Email+" exists already.", err)
	}
	return err
}

func insertEnrolment(ctx context.Context, tx *txn, e *identity.Enrolment) error {
	var uid any
	if e.UserID != "" {
		uid = e.UserID
	}
	_, err := tx.exec(ctx, `INSERT INTO enrolments(token_hash, kind, user_id, expires_at) VALUES (?,?,?,?)`,
		e.TokenHash, e.Kind, uid, micros(e.ExpiresAt))
	return err
}

// CreateUser adds a user and, if given, their enrolment.
func (db *Store) CreateUser(ctx context.Context, u *identity.User, enrol *identity.Enrolment, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		if enrol != nil {
			if err := insertEnrolment(ctx, tx, enrol); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, ev)
	})
}

const userColumns = `id, org_id, email, name, registration, roles, created_at, password_hash, totp_secret, totp_confirmed,
	totp_last_counter, failed_signins, locked_until, disabled_at, team`

type scanner interface{ Scan(...any) error }

func (db *Store) scanUser(row scanner) (*identity.User, error) {
	var u identity.User
	var roles string
	var created, locked, disabled int64
	err := row.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Registration, &roles, &created, &u.PasswordHash, &u.TOTPSecret,
		&u.TOTPConfirmed, &u.TOTPLastCounter, &u.FailedSignIns, &locked, &disabled, &u.Team)
	if err != nil {
		return nil, db.translate(err)
	}
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			u.Roles = append(u.Roles, identity.Role(r))
		}
	}
	u.CreatedAt, u.LockedUntil, u.DisabledAt = fromMicros(created), fromMicros(locked), fromMicros(disabled)
	if err := db.open(colTOTP, u.ID, &u.TOTPSecret); err != nil {
		return nil, err
	}
	return &u, nil
}

// UserByID returns a user.
func (db *Store) UserByID(ctx context.Context, id string) (*identity.User, error) {
	return db.scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// UserByEmail returns a user by their (lower-case) email address.
func (db *Store) UserByEmail(ctx context.Context, email string) (*identity.User, error) {
	return db.scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
}

// ListUsers lists an organisation's users by name. The "C" collation
// orders by code point on every database, whatever its locale.
func (db *Store) ListUsers(ctx context.Context, orgID string) ([]*identity.User, error) {
	rows, err := db.query(ctx, `SELECT `+userColumns+` FROM users WHERE org_id = ?
		ORDER BY name COLLATE "C", email COLLATE "C"`, orgID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*identity.User
	for rows.Next() {
		u, err := db.scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, db.translate(rows.Err())
}

// SetCredentials stores a user's password hash and TOTP secret.
func (db *Store) SetCredentials(ctx context.Context, userID, passwordHash, totpSecret string, confirmed bool, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		err := execOne(ctx, tx, `UPDATE users SET password_hash = ?, totp_secret = ?, totp_confirmed = ?, totp_last_counter = 0,
			failed_signins = 0, locked_until = 0 WHERE id = ?`, passwordHash, db.seal(colTOTP, userID, totpSecret), confirmed, userID)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// SetPendingCredentials keeps credentials chosen through an enrolment
// link with it until it is consumed.
func (db *Store) SetPendingCredentials(ctx context.Context, tokenHash, passwordHash, totpSecret string, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		err := execOne(ctx, tx, `UPDATE enrolments SET pending_password = ?, pending_totp = ? WHERE token_hash = ?`,
			db.seal(colPendingPassword, tokenHash, passwordHash), db.seal(colPendingTOTP, tokenHash, totpSecret), tokenHash)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// RecordSignInFailure stores a failed sign-in if the stored count is
// still the one before it; a concurrent failure on any node waits for this
// row's lock, then finds the count moved. A failure never shortens a lock.
func (db *Store) RecordSignInFailure(ctx context.Context, userID string, failures int, lockedUntil time.Time, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE users SET failed_signins = ?, locked_until = GREATEST(locked_until, ?) WHERE id = ? AND failed_signins = ?`,
			failures, micros(lockedUntil), userID, failures-1)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			var one int
			if err := tx.queryRow(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one); err != nil {
				return err
			}
			return errCountMoved
		}
		return appendAudit(ctx, tx, ev)
	})
}

// errCountMoved refuses a failure counted from a stale figure.
var errCountMoved = fault.New(fault.Conflict, "Another sign-in failed at the same moment; count again.")

// setupLock names the advisory lock that makes setup-link replacements
// take turns (a constant of this application's choosing).
const setupLock = 0x5b_5e_70

// SetupEnrolment replaces any setup enrolment. Nodes starting together on
// an empty database each call it; the lock makes them replace one another
// in turn, so exactly one setup link is left (SQLite's single writer
// needs no lock).
func (db *Store) SetupEnrolment(ctx context.Context, e *identity.Enrolment) error {
	return db.tx(ctx, func(tx *txn) error {
		if err := tx.lock(ctx, setupLock); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM enrolments WHERE kind = ?`, identity.EnrolSetup); err != nil {
			return err
		}
		return insertEnrolment(ctx, tx, e)
	})
}

// ReplaceEnrolment removes the user's unused enrolments and stores e.
func (db *Store) ReplaceEnrolment(ctx context.Context, e *identity.Enrolment, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		// Replacements for one user, from any node, take turns on the
		// user's row, so that exactly one link is left.
		if _, err := tx.exec(ctx, `SELECT 1 FROM users WHERE id = ? FOR UPDATE`, e.UserID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM enrolments WHERE user_id = ?`, e.UserID); err != nil {
			return err
		}
		if err := insertEnrolment(ctx, tx, e); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// EnrolmentByHash returns an enrolment.
func (db *Store) EnrolmentByHash(ctx context.Context, tokenHash string) (*identity.Enrolment, error) {
	var e identity.Enrolment
	var uid sql.NullString
	var exp int64
	err := db.queryRow(ctx, `SELECT token_hash, kind, user_id, expires_at, pending_password, pending_totp FROM enrolments WHERE token_hash = ?`, tokenHash).
		Scan(&e.TokenHash, &e.Kind, &uid, &exp, &e.PendingPassword, &e.PendingTOTP)
	if err != nil {
		return nil, db.translate(err)
	}
	e.UserID, e.ExpiresAt = uid.String, fromMicros(exp)
	if err := db.open(colPendingPassword, e.TokenHash, &e.PendingPassword); err != nil {
		return nil, err
	}
	if err := db.open(colPendingTOTP, e.TokenHash, &e.PendingTOTP); err != nil {
		return nil, err
	}
	return &e, nil
}

// Setup creates the first organisation and admin, consuming the setup link.
func (db *Store) Setup(ctx context.Context, setupHash string, o *identity.Org, u *identity.User, enrol *identity.Enrolment, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		err := execOne(ctx, tx, `DELETE FROM enrolments WHERE token_hash = ? AND kind = ?`, setupHash, identity.EnrolSetup)
		if fault.Is(err, fault.NotFound) {
			return fault.New(fault.NotFound, "This setup link has been used already.")
		}
		if err != nil {
			return err
		}
		if err := insertOrg(ctx, tx, o); err != nil {
			return err
		}
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		if err := insertEnrolment(ctx, tx, enrol); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}
