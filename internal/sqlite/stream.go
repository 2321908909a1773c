package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// AppendMessages stores a batch of application messages in one
// transaction: one fsync for the whole batch (group commit). Each send is
// checked on its own: the sender must be a member, the epoch current, and
// a client ID seen before returns the first seq.
func (db *DB) AppendMessages(ctx context.Context, sends []messaging.Send) ([]messaging.SendResult, error) {
	res := make([]messaging.SendResult, len(sends))
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.Prepare(`INSERT INTO messages(conversation_id, seq, kind, device_id, client_id, epoch, sent_at, data)
			VALUES (?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		// "client_id <> ''" lets SQLite use the partial unique index;
		// without it the lookup scans the conversation.
		dupQ, err := tx.Prepare(`SELECT seq FROM messages WHERE conversation_id = ? AND device_id = ? AND client_id = ? AND client_id <> ''`)
		if err != nil {
			return err
		}
		defer dupQ.Close()
		type state struct {
			epoch uint64
			last  int64
			dirty bool
		}
		convs := map[string]*state{}
		refusal := map[[2]string]error{} // per conversation and device: nil once it may send
		seen := map[[3]string]int64{}
		for i, s := range sends {
			m := s.Message
			st := convs[m.Conversation]
			if st == nil {
				epoch, last, err := convState(tx, m.Conversation)
				if fault.Is(err, fault.NotFound) {
					res[i].Err = errNoConversation
					continue
				}
				if err != nil {
					return err
				}
				st = &state{epoch: epoch, last: last}
				convs[m.Conversation] = st
			}
			mk := [2]string{m.Conversation, m.Device}
			why, known := refusal[mk]
			if !known {
				var leaving bool
				err := tx.QueryRow(`SELECT leaving FROM members WHERE conversation_id = ? AND device_id = ?`, m.Conversation, m.Device).Scan(&leaving)
				if err != nil && err != sql.ErrNoRows {
					return err
				}
				switch {
				case err != nil:
					why = errNotMember
				case leaving:
					why = messaging.ErrLeft
				}
				refusal[mk] = why
			}
			if why != nil {
				res[i].Err = why
				continue
			}
			dk := [3]string{m.Conversation, m.Device, m.ClientID}
			if seq, ok := seen[dk]; ok {
				res[i] = messaging.SendResult{Seq: seq, Duplicate: true}
				continue
			}
			var prev int64
			switch err := dupQ.QueryRow(m.Conversation, m.Device, m.ClientID).Scan(&prev); err {
			case nil:
				res[i] = messaging.SendResult{Seq: prev, Duplicate: true}
				continue
			case sql.ErrNoRows:
			default:
				return err
			}
			if m.Epoch != st.epoch {
				res[i] = messaging.SendResult{Epoch: st.epoch, Err: staleEpoch(st.epoch)}
				continue
			}
			st.last++
			st.dirty = true
			m.Seq = st.last
			if _, err := ins.Exec(m.Conversation, m.Seq, string(m.Kind), m.Device, m.ClientID, m.Epoch, micros(m.SentAt), m.Data); err != nil {
				return fmt.Errorf("insert message: %w", err)
			}
			seen[dk] = m.Seq
			res[i] = messaging.SendResult{Seq: m.Seq}
		}
		for id, st := range convs {
			if st.dirty {
				if _, err := tx.Exec(`UPDATE conversations SET last_seq = ? WHERE id = ?`, st.last, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Messages lists a stream after seq, in order.
func (db *DB) Messages(ctx context.Context, conversation string, after int64, limit int) ([]*messaging.Message, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT seq, kind, device_id, client_id, epoch, sent_at, data FROM messages
		WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`, conversation, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*messaging.Message
	for rows.Next() {
		m := &messaging.Message{Conversation: conversation}
		var kind string
		var at int64
		if err := rows.Scan(&m.Seq, &kind, &m.Device, &m.ClientID, &m.Epoch, &at, &m.Data); err != nil {
			return nil, translate(err)
		}
		m.Kind, m.SentAt = messaging.Kind(kind), fromMicros(at)
		out = append(out, m)
	}
	return out, translate(rows.Err())
}
