package sqlstore

import (
	"context"
	"slices"

	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// Expunge deletes what x selects of a conversation and appends the
// deletion entry x.Entry makes of it, in one transaction that holds the
// conversation's row, so that its sequence numbers never repeat.
func (db *Store) Expunge(ctx context.Context, x *messaging.Expunge) (*messaging.Message, error) {
	var entry *messaging.Message
	err := db.tx(ctx, func(tx *txn) error {
		entry = nil
		_, last, err := convState(ctx, tx, x.Conversation)
		if err != nil {
			return err
		}
		deleted, err := expungeMessages(ctx, tx, x)
		if err != nil {
			return err
		}
		if err := expungeAttachments(ctx, tx, x); err != nil {
			return err
		}
		if !x.Before.IsZero() {
			if err := expungeHandshakes(ctx, tx, x); err != nil {
				return err
			}
		}
		if len(deleted) == 0 {
			return nil
		}
		kept, err := keptBetween(ctx, tx, x.Conversation, deleted[0], deleted[len(deleted)-1])
		if err != nil {
			return err
		}
		m, err := x.Entry(deleted, kept)
		if err != nil {
			return err
		}
		m.Seq = last + 1
		if err := insertMessage(ctx, tx, m); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE conversations SET last_seq = ? WHERE id = ?`, m.Seq, m.Conversation); err != nil {
			return err
		}
		entry = m
		return nil
	})
	return entry, err
}

// expungeMessages deletes the application messages x selects and returns
// their sequence numbers in order.
func expungeMessages(ctx context.Context, tx *txn, x *messaging.Expunge) ([]int64, error) {
	type row struct {
		seq    int64
		sentAt int64
	}
	var rows []row
	if len(x.Seqs) > 0 {
		args := []any{x.Conversation}
		for _, s := range x.Seqs {
			args = append(args, s)
		}
		rs, err := tx.query(ctx, `SELECT seq, sent_at FROM messages WHERE conversation_id = ? AND kind = 'application'
			AND seq IN (`+placeholders(len(x.Seqs))+`) ORDER BY seq`, args...)
		if err != nil {
			return nil, err
		}
		rows, err = scanRows(rs, func(r *row) []any { return []any{&r.seq, &r.sentAt} })
		if err != nil {
			return nil, err
		}
	} else if !x.Before.IsZero() {
		// Kept spans are left out here too, so that a limited selection
		// always makes progress.
		q := `SELECT seq, sent_at FROM messages WHERE conversation_id = ? AND kind = 'application' AND sent_at < ?`
		args := []any{x.Conversation, micros(x.Before)}
		for _, sp := range x.Keep {
			switch {
			case sp.From.IsZero() && sp.To.IsZero():
				return nil, nil
			case sp.From.IsZero():
				q += ` AND sent_at >= ?`
				args = append(args, micros(sp.To))
			case sp.To.IsZero():
				q += ` AND sent_at < ?`
				args = append(args, micros(sp.From))
			default:
				q += ` AND (sent_at < ? OR sent_at >= ?)`
				args = append(args, micros(sp.From), micros(sp.To))
			}
		}
		q += ` ORDER BY seq`
		if x.Limit > 0 {
			q += ` LIMIT ?`
			args = append(args, x.Limit)
		}
		rs, err := tx.query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		rows, err = scanRows(rs, func(r *row) []any { return []any{&r.seq, &r.sentAt} })
		if err != nil {
			return nil, err
		}
	}
	var seqs []int64
	for _, r := range rows {
		if !kept(x.Keep, r.sentAt) {
			seqs = append(seqs, r.seq)
		}
	}
	// In statements of up to 500, one round trip each.
	for rest := seqs; len(rest) > 0; {
		n := min(len(rest), 500)
		args := []any{x.Conversation}
		for _, s := range rest[:n] {
			args = append(args, s)
		}
		if _, err := tx.exec(ctx, `DELETE FROM messages WHERE conversation_id = ? AND seq IN (`+placeholders(n)+`)`, args...); err != nil {
			return nil, err
		}
		rest = rest[n:]
	}
	return seqs, nil
}

// kept reports whether a time (microseconds) falls in one of the spans.
func kept(keep []messaging.Span, at int64) bool {
	t := fromMicros(at)
	return slices.ContainsFunc(keep, func(s messaging.Span) bool { return s.Contains(t) })
}

// expungeAttachments deletes the attachments x names, or those stored
// before x.Before outside its Keep spans.
func expungeAttachments(ctx context.Context, tx *txn, x *messaging.Expunge) error {
	ids := slices.Clone(x.Attachments)
	if len(x.Seqs) == 0 && !x.Before.IsZero() {
		type row struct {
			id string
			at int64
		}
		rs, err := tx.query(ctx, `SELECT id, created_at FROM attachments WHERE conversation_id = ? AND created_at < ?`,
			x.Conversation, micros(x.Before))
		if err != nil {
			return err
		}
		rows, err := scanRows(rs, func(r *row) []any { return []any{&r.id, &r.at} })
		if err != nil {
			return err
		}
		for _, r := range rows {
			if !kept(x.Keep, r.at) {
				ids = append(ids, r.id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	st, err := tx.prepare(ctx, `DELETE FROM attachments WHERE conversation_id = ? AND id = ?`)
	if err != nil {
		return err
	}
	defer st.close()
	for _, id := range ids {
		if _, err := st.exec(ctx, x.Conversation, id); err != nil {
			return err
		}
	}
	return nil
}

// expungeHandshakes deletes commits, proposals and earlier deletion
// entries sent before x.Before that every member has read past, and
// Welcomes no device waits for. Members joining later start after them.
func expungeHandshakes(ctx context.Context, tx *txn, x *messaging.Expunge) error {
	_, err := tx.exec(ctx, `DELETE FROM messages WHERE conversation_id = ? AND kind IN ('commit', 'proposal', 'deletion') AND sent_at < ?
		AND seq <= (SELECT COALESCE(MIN(cursor), 0) FROM members WHERE conversation_id = ?)
		AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.conversation_id = messages.conversation_id AND p.seq = messages.seq)`,
		x.Conversation, micros(x.Before), x.Conversation)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `DELETE FROM welcome_messages WHERE conversation_id = ?
		AND seq <= (SELECT COALESCE(MIN(cursor), 0) FROM members WHERE conversation_id = ?)
		AND NOT EXISTS (SELECT 1 FROM welcomes w WHERE w.conversation_id = welcome_messages.conversation_id AND w.seq = welcome_messages.seq)`,
		x.Conversation, x.Conversation)
	return err
}

// keptBetween lists the application messages left between two sequence
// numbers (inclusive).
func keptBetween(ctx context.Context, tx *txn, conv string, from, to int64) ([]int64, error) {
	rs, err := tx.query(ctx, `SELECT seq FROM messages WHERE conversation_id = ? AND kind = 'application'
		AND seq BETWEEN ? AND ? ORDER BY seq`, conv, from, to)
	if err != nil {
		return nil, err
	}
	return scanRows(rs, func(s *int64) []any { return []any{s} })
}
