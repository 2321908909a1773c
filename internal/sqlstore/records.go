package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/records"
)

// SetRule stores a kind's retention rule, replacing the one before.
func (db *Store) SetRule(ctx context.Context, r *records.Rule, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO retention_rules(org_id, kind, max_age_s, reason, updated_at) VALUES (?,?,?,?,?)
			ON CONFLICT (org_id, kind) DO UPDATE SET max_age_s = excluded.max_age_s, reason = excluded.reason, updated_at = excluded.updated_at`,
			r.OrgID, r.Kind, int64(r.MaxAge/time.Second), r.Reason, micros(r.UpdatedAt))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// Rules lists the organisation's retention rules.
func (db *Store) Rules(ctx context.Context, orgID string) ([]*records.Rule, error) {
	rs, err := db.query(ctx, `SELECT kind, max_age_s, reason, updated_at FROM retention_rules WHERE org_id = ? ORDER BY kind`, orgID)
	if err != nil {
		return nil, db.translate(err)
	}
	out, err := scanRows(rs, func(r *records.Rule) []any {
		r.OrgID = orgID
		return []any{&r.Kind, (*seconds)(&r.MaxAge), &r.Reason, (*microTime)(&r.UpdatedAt)}
	})
	if err != nil {
		return nil, db.translate(err)
	}
	ptrs := make([]*records.Rule, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return ptrs, nil
}

// SetFiledGrace sets the organisation's grace period for filed messages.
func (db *Store) SetFiledGrace(ctx context.Context, orgID string, grace time.Duration, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE orgs SET filed_grace_s = ? WHERE id = ?`, int64(grace/time.Second), orgID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, fault.New(fault.NotFound, "There is no such organisation."))
		}
		return appendAudit(ctx, tx, ev)
	})
}

// FiledGrace returns the organisation's grace period for filed messages.
func (db *Store) FiledGrace(ctx context.Context, orgID string) (time.Duration, error) {
	var s int64
	if err := db.queryRow(ctx, `SELECT filed_grace_s FROM orgs WHERE id = ?`, orgID).Scan(&s); err != nil {
		return 0, db.translate(err)
	}
	return time.Duration(s) * time.Second, nil
}

// SetConversationKind changes a conversation's kind.
func (db *Store) SetConversationKind(ctx context.Context, conversation, kind string, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE conversations SET kind = ? WHERE id = ?`, kind, conversation)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, errNoConversation)
		}
		return appendAudit(ctx, tx, ev)
	})
}

// PutHold stores a new hold.
func (db *Store) PutHold(ctx context.Context, h *records.Hold, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO legal_holds(id, org_id, conversation_id, user_id, from_at, to_at, case_ref, placed_by, placed_at)
			VALUES (?,?,?,?,?,?,?,?,?)`, h.ID, h.OrgID, h.Conversation, h.UserID, micros(h.From), micros(h.To), h.Case, h.PlacedBy, micros(h.PlacedAt))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

const holdColumns = `id, org_id, conversation_id, user_id, from_at, to_at, case_ref, placed_by, placed_at, released_at, released_by`

func holdFields(h *records.Hold) []any {
	return []any{&h.ID, &h.OrgID, &h.Conversation, &h.UserID, (*microTime)(&h.From), (*microTime)(&h.To), &h.Case, &h.PlacedBy,
		(*microTime)(&h.PlacedAt), (*microTime)(&h.ReleasedAt), &h.ReleasedBy}
}

// Hold returns a hold.
func (db *Store) Hold(ctx context.Context, id string) (*records.Hold, error) {
	var h records.Hold
	if err := db.queryRow(ctx, `SELECT `+holdColumns+` FROM legal_holds WHERE id = ?`, id).Scan(holdFields(&h)...); err != nil {
		return nil, db.translate(err)
	}
	return &h, nil
}

// Holds lists the organisation's holds, newest first.
func (db *Store) Holds(ctx context.Context, orgID string, released bool) ([]*records.Hold, error) {
	q := `SELECT ` + holdColumns + ` FROM legal_holds WHERE org_id = ?`
	if !released {
		q += ` AND released_at = 0`
	}
	rs, err := db.query(ctx, q+` ORDER BY placed_at DESC, id`, orgID)
	if err != nil {
		return nil, db.translate(err)
	}
	hs, err := scanRows(rs, holdFields)
	if err != nil {
		return nil, db.translate(err)
	}
	out := make([]*records.Hold, len(hs))
	for i := range hs {
		out[i] = &hs[i]
	}
	return out, nil
}

// ReleaseHold releases a hold once.
func (db *Store) ReleaseHold(ctx context.Context, id, by string, at time.Time, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE legal_holds SET released_at = ?, released_by = ? WHERE id = ? AND released_at = 0`, micros(at), by, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, fault.New(fault.Conflict, "This hold was released already."))
		}
		return appendAudit(ctx, tx, ev)
	})
}

// PutFiling stores a filing of application messages of the conversation,
// with the span of their sending times.
func (db *Store) PutFiling(ctx context.Context, f *records.Filing, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		args := []any{f.Conversation}
		for _, s := range f.Seqs {
			args = append(args, s)
		}
		var n int
		var first, last sql.NullInt64
		err := tx.queryRow(ctx, `SELECT COUNT(*), MIN(sent_at), MAX(sent_at) FROM messages WHERE conversation_id = ? AND kind = 'application'
			AND seq IN (`+placeholders(len(f.Seqs))+`)`, args...).Scan(&n, &first, &last)
		if err != nil {
			return err
		}
		if n != len(f.Seqs) {
			return fault.Invalidf("Some of those messages are not in the conversation any more, or are not messages; choose again.")
		}
		f.FirstSent, f.LastSent = fromMicros(first.Int64), fromMicros(last.Int64)
		_, err = tx.exec(ctx, `INSERT INTO filings(id, org_id, conversation_id, device_id, user_id, seqs, attachments, first_sent, last_sent, filed_at, due_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?)`, f.ID, f.OrgID, f.Conversation, f.Device, f.User, joinInts(f.Seqs), strings.Join(f.Attachments, ","),
			micros(f.FirstSent), micros(f.LastSent), micros(f.FiledAt), micros(f.DueAt))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

const filingColumns = `id, org_id, conversation_id, device_id, user_id, seqs, attachments, first_sent, last_sent, filed_at, due_at, deleted_at, deletion_seq`

// filingRow scans a filing, its lists as stored.
type filingRow struct {
	records.Filing
	seqs, attachments string
}

func (r *filingRow) fields() []any {
	f := &r.Filing
	return []any{&f.ID, &f.OrgID, &f.Conversation, &f.Device, &f.User, &r.seqs, &r.attachments, (*microTime)(&f.FirstSent),
		(*microTime)(&f.LastSent), (*microTime)(&f.FiledAt), (*microTime)(&f.DueAt), (*microTime)(&f.DeletedAt), &f.DeletionSeq}
}

func (r *filingRow) filing() (*records.Filing, error) {
	f := r.Filing
	for _, s := range strings.Split(r.seqs, ",") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, err
		}
		f.Seqs = append(f.Seqs, n)
	}
	if r.attachments != "" {
		f.Attachments = strings.Split(r.attachments, ",")
	}
	return &f, nil
}

// Filing returns a filing.
func (db *Store) Filing(ctx context.Context, id string) (*records.Filing, error) {
	var r filingRow
	if err := db.queryRow(ctx, `SELECT `+filingColumns+` FROM filings WHERE id = ?`, id).Scan(r.fields()...); err != nil {
		return nil, db.translate(err)
	}
	return r.filing()
}

// DueFilings lists filings due by at and not yet deleted, by ID.
func (db *Store) DueFilings(ctx context.Context, at time.Time, after string, limit int) ([]*records.Filing, error) {
	rs, err := db.query(ctx, `SELECT `+filingColumns+` FROM filings WHERE deleted_at = 0 AND due_at <= ? AND id > ?
		ORDER BY id LIMIT ?`, micros(at), after, limit)
	if err != nil {
		return nil, db.translate(err)
	}
	rows, err := scanRows(rs, (*filingRow).fields)
	if err != nil {
		return nil, db.translate(err)
	}
	out := make([]*records.Filing, 0, len(rows))
	for i := range rows {
		f, err := rows[i].filing()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// FilingDeleted records a filing's deletion and the devices told of it.
func (db *Store) FilingDeleted(ctx context.Context, id string, at time.Time, seq int64, devices []string, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE filings SET deleted_at = ?, deletion_seq = ? WHERE id = ? AND deleted_at = 0`, micros(at), seq, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // another node recorded it first
		}
		st, err := tx.prepare(ctx, `INSERT INTO filing_devices(filing_id, device_id) VALUES (?,?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.close()
		for _, d := range devices {
			if _, err := st.exec(ctx, id, d); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, ev)
	})
}

// ConfirmDeletion records a device's confirmation, keeping the first.
func (db *Store) ConfirmDeletion(ctx context.Context, filing, device string, at time.Time) error {
	return db.tx(ctx, func(tx *txn) error {
		var confirmed int64
		err := tx.queryRow(ctx, `SELECT confirmed_at FROM filing_devices WHERE filing_id = ? AND device_id = ? FOR UPDATE`, filing, device).Scan(&confirmed)
		if err != nil || confirmed != 0 {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE filing_devices SET confirmed_at = ? WHERE filing_id = ? AND device_id = ?`, micros(at), filing, device)
		return err
	})
}

// Confirmations lists the devices told to delete a filing's messages.
func (db *Store) Confirmations(ctx context.Context, filing string) ([]records.Confirmation, error) {
	rs, err := db.query(ctx, `SELECT f.device_id, COALESCE(u.email, ''), COALESCE(d.name, ''), f.confirmed_at FROM filing_devices f
		LEFT JOIN devices d ON d.id = f.device_id LEFT JOIN users u ON u.id = d.user_id
		WHERE f.filing_id = ? ORDER BY u.email, d.name, f.device_id`, filing)
	if err != nil {
		return nil, db.translate(err)
	}
	out, err := scanRows(rs, func(c *records.Confirmation) []any {
		return []any{&c.Device, &c.Email, &c.DeviceName, (*microTime)(&c.ConfirmedAt)}
	})
	return out, db.translate(err)
}

// RetentionDue lists conversations with application messages or
// attachments older than their kind's rule allows at at.
func (db *Store) RetentionDue(ctx context.Context, at time.Time) ([]records.Due, error) {
	type row struct {
		conv, org string
		maxAge    int64
	}
	now := micros(at)
	rs, err := db.query(ctx, `SELECT c.id, c.org_id, r.max_age_s FROM conversations c
		JOIN retention_rules r ON r.org_id = c.org_id AND r.kind = c.kind
		WHERE r.max_age_s > 0 AND (
			EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sent_at < ? - r.max_age_s * 1000000 AND m.kind = 'application')
			OR EXISTS (SELECT 1 FROM attachments a WHERE a.conversation_id = c.id AND a.created_at < ? - r.max_age_s * 1000000))
		ORDER BY c.id`, now, now)
	if err != nil {
		return nil, db.translate(err)
	}
	rows, err := scanRows(rs, func(r *row) []any { return []any{&r.conv, &r.org, &r.maxAge} })
	if err != nil {
		return nil, db.translate(err)
	}
	out := make([]records.Due, 0, len(rows))
	for _, r := range rows {
		out = append(out, records.Due{Conversation: r.conv, OrgID: r.org, Before: at.Add(-time.Duration(r.maxAge) * time.Second)})
	}
	return out, nil
}

// Swept records a sweep's deletions in the audit chain.
func (db *Store) Swept(ctx context.Context, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error { return appendAudit(ctx, tx, ev) })
}

func joinInts(ns []int64) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, ",")
}

// microTime scans microseconds since the epoch (0: zero time).
type microTime time.Time

func (t *microTime) Scan(v any) error {
	n, ok := v.(int64)
	if !ok {
		return errors.New("microTime: not an integer")
	}
	*t = microTime(fromMicros(n))
	return nil
}

// seconds scans whole seconds as a duration.
type seconds time.Duration

func (d *seconds) Scan(v any) error {
	n, ok := v.(int64)
	if !ok {
		return errors.New("seconds: not an integer")
	}
	*d = seconds(time.Duration(n) * time.Second)
	return nil
}

var _ records.Store = (*Store)(nil)
