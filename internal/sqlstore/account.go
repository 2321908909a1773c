package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// errRolesMoved refuses a change of roles made from a stale reading.
var errRolesMoved = fault.New(fault.Conflict, "Someone else changed this person's roles at the same moment; refresh the list and try again.")

// hasRole reports whether a stored, comma-joined list of roles holds r.
func hasRole(roles string, r identity.Role) bool {
	return slices.Contains(strings.Split(roles, ","), string(r))
}

// lockAccount takes the locks an account change needs and reads what it
// decides on. Changes that could take away an organisation's last admin
// take turns on the organisation's row, on any node, so that each counts
// the admins the one before it left; FOR NO KEY UPDATE leaves rows that
// merely refer to the organisation (a new user) free to be written
// meanwhile. The user's own row is locked too, against a sign-in under way.
func lockAccount(ctx context.Context, tx *txn, userID string) (orgID, roles string, disabled bool, err error) {
	if err = tx.queryRow(ctx, `SELECT org_id FROM users WHERE id = ?`, userID).Scan(&orgID); err != nil {
		return "", "", false, err
	}
	if _, err = tx.exec(ctx, `SELECT 1 FROM orgs WHERE id = ? FOR NO KEY UPDATE`, orgID); err != nil {
		return "", "", false, err
	}
	var at int64
	err = tx.queryRow(ctx, `SELECT roles, disabled_at FROM users WHERE id = ? FOR UPDATE`, userID).Scan(&roles, &at)
	return orgID, roles, at != 0, err
}

// keepAnAdmin refuses with identity.ErrLastAdmin unless the organisation
// has an enabled admin other than the given user. The caller holds the
// organisation's lock (lockAccount).
func keepAnAdmin(ctx context.Context, tx *txn, orgID, except string) error {
	var n int
	err := tx.queryRow(ctx, `SELECT count(*) FROM users WHERE org_id = ? AND id <> ? AND disabled_at = 0
		AND ',' || roles || ',' LIKE '%,admin,%'`, orgID, except).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return identity.ErrLastAdmin
	}
	return nil
}

// SetRoles replaces a user's roles; see identity.Store.
func (db *Store) SetRoles(ctx context.Context, userID string, from, to []identity.Role, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		orgID, roles, disabled, err := lockAccount(ctx, tx, userID)
		if err != nil {
			return err
		}
		if roles != joinRoles(from) {
			return errRolesMoved
		}
		if !disabled && hasRole(roles, identity.RoleAdmin) && !slices.Contains(to, identity.RoleAdmin) {
			if err := keepAnAdmin(ctx, tx, orgID, userID); err != nil {
				return err
			}
		}
		if err := execOne(ctx, tx, `UPDATE users SET roles = ? WHERE id = ?`, joinRoles(to), userID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// DisableUser disables a user, ends their sessions and revokes their
// devices; see identity.Store.
func (db *Store) DisableUser(ctx context.Context, userID string, at time.Time, ev, deviceEv audit.Event) ([]string, error) {
	var revoked []string
	err := db.tx(ctx, func(tx *txn) error {
		revoked = nil
		orgID, roles, disabled, err := lockAccount(ctx, tx, userID)
		if err != nil || disabled {
			return err
		}
		if hasRole(roles, identity.RoleAdmin) {
			if err := keepAnAdmin(ctx, tx, orgID, userID); err != nil {
				return err
			}
		}
		if err := execOne(ctx, tx, `UPDATE users SET disabled_at = ? WHERE id = ?`, micros(at), userID); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, ev); err != nil {
			return err
		}
		// With the user's row locked no sign-in can add a device now;
		// RETURNING names exactly the devices this statement revoked, not
		// one an admin revoked at the same moment.
		rows, err := tx.query(ctx, `UPDATE devices SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0 RETURNING id, created_at`,
			micros(at), userID)
		if err != nil {
			return err
		}
		type dev struct {
			id      string
			created int64
		}
		var ds []dev
		for rows.Next() {
			var d dev
			if err := rows.Scan(&d.id, &d.created); err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		slices.SortFunc(ds, func(a, b dev) int { return cmp.Or(cmp.Compare(a.created, b.created), strings.Compare(a.id, b.id)) })
		if _, err := tx.exec(ctx, `UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at = 0`, micros(at), userID); err != nil {
			return err
		}
		for _, d := range ds {
			revoked = append(revoked, d.id)
			e := deviceEv
			e.Target = d.id
			if err := appendAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return revoked, nil
}

// EnableUser clears a user's disabled mark; see identity.Store.
func (db *Store) EnableUser(ctx context.Context, userID string, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE users SET disabled_at = 0 WHERE id = ? AND disabled_at <> 0`, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			var one int
			return tx.queryRow(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one) // enabled already, or missing
		}
		return appendAudit(ctx, tx, ev)
	})
}

// Unlock clears a user's sign-in failures and lock.
func (db *Store) Unlock(ctx context.Context, userID string, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		if err := execOne(ctx, tx, `UPDATE users SET failed_signins = 0, locked_until = 0 WHERE id = ?`, userID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}
