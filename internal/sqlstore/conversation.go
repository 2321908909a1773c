package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// CreateConversation stores a new conversation with its creator at leaf 0.
func (db *Store) CreateConversation(ctx context.Context, c *messaging.Conversation, creator messaging.Member) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO conversations(id, org_id, epoch, last_seq, created_at, kind) VALUES (?,?,0,0,?,?)`,
			c.ID, c.OrgID, micros(c.CreatedAt), kindOr(c.Kind))
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO members(conversation_id, device_id, leaf, joined_seq, cursor) VALUES (?,?,0,0,0)`,
			c.ID, creator.Device)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO conversation_admins(conversation_id, user_id)
			SELECT ?, user_id FROM devices WHERE id = ?`, c.ID, creator.Device)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO conversation_people(conversation_id, user_id)
			SELECT ?, user_id FROM devices WHERE id = ?`, c.ID, creator.Device)
		return err
	})
}

// kindOr is a conversation's kind, clinical unless given.
func kindOr(kind string) string {
	if kind == "" {
		return "clinical"
	}
	return kind
}

func (db *Store) members(ctx context.Context, id string) ([]messaging.Member, error) {
	rows, err := db.query(ctx, `SELECT m.device_id, u.id, u.email, m.leaf, m.joined_seq, m.cursor, m.leaving
		FROM members m JOIN devices d ON d.id = m.device_id JOIN users u ON u.id = d.user_id
		WHERE m.conversation_id = ? ORDER BY m.leaf`, id)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []messaging.Member
	for rows.Next() {
		var m messaging.Member
		if err := rows.Scan(&m.Device, &m.User, &m.Email, &m.Leaf, &m.JoinedSeq, &m.Cursor, &m.Leaving); err != nil {
			return nil, db.translate(err)
		}
		out = append(out, m)
	}
	return out, db.translate(rows.Err())
}

// Conversation returns a conversation with its members.
func (db *Store) Conversation(ctx context.Context, id string) (*messaging.Conversation, error) {
	c := messaging.Conversation{ID: id}
	var at int64
	err := db.queryRow(ctx, `SELECT org_id, epoch, last_seq, created_at, kind FROM conversations WHERE id = ?`, id).
		Scan(&c.OrgID, &c.Epoch, &c.LastSeq, &at, &c.Kind)
	if err != nil {
		return nil, db.translate(err)
	}
	c.CreatedAt = fromMicros(at)
	if c.Members, err = db.members(ctx, id); err != nil {
		return nil, err
	}
	if c.Admins, err = db.admins(ctx, id); err != nil {
		return nil, err
	}
	if c.People, err = db.people(ctx, id); err != nil {
		return nil, err
	}
	return &c, nil
}

// ListConversations lists a device's conversations with their members.
func (db *Store) ListConversations(ctx context.Context, deviceID string) ([]*messaging.Conversation, error) {
	rows, err := db.query(ctx, `SELECT c.id, c.org_id, c.epoch, c.last_seq, c.created_at, c.kind FROM conversations c
		JOIN members m ON m.conversation_id = c.id WHERE m.device_id = ? ORDER BY c.created_at`, deviceID)
	if err != nil {
		return nil, db.translate(err)
	}
	var out []*messaging.Conversation
	for rows.Next() {
		c := &messaging.Conversation{}
		var at int64
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Epoch, &c.LastSeq, &at, &c.Kind); err != nil {
			rows.Close()
			return nil, db.translate(err)
		}
		c.CreatedAt = fromMicros(at)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.translate(err)
	}
	for _, c := range out {
		if c.Members, err = db.members(ctx, c.ID); err != nil {
			return nil, err
		}
		if c.Admins, err = db.admins(ctx, c.ID); err != nil {
			return nil, err
		}
		if c.People, err = db.people(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Memberships lists a device's conversations without their members.
func (db *Store) Memberships(ctx context.Context, deviceID string) ([]messaging.Membership, error) {
	rows, err := db.query(ctx, `SELECT c.id, c.last_seq, m.joined_seq, m.cursor FROM conversations c
		JOIN members m ON m.conversation_id = c.id WHERE m.device_id = ? ORDER BY c.created_at`, deviceID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []messaging.Membership
	for rows.Next() {
		var m messaging.Membership
		if err := rows.Scan(&m.Conversation, &m.LastSeq, &m.JoinedSeq, &m.Cursor); err != nil {
			return nil, db.translate(err)
		}
		out = append(out, m)
	}
	return out, db.translate(rows.Err())
}

var _ messaging.MembershipLister = (*Store)(nil)

// staleEpoch is the conflict for a change made in an old epoch.
func staleEpoch(current uint64) error {
	return fault.Wrap(fault.Conflict, "The conversation has moved on to a newer epoch; fetch its messages, merge and try again.",
		&messaging.StaleEpoch{Epoch: current})
}

// convState reads a conversation's epoch and last sequence number and
// locks its row until tx ends: commits and sends to one conversation, from
// any node, take turns, so each epoch accepts one commit and sequence
// numbers never repeat.
func convState(ctx context.Context, tx *txn, id string) (epoch uint64, last int64, err error) {
	err = tx.queryRow(ctx, `SELECT epoch, last_seq FROM conversations WHERE id = ? FOR UPDATE`, id).Scan(&epoch, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, errNoConversation
	}
	return epoch, last, err
}

func insertMessage(ctx context.Context, tx *txn, m *messaging.Message) error {
	_, err := tx.exec(ctx, insertMessageSQL, m.Conversation, m.Seq, string(m.Kind), m.Device, m.ClientID, m.Epoch, micros(m.SentAt), m.Data)
	return err
}

const insertMessageSQL = `INSERT INTO messages(conversation_id, seq, kind, device_id, client_id, epoch, sent_at, data)
	VALUES (?,?,?,?,?,?,?,?)`

// Commit stores an accepted commit and the membership it leads to.
func (db *Store) Commit(ctx context.Context, r *messaging.CommitRecord) (int64, error) {
	m := r.Message
	err := db.tx(ctx, func(tx *txn) error {
		epoch, last, err := convState(ctx, tx, m.Conversation)
		if err != nil {
			return err
		}
		if epoch != r.Epoch {
			return staleEpoch(epoch)
		}
		m.Seq = last + 1
		if err := insertMessage(ctx, tx, m); err != nil {
			return err
		}
		for _, l := range r.Removed {
			if _, err := tx.exec(ctx, `DELETE FROM members WHERE conversation_id = ? AND leaf = ?`, m.Conversation, l); err != nil {
				return err
			}
		}
		for i := range r.Added {
			a := &r.Added[i]
			a.JoinedSeq, a.Cursor = m.Seq, m.Seq
			_, err := tx.exec(ctx, `INSERT INTO members(conversation_id, device_id, leaf, joined_seq, cursor) VALUES (?,?,?,?,?)`,
				m.Conversation, a.Device, a.Leaf, m.Seq, m.Seq)
			if err != nil {
				return err
			}
		}
		if r.Admins != nil {
			if _, err := tx.exec(ctx, `DELETE FROM conversation_admins WHERE conversation_id = ?`, m.Conversation); err != nil {
				return err
			}
			for _, u := range r.Admins {
				if _, err := tx.exec(ctx, `INSERT INTO conversation_admins(conversation_id, user_id) VALUES (?,?)`, m.Conversation, u); err != nil {
					return err
				}
			}
		}
		for i, w := range r.Welcomes {
			w.Seq = m.Seq
			if i == 0 {
				_, err := tx.exec(ctx, `INSERT INTO welcome_messages(conversation_id, seq, welcome, ratchet_tree) VALUES (?,?,?,?)`,
					w.Conversation, w.Seq, w.Welcome, w.RatchetTree)
				if err != nil {
					return err
				}
			}
			_, err := tx.exec(ctx, `INSERT INTO welcomes(id, device_id, conversation_id, seq, created_at) VALUES (?,?,?,?,?)`,
				w.ID, w.Device, w.Conversation, w.Seq, micros(w.CreatedAt))
			if err != nil {
				return err
			}
		}
		for _, u := range r.Joined {
			if _, err := tx.exec(ctx, `INSERT INTO conversation_people(conversation_id, user_id) VALUES (?,?)
				ON CONFLICT DO NOTHING`, m.Conversation, u); err != nil {
				return err
			}
		}
		for _, u := range r.Gone {
			if _, err := tx.exec(ctx, `DELETE FROM conversation_people WHERE conversation_id = ? AND user_id = ?`, m.Conversation, u); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `DELETE FROM proposals WHERE conversation_id = ? AND epoch <= ?`, m.Conversation, epoch); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE conversations SET epoch = ?, last_seq = ? WHERE id = ?`, epoch+1, m.Seq, m.Conversation)
		return err
	})
	return m.Seq, err
}

// AppendProposal stores a proposal of the server's at the current epoch.
func (db *Store) AppendProposal(ctx context.Context, m *messaging.Message, p messaging.ServerProposal) (int64, error) {
	err := db.tx(ctx, func(tx *txn) error {
		epoch, last, err := convState(ctx, tx, m.Conversation)
		if err != nil {
			return err
		}
		if epoch != m.Epoch {
			return staleEpoch(epoch)
		}
		m.Seq = last + 1
		_, err = tx.exec(ctx, `INSERT INTO proposals(conversation_id, ref, epoch, removed_leaf, seq, added_device, key_package_ref)
			VALUES (?,?,?,?,?,?,?)`,
			m.Conversation, p.Ref, epoch, p.RemovedLeaf, m.Seq, p.AddedDevice, nonNil(p.KeyPackageRef))
		if err != nil {
			return err
		}
		if err := insertMessage(ctx, tx, m); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE conversations SET last_seq = ? WHERE id = ?`, m.Seq, m.Conversation)
		return err
	})
	return m.Seq, err
}

// Proposal resolves a reference to a proposal of the server's at an epoch.
func (db *Store) Proposal(ctx context.Context, conversation string, epoch uint64, ref []byte) (*messaging.ServerProposal, error) {
	p := messaging.ServerProposal{Ref: ref}
	err := db.queryRow(ctx, `SELECT removed_leaf, added_device, key_package_ref FROM proposals
		WHERE conversation_id = ? AND ref = ? AND epoch = ?`, conversation, ref, epoch).Scan(&p.RemovedLeaf, &p.AddedDevice, &p.KeyPackageRef)
	if err != nil {
		return nil, db.translate(err)
	}
	return &p, nil
}

// JoiningDevices lists the devices of the conversation's people that
// belong in it and are not members, leaving out those the server has
// proposed adding in the current epoch.
func (db *Store) JoiningDevices(ctx context.Context, conversation string) ([]string, error) {
	return db.strings(ctx, `SELECT d.id FROM conversation_people p
		JOIN conversations c ON c.id = p.conversation_id
		JOIN devices d ON d.user_id = p.user_id
		JOIN users u ON u.id = d.user_id
		JOIN mls_credentials k ON k.device_id = d.id
		WHERE p.conversation_id = ? AND d.revoked_at = 0 AND u.disabled_at = 0
		AND NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = p.conversation_id AND m.device_id = d.id)
		AND NOT EXISTS (SELECT 1 FROM proposals x WHERE x.conversation_id = p.conversation_id AND x.added_device = d.id AND x.epoch = c.epoch)
		AND EXISTS (SELECT 1 FROM key_packages kp WHERE kp.device_id = d.id AND kp.claimed_at = 0)
		ORDER BY d.id`, conversation)
}

// AddPerson makes the users people of the conversation, at once.
func (db *Store) AddPerson(ctx context.Context, conversation string, userIDs ...string) error {
	return db.tx(ctx, func(tx *txn) error {
		st, err := tx.prepare(ctx, `INSERT INTO conversation_people(conversation_id, user_id) VALUES (?,?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.close()
		for _, u := range userIDs {
			if _, err := st.exec(ctx, conversation, u); err != nil {
				return err
			}
		}
		return nil
	})
}

// PersonConversations lists the conversations the user is one of the
// people of.
func (db *Store) PersonConversations(ctx context.Context, userID string) ([]string, error) {
	return db.strings(ctx, `SELECT conversation_id FROM conversation_people WHERE user_id = ? ORDER BY conversation_id`, userID)
}

func (db *Store) people(ctx context.Context, conversation string) ([]string, error) {
	return db.strings(ctx, `SELECT user_id FROM conversation_people WHERE conversation_id = ? ORDER BY user_id`, conversation)
}

// strings runs a query of one text column.
func (db *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, db.translate(err)
		}
		out = append(out, v)
	}
	return out, db.translate(rows.Err())
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// DepartingMembers lists members whose devices are revoked or whose users
// have left.
func (db *Store) DepartingMembers(ctx context.Context, conversation string) ([]messaging.Member, error) {
	rows, err := db.query(ctx, `SELECT m.device_id, m.leaf FROM members m JOIN devices d ON d.id = m.device_id
		WHERE m.conversation_id = ? AND (d.revoked_at <> 0 OR m.leaving) ORDER BY m.leaf`, conversation)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []messaging.Member
	for rows.Next() {
		var m messaging.Member
		if err := rows.Scan(&m.Device, &m.Leaf); err != nil {
			return nil, db.translate(err)
		}
		out = append(out, m)
	}
	return out, db.translate(rows.Err())
}

// Leave marks every device of the user in the conversation as leaving.
func (db *Store) Leave(ctx context.Context, conversation, userID string) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `UPDATE members SET leaving = true WHERE conversation_id = ?
			AND device_id IN (SELECT id FROM devices WHERE user_id = ?)`, conversation, userID)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `DELETE FROM conversation_people WHERE conversation_id = ? AND user_id = ?`, conversation, userID)
		return err
	})
}

// AddAdmin makes the user an admin of the conversation.
func (db *Store) AddAdmin(ctx context.Context, conversation, userID string) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO conversation_admins(conversation_id, user_id) VALUES (?,?)
			ON CONFLICT DO NOTHING`, conversation, userID)
		return err
	})
}

func (db *Store) admins(ctx context.Context, conversation string) ([]string, error) {
	return db.strings(ctx, `SELECT user_id FROM conversation_admins WHERE conversation_id = ? ORDER BY user_id`, conversation)
}

// SetCursors moves many cursors forward (never back) at once.
func (db *Store) SetCursors(ctx context.Context, cs []messaging.Cursor) error {
	return db.tx(ctx, func(tx *txn) error {
		for _, c := range cs {
			_, err := tx.exec(ctx, `UPDATE members SET cursor = ? WHERE conversation_id = ? AND device_id = ? AND cursor < ?`,
				c.Seq, c.Conversation, c.Device, c.Seq)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// SetCursor moves a member's delivery cursor forward (never back).
func (db *Store) SetCursor(ctx context.Context, conversation, deviceID string, seq int64) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `UPDATE members SET cursor = ? WHERE conversation_id = ? AND device_id = ? AND cursor < ?`,
			seq, conversation, deviceID, seq)
		return err
	})
}

// AddPIDOverrides counts a message sent after a patient-data warning.
func (db *Store) AddPIDOverrides(ctx context.Context, orgID, day string, kinds []string) error {
	return db.tx(ctx, func(tx *txn) error {
		for _, k := range kinds {
			_, err := tx.exec(ctx, `INSERT INTO pid_overrides(org_id, day, kind, count) VALUES (?,?,?,1)
				ON CONFLICT(org_id, day, kind) DO UPDATE SET count = pid_overrides.count + 1`, orgID, day, k)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// PIDOverrides returns the organisation's counts for days from to to.
func (db *Store) PIDOverrides(ctx context.Context, orgID, from, to string) ([]messaging.PIDOverride, error) {
	rows, err := db.query(ctx, `SELECT day, kind, count FROM pid_overrides
		WHERE org_id = ? AND day >= ? AND day <= ? ORDER BY day, kind`, orgID, from, to)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []messaging.PIDOverride
	for rows.Next() {
		var o messaging.PIDOverride
		if err := rows.Scan(&o.Day, &o.Kind, &o.Count); err != nil {
			return nil, db.translate(err)
		}
		out = append(out, o)
	}
	return out, db.translate(rows.Err())
}
