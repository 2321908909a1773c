package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// ServiceKeys returns the server's keys, storing create's on first use.
func (db *Store) ServiceKeys(ctx context.Context, create func() (messaging.ServiceKeys, error)) (messaging.ServiceKeys, error) {
	var k messaging.ServiceKeys
	read := func(q rowQuerier) error {
		return q.queryRow(ctx, `SELECT signing_seed, vapid_public, vapid_private FROM service_keys WHERE id = 1`).
			Scan(&k.SigningSeed, &k.VAPIDPublic, &k.VAPIDPrivate)
	}
	if err := read(db); err == nil {
		return k, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return k, db.translate(err)
	}
	fresh, err := create()
	if err != nil {
		return k, err
	}
	err = db.tx(ctx, func(tx *txn) error {
		// Another node may have won the race: keep whichever came first.
		_, err := tx.exec(ctx, `INSERT INTO service_keys(id, signing_seed, vapid_public, vapid_private, created_at)
			VALUES (1,?,?,?,?) ON CONFLICT(id) DO NOTHING`, fresh.SigningSeed, fresh.VAPIDPublic, fresh.VAPIDPrivate, micros(time.Now()))
		if err != nil {
			return err
		}
		return read(tx)
	})
	return k, err
}

// Credential returns a device's credential.
func (db *Store) Credential(ctx context.Context, deviceID string) (*messaging.Credential, error) {
	c := messaging.Credential{Device: deviceID}
	var at int64
	err := db.queryRow(ctx, `SELECT signature_key, identity, created_at FROM mls_credentials WHERE device_id = ?`, deviceID).
		Scan(&c.SignatureKey, &c.Identity, &at)
	if err != nil {
		return nil, db.translate(err)
	}
	c.CreatedAt = fromMicros(at)
	return &c, nil
}

// PutCredential stores a device's credential; a changed key drops the
// KeyPackages made with the old one.
func (db *Store) PutCredential(ctx context.Context, c *messaging.Credential, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		var old []byte
		err := tx.queryRow(ctx, `SELECT signature_key FROM mls_credentials WHERE device_id = ? FOR UPDATE`, c.Device).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if old != nil && !bytes.Equal(old, c.SignatureKey) {
			if _, err := tx.exec(ctx, `DELETE FROM key_packages WHERE device_id = ? AND claimed_at = 0`, c.Device); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, `INSERT INTO mls_credentials(device_id, signature_key, identity, created_at) VALUES (?,?,?,?)
			ON CONFLICT(device_id) DO UPDATE SET signature_key = excluded.signature_key, identity = excluded.identity,
			created_at = excluded.created_at`, c.Device, c.SignatureKey, c.Identity, micros(c.CreatedAt))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

func stock(ctx context.Context, q rowQuerier, deviceID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT count(*) FROM key_packages WHERE device_id = ? AND NOT last_resort AND claimed_at = 0`,
		deviceID).Scan(&n)
	return n, err
}

// AddKeyPackages stores a device's KeyPackages.
func (db *Store) AddKeyPackages(ctx context.Context, deviceID string, kps []*messaging.KeyPackage, lastResort *messaging.KeyPackage) (int, error) {
	var n int
	err := db.tx(ctx, func(tx *txn) error {
		if lastResort != nil {
			if _, err := tx.exec(ctx, `DELETE FROM key_packages WHERE device_id = ? AND last_resort AND claimed_at = 0`, deviceID); err != nil {
				return err
			}
			kps = append(kps, lastResort)
		}
		for _, kp := range kps {
			_, err := tx.exec(ctx, `INSERT INTO key_packages(ref, device_id, last_resort, data, created_at) VALUES (?,?,?,?,?)
				ON CONFLICT(ref) DO NOTHING`, kp.Ref, deviceID, kp.LastResort, kp.Data, micros(kp.CreatedAt))
			if err != nil {
				return err
			}
		}
		var err error
		n, err = stock(ctx, tx, deviceID)
		return err
	})
	return n, err
}

// ClaimKeyPackage hands out one of a device's KeyPackages. SKIP LOCKED lets
// concurrent claims (on any node) each take a different one, never the same.
func (db *Store) ClaimKeyPackage(ctx context.Context, deviceID string, at time.Time) ([]byte, int, error) {
	var data []byte
	var n int
	err := db.tx(ctx, func(tx *txn) error {
		var ref []byte
		err := tx.queryRow(ctx, `SELECT ref, data FROM key_packages WHERE device_id = ? AND NOT last_resort AND claimed_at = 0
			ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`, deviceID).Scan(&ref, &data)
		if errors.Is(err, sql.ErrNoRows) {
			// The last-resort KeyPackage is handed out and kept.
			return tx.queryRow(ctx, `SELECT data FROM key_packages WHERE device_id = ? AND last_resort AND claimed_at = 0`,
				deviceID).Scan(&data)
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE key_packages SET data = NULL, claimed_at = ? WHERE ref = ?`, micros(at), ref); err != nil {
			return err
		}
		n, err = stock(ctx, tx, deviceID)
		return err
	})
	return data, n, err
}

// KeyPackageStock counts a device's unclaimed ordinary KeyPackages.
func (db *Store) KeyPackageStock(ctx context.Context, deviceID string) (int, error) {
	n, err := stock(ctx, db, deviceID)
	return n, db.translate(err)
}

// KeyPackageDevice returns the device of a handed-out KeyPackage.
func (db *Store) KeyPackageDevice(ctx context.Context, ref []byte) (string, error) {
	var d string
	err := db.queryRow(ctx, `SELECT device_id FROM key_packages WHERE ref = ? AND (claimed_at <> 0 OR last_resort)`, ref).Scan(&d)
	return d, db.translate(err)
}

// Welcomes lists the Welcomes waiting for a device.
func (db *Store) Welcomes(ctx context.Context, deviceID string) ([]*messaging.Welcome, error) {
	rows, err := db.query(ctx, `SELECT w.id, w.conversation_id, w.seq, m.welcome, m.ratchet_tree, w.created_at
		FROM welcomes w JOIN welcome_messages m ON m.conversation_id = w.conversation_id AND m.seq = w.seq
		WHERE w.device_id = ? ORDER BY w.created_at`, deviceID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*messaging.Welcome
	for rows.Next() {
		w := &messaging.Welcome{Device: deviceID}
		var at int64
		if err := rows.Scan(&w.ID, &w.Conversation, &w.Seq, &w.Welcome, &w.RatchetTree, &at); err != nil {
			return nil, db.translate(err)
		}
		w.CreatedAt = fromMicros(at)
		out = append(out, w)
	}
	return out, db.translate(rows.Err())
}

// DeleteWelcome deletes one of a device's Welcomes.
func (db *Store) DeleteWelcome(ctx context.Context, deviceID, id string) error {
	return db.tx(ctx, func(tx *txn) error {
		var conv string
		var seq int64
		err := tx.queryRow(ctx, `SELECT conversation_id, seq FROM welcomes WHERE id = ? AND device_id = ?`, id, deviceID).Scan(&conv, &seq)
		if err != nil {
			return err
		}
		// Locking the shared Welcome first makes two devices joining at
		// once take turns, so the second sees the first's row gone.
		if _, err := tx.exec(ctx, `SELECT 1 FROM welcome_messages WHERE conversation_id = ? AND seq = ? FOR UPDATE`, conv, seq); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM welcomes WHERE id = ?`, id); err != nil {
			return err
		}
		// The last device to join drops the shared Welcome.
		_, err = tx.exec(ctx, `DELETE FROM welcome_messages WHERE conversation_id = ? AND seq = ?
			AND NOT EXISTS (SELECT 1 FROM welcomes WHERE conversation_id = ? AND seq = ?)`, conv, seq, conv, seq)
		return err
	})
}

// quotaLock serialises attachment uploads on PostgreSQL, so that two at
// once cannot both pass a quota (SQLite's one writer does already).
const quotaLock = 0x9_0_7a

// PutAttachment stores an attachment within the quotas.
func (db *Store) PutAttachment(ctx context.Context, a *messaging.Attachment, q messaging.Quota) error {
	return db.tx(ctx, func(tx *txn) error {
		if err := tx.lock(ctx, quotaLock); err != nil {
			return err
		}
		var person, org int64
		if err := tx.queryRow(ctx, `SELECT COALESCE(SUM(a.size), 0) FROM attachments a JOIN devices d ON d.id = a.device_id
			WHERE d.user_id = ?`, q.User).Scan(&person); err != nil {
			return err
		}
		if person+a.Size > q.PersonBytes {
			return fault.Wrap(fault.Conflict, "over quota", &messaging.OverQuota{Limit: q.PersonBytes})
		}
		if err := tx.queryRow(ctx, `SELECT COALESCE(SUM(a.size), 0) FROM attachments a JOIN conversations c ON c.id = a.conversation_id
			WHERE c.org_id = ?`, q.Org).Scan(&org); err != nil {
			return err
		}
		if org+a.Size > q.OrgBytes {
			return fault.Wrap(fault.Conflict, "over quota", &messaging.OverQuota{Org: true, Limit: q.OrgBytes})
		}
		_, err := tx.exec(ctx, `INSERT INTO attachments(id, conversation_id, device_id, size, data, created_at) VALUES (?,?,?,?,?,?)`,
			a.ID, a.Conversation, a.Device, a.Size, a.Data, micros(a.CreatedAt))
		return err
	})
}

// Attachment returns an attachment.
func (db *Store) Attachment(ctx context.Context, id string) (*messaging.Attachment, error) {
	a := messaging.Attachment{ID: id}
	var at int64
	err := db.queryRow(ctx, `SELECT conversation_id, device_id, size, data, created_at FROM attachments WHERE id = ?`, id).
		Scan(&a.Conversation, &a.Device, &a.Size, &a.Data, &at)
	if err != nil {
		return nil, db.translate(err)
	}
	a.CreatedAt = fromMicros(at)
	return &a, nil
}

// PutPushSubscription stores (replaces) a device's push subscription.
func (db *Store) PutPushSubscription(ctx context.Context, s *messaging.PushSubscription, at time.Time) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO push_subscriptions(device_id, endpoint, p256dh, auth, created_at) VALUES (?,?,?,?,?)
			ON CONFLICT(device_id) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
			created_at = excluded.created_at`, s.Device, s.Endpoint, s.P256DH, s.Auth, micros(at))
		return err
	})
}

// DeletePushSubscription deletes a device's push subscription.
func (db *Store) DeletePushSubscription(ctx context.Context, deviceID string) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `DELETE FROM push_subscriptions WHERE device_id = ?`, deviceID)
		return err
	})
}

// PushSubscription returns a device's push subscription.
func (db *Store) PushSubscription(ctx context.Context, deviceID string) (*messaging.PushSubscription, error) {
	s := messaging.PushSubscription{Device: deviceID}
	err := db.queryRow(ctx, `SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE device_id = ?`, deviceID).
		Scan(&s.Endpoint, &s.P256DH, &s.Auth)
	if err != nil {
		return nil, db.translate(err)
	}
	return &s, nil
}

var _ messaging.Store = (*Store)(nil)

var errNoConversation = fault.New(fault.NotFound, "There is no such conversation.")

var errNotMember = fault.New(fault.NotFound, "There is no such conversation, or this device is not in it.")
