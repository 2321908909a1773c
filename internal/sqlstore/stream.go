package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// convStates locks the conversations of a batch in one order (by ID), so
// that two batches naming the same conversations in different orders wait
// for each other rather than deadlock, and returns their states.
func convStates(ctx context.Context, tx *txn, sends []messaging.Send) (map[string]*streamState, error) {
	var ids []string
	for _, s := range sends {
		ids = append(ids, s.Message.Conversation)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := map[string]*streamState{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.query(ctx, `SELECT id, epoch, last_seq FROM conversations WHERE id IN (`+placeholders(len(ids))+`)
		ORDER BY id FOR UPDATE`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		st := &streamState{}
		if err := rows.Scan(&id, &st.epoch, &st.last); err != nil {
			return nil, err
		}
		out[id] = st
	}
	return out, rows.Err()
}

type streamState struct {
	epoch uint64
	last  int64
	dirty bool
}

// AppendMessages stores a batch of application messages in one
// transaction (group commit). Each send is checked on its own: the sender
// must be a member, the epoch current, and a client ID seen before returns
// the first seq.
func (db *Store) AppendMessages(ctx context.Context, sends []messaging.Send) ([]messaging.SendResult, error) {
	res := make([]messaging.SendResult, len(sends))
	err := db.tx(ctx, func(tx *txn) error {
		convs, err := convStates(ctx, tx, sends)
		if err != nil {
			return err
		}
		ins, err := tx.prepare(ctx, insertMessageSQL)
		if err != nil {
			return err
		}
		defer ins.close()
		// "client_id <> ''" lets the planner use the partial unique index.
		dup, err := tx.prepare(ctx, `SELECT seq FROM messages WHERE conversation_id = ? AND device_id = ? AND client_id = ?
			AND client_id <> ''`)
		if err != nil {
			return err
		}
		defer dup.close()
		refusal := map[[2]string]error{} // per conversation and device: nil once it may send
		seen := map[[3]string]int64{}
		for i, s := range sends {
			m := s.Message
			st := convs[m.Conversation]
			if st == nil {
				res[i].Err = errNoConversation
				continue
			}
			mk := [2]string{m.Conversation, m.Device}
			why, known := refusal[mk]
			if !known {
				var leaving bool
				err := tx.queryRow(ctx, `SELECT leaving FROM members WHERE conversation_id = ? AND device_id = ?`, m.Conversation, m.Device).Scan(&leaving)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
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
			err := dup.queryRow(ctx, m.Conversation, m.Device, m.ClientID).Scan(&prev)
			switch {
			case err == nil:
				res[i] = messaging.SendResult{Seq: prev, Duplicate: true}
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			if m.Epoch != st.epoch {
				res[i] = messaging.SendResult{Epoch: st.epoch, Err: staleEpoch(st.epoch)}
				continue
			}
			st.last++
			st.dirty = true
			m.Seq = st.last
			if _, err := ins.exec(ctx, m.Conversation, m.Seq, string(m.Kind), m.Device, m.ClientID, m.Epoch, micros(m.SentAt), m.Data); err != nil {
				return fmt.Errorf("insert message: %w", err)
			}
			seen[dk] = m.Seq
			res[i] = messaging.SendResult{Seq: m.Seq}
		}
		for id, st := range convs {
			if st.dirty {
				if _, err := tx.exec(ctx, `UPDATE conversations SET last_seq = ? WHERE id = ?`, st.last, id); err != nil {
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
func (db *Store) Messages(ctx context.Context, conversation string, after int64, limit int) ([]*messaging.Message, error) {
	rows, err := db.query(ctx, `SELECT seq, kind, device_id, client_id, epoch, sent_at, data FROM messages
		WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`, conversation, after, limit)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*messaging.Message
	for rows.Next() {
		m := &messaging.Message{Conversation: conversation}
		var kind string
		var at int64
		if err := rows.Scan(&m.Seq, &kind, &m.Device, &m.ClientID, &m.Epoch, &at, &m.Data); err != nil {
			return nil, db.translate(err)
		}
		m.Kind, m.SentAt = messaging.Kind(kind), fromMicros(at)
		out = append(out, m)
	}
	return out, db.translate(rows.Err())
}
