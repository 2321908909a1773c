package sqlite

import (
	"context"
	"database/sql"
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

// keepAnAdmin refuses with identity.ErrLastAdmin unless the organisation
// has an enabled admin other than the given user. The single writer makes
// the check and the change that follows it one step.
func keepAnAdmin(tx *sql.Tx, orgID, except string) error {
	var n int
	err := tx.QueryRow(`SELECT count(*) FROM users WHERE org_id = ? AND id <> ? AND disabled_at = 0
		AND ',' || roles || ',' LIKE '%,admin,%'`, orgID, except).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return identity.ErrLastAdmin
	}
	return nil
}

// accountRow reads what the account changes decide on.
func accountRow(tx *sql.Tx, userID string) (orgID, roles string, disabled bool, err error) {
	var at int64
	err = tx.QueryRow(`SELECT org_id, roles, disabled_at FROM users WHERE id = ?`, userID).Scan(&orgID, &roles, &at)
	return orgID, roles, at != 0, err
}

// SetRoles replaces a user's roles; see identity.Store.
func (db *DB) SetRoles(ctx context.Context, userID string, from, to []identity.Role, ev audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		orgID, roles, disabled, err := accountRow(tx, userID)
		if err != nil {
			return err
		}
		if roles != joinRoles(from) {
			return errRolesMoved
		}
		if !disabled && hasRole(roles, identity.RoleAdmin) && !slices.Contains(to, identity.RoleAdmin) {
			if err := keepAnAdmin(tx, orgID, userID); err != nil {
				return err
			}
		}
		if err := execOne(tx, `UPDATE users SET roles = ? WHERE id = ?`, joinRoles(to), userID); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// DisableUser disables a user, ends their sessions and revokes their
// devices; see identity.Store.
func (db *DB) DisableUser(ctx context.Context, userID string, at time.Time, ev, deviceEv audit.Event) ([]string, error) {
	var revoked []string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		revoked = nil
		orgID, roles, disabled, err := accountRow(tx, userID)
		if err != nil || disabled {
			return err
		}
		if hasRole(roles, identity.RoleAdmin) {
			if err := keepAnAdmin(tx, orgID, userID); err != nil {
				return err
			}
		}
		if err := execOne(tx, `UPDATE users SET disabled_at = ? WHERE id = ?`, micros(at), userID); err != nil {
			return err
		}
		if err := appendAudit(tx, ev); err != nil {
			return err
		}
		if revoked, err = liveDevices(tx, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE devices SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0`, micros(at), userID); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at = 0`, micros(at), userID); err != nil {
			return err
		}
		for _, id := range revoked {
			e := deviceEv
			e.Target = id
			if err := appendAudit(tx, e); err != nil {
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

// liveDevices lists the IDs of a user's devices not yet revoked, oldest first.
func liveDevices(tx *sql.Tx, userID string) ([]string, error) {
	rows, err := tx.Query(`SELECT id FROM devices WHERE user_id = ? AND revoked_at = 0 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// EnableUser clears a user's disabled mark; see identity.Store.
func (db *DB) EnableUser(ctx context.Context, userID string, ev audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, _, disabled, err := accountRow(tx, userID)
		if err != nil || !disabled {
			return err
		}
		if err := execOne(tx, `UPDATE users SET disabled_at = 0 WHERE id = ?`, userID); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}

// Unlock clears a user's sign-in failures and lock.
func (db *DB) Unlock(ctx context.Context, userID string, ev audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := execOne(tx, `UPDATE users SET failed_signins = 0, locked_until = 0 WHERE id = ?`, userID); err != nil {
			return err
		}
		return appendAudit(tx, ev)
	})
}
