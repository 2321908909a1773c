package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// StartSession records a successful sign-in; see identity.Store.
func (db *Store) StartSession(ctx context.Context, s *identity.Session, d *identity.Device, totpCounter int64, enrolHash string, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		if enrolHash != "" {
			// Consuming the link makes the credentials chosen through it
			// the person's own, in the same transaction.
			var pw, secret string
			err := tx.queryRow(ctx, `SELECT pending_password, pending_totp FROM enrolments WHERE token_hash = ? FOR UPDATE`, enrolHash).
				Scan(&pw, &secret)
			if errors.Is(err, sql.ErrNoRows) {
				return fault.New(fault.NotFound, "This enrolment link has been used already.")
			}
			if err != nil {
				return err
			}
			if err := db.open(colPendingPassword, enrolHash, &pw); err != nil {
				return err
			}
			if err := db.open(colPendingTOTP, enrolHash, &secret); err != nil {
				return err
			}
			if err := execOne(ctx, tx, `DELETE FROM enrolments WHERE token_hash = ?`, enrolHash); err != nil {
				return err
			}
			if pw != "" && secret != "" {
				err := execOne(ctx, tx, `UPDATE users SET password_hash = ?, totp_secret = ?, totp_last_counter = 0 WHERE id = ?`,
					pw, db.seal(colTOTP, s.UserID, secret), s.UserID)
				if err != nil {
					return err
				}
			}
		}
		// The counter only moves forward: a code used concurrently on
		// another node waits for this row's lock, then finds the counter
		// moved and is refused. An account disabled meanwhile, on any
		// node, is refused the same way.
		err := execOne(ctx, tx, `UPDATE users SET failed_signins = 0, locked_until = 0, totp_last_counter = ?,
			totp_confirmed = true WHERE id = ? AND totp_last_counter < ? AND disabled_at = 0`, totpCounter, s.UserID, totpCounter)
		if fault.Is(err, fault.NotFound) {
			var disabled int64
			if err := tx.queryRow(ctx, `SELECT disabled_at FROM users WHERE id = ?`, s.UserID).Scan(&disabled); err != nil {
				return err
			}
			if disabled != 0 {
				return identity.ErrDisabled
			}
			return fault.New(fault.Unauthenticated, "That security code has been used already. Wait for the next one.")
		}
		if err != nil {
			return err
		}
		// A known device signs in again only if it is still its owner's
		// and not revoked, whatever the caller checked before.
		res, err := tx.exec(ctx, `INSERT INTO devices(id, user_id, name, kind, created_at, last_seen_at) VALUES (?,?,?,?,?,?)
			ON CONFLICT(id) DO UPDATE SET last_seen_at = excluded.last_seen_at
			WHERE devices.user_id = excluded.user_id AND devices.revoked_at = 0`,
			d.ID, d.UserID, d.Name, d.Kind, micros(d.CreatedAt), micros(d.LastSeenAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errDeviceGone
		}
		_, err = tx.exec(ctx, `INSERT INTO sessions(id, token_hash, user_id, device_id, csrf, addr, created_at, last_seen_at, expires_at)
			VALUES (?,?,?,?,?,?,?,?,?)`, s.ID, s.TokenHash, s.UserID, s.DeviceID, s.CSRF, s.Addr,
			micros(s.CreatedAt), micros(s.LastSeenAt), micros(s.ExpiresAt))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// errDeviceGone refuses a sign-in naming a device that is revoked or is
// another person's.
var errDeviceGone = fault.New(fault.Conflict, "This device can no longer sign in. Sign in again to add it as a new device.")

const sessionColumns = `id, token_hash, user_id, device_id, csrf, addr, created_at, last_seen_at, expires_at, ended_at`

func (db *Store) scanSession(row scanner) (*identity.Session, error) {
	var s identity.Session
	var c, l, e, end int64
	if err := row.Scan(&s.ID, &s.TokenHash, &s.UserID, &s.DeviceID, &s.CSRF, &s.Addr, &c, &l, &e, &end); err != nil {
		return nil, db.translate(err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.EndedAt = fromMicros(c), fromMicros(l), fromMicros(e), fromMicros(end)
	return &s, nil
}

// SessionByTokenHash returns a session by the hash of its token.
func (db *Store) SessionByTokenHash(ctx context.Context, tokenHash string) (*identity.Session, error) {
	return db.scanSession(db.queryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, tokenHash))
}

// TouchSession records activity on a session and its device.
func (db *Store) TouchSession(ctx context.Context, sessionID, deviceID string, at time.Time) error {
	return db.tx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, micros(at), sessionID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE devices SET last_seen_at = ? WHERE id = ?`, micros(at), deviceID)
		return err
	})
}

// ListSessions lists a user's live sessions, newest first.
func (db *Store) ListSessions(ctx context.Context, userID string) ([]*identity.Session, error) {
	rows, err := db.query(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE user_id = ? AND ended_at = 0
		ORDER BY created_at DESC`, userID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*identity.Session
	for rows.Next() {
		s, err := db.scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, db.translate(rows.Err())
}

// EndSession ends one session.
func (db *Store) EndSession(ctx context.Context, sessionID string, at time.Time, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at = 0`, micros(at), sessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // ended already: nothing to record
		}
		return appendAudit(ctx, tx, ev)
	})
}

const deviceColumns = `id, user_id, name, kind, created_at, last_seen_at, revoked_at`

func (db *Store) scanDevice(row scanner, extra ...any) (*identity.Device, error) {
	var d identity.Device
	var c, l, r int64
	if err := row.Scan(append([]any{&d.ID, &d.UserID, &d.Name, &d.Kind, &c, &l, &r}, extra...)...); err != nil {
		return nil, db.translate(err)
	}
	d.CreatedAt, d.LastSeenAt, d.RevokedAt = fromMicros(c), fromMicros(l), fromMicros(r)
	return &d, nil
}

// DeviceByID returns a device.
func (db *Store) DeviceByID(ctx context.Context, id string) (*identity.Device, error) {
	return db.scanDevice(db.queryRow(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = ?`, id))
}

// ListDevices lists a user's devices, most recently seen first.
func (db *Store) ListDevices(ctx context.Context, userID string) ([]*identity.Device, error) {
	rows, err := db.query(ctx, `SELECT `+deviceColumns+` FROM devices WHERE user_id = ? ORDER BY last_seen_at DESC`, userID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*identity.Device
	for rows.Next() {
		d, err := db.scanDevice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, db.translate(rows.Err())
}

// ListOrgDevices lists every device in an organisation with its owner.
func (db *Store) ListOrgDevices(ctx context.Context, orgID string) ([]*identity.DeviceView, error) {
	rows, err := db.query(ctx, `SELECT d.id, d.user_id, d.name, d.kind, d.created_at, d.last_seen_at, d.revoked_at,
		u.email, u.name, (SELECT count(*) FROM sessions s WHERE s.device_id = d.id AND s.ended_at = 0)
		FROM devices d JOIN users u ON u.id = d.user_id WHERE u.org_id = ? ORDER BY d.last_seen_at DESC`, orgID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*identity.DeviceView
	for rows.Next() {
		var v identity.DeviceView
		d, err := db.scanDevice(rows, &v.UserEmail, &v.UserName, &v.ActiveSessions)
		if err != nil {
			return nil, err
		}
		v.Device = *d
		out = append(out, &v)
	}
	return out, db.translate(rows.Err())
}

// EndDeviceSessions ends every live session of a device.
func (db *Store) EndDeviceSessions(ctx context.Context, deviceID string, at time.Time, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `UPDATE sessions SET ended_at = ? WHERE device_id = ? AND ended_at = 0`, micros(at), deviceID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// RevokeDevice revokes a device and ends its sessions.
func (db *Store) RevokeDevice(ctx context.Context, deviceID string, at time.Time, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		if err := execOne(ctx, tx, `UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, micros(at), deviceID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE sessions SET ended_at = ? WHERE device_id = ? AND ended_at = 0`, micros(at), deviceID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}
