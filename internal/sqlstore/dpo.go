package sqlstore

import (
	"context"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

const breachColumns = `id, org_id, kind, category, summary, affected, actions, reportable, aware_at, opened_at, opened_by,
	reported_at, closed_at, reminded_h, device_id, version`

func (db *Store) scanBreach(row scanner) (*dpo.Breach, error) {
	var b dpo.Breach
	var aware, opened, reported, closed int64
	err := row.Scan(&b.ID, &b.OrgID, &b.Kind, &b.Category, &b.Summary, &b.Affected, &b.Actions, &b.Reportable, &aware, &opened,
		&b.OpenedBy, &reported, &closed, &b.RemindedH, &b.DeviceID, &b.Version)
	if err != nil {
		return nil, db.translate(err)
	}
	b.AwareAt, b.OpenedAt, b.ReportedAt, b.ClosedAt = fromMicros(aware), fromMicros(opened), fromMicros(reported), fromMicros(closed)
	return &b, nil
}

// addBreachEvent appends e to the entry's history inside tx.
func addBreachEvent(ctx context.Context, tx *txn, id string, e dpo.Event) error {
	_, err := tx.exec(ctx, `INSERT INTO breach_events(breach_id, seq, at, actor, action, note)
		SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ? FROM breach_events WHERE breach_id = ?`,
		id, micros(e.At), e.Actor, e.Action, e.Note, id)
	return err
}

// CreateBreach stores a new entry and its first event.
func (db *Store) CreateBreach(ctx context.Context, b *dpo.Breach, first dpo.Event, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO breaches(`+breachColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			b.ID, b.OrgID, b.Kind, b.Category, b.Summary, b.Affected, b.Actions, b.Reportable, micros(b.AwareAt), micros(b.OpenedAt),
			b.OpenedBy, micros(b.ReportedAt), micros(b.ClosedAt), b.RemindedH, b.DeviceID, b.Version)
		if err != nil {
			return err
		}
		if err := addBreachEvent(ctx, tx, b.ID, first); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// Breach returns one entry.
func (db *Store) Breach(ctx context.Context, id string) (*dpo.Breach, error) {
	return db.scanBreach(db.queryRow(ctx, `SELECT `+breachColumns+` FROM breaches WHERE id = ?`, id))
}

func (db *Store) breaches(ctx context.Context, q string, args ...any) ([]*dpo.Breach, error) {
	rows, err := db.query(ctx, `SELECT `+breachColumns+` FROM breaches `+q, args...)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*dpo.Breach
	for rows.Next() {
		b, err := db.scanBreach(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, db.translate(rows.Err())
}

// Breaches lists an organisation's entries, newest first.
func (db *Store) Breaches(ctx context.Context, orgID string) ([]*dpo.Breach, error) {
	return db.breaches(ctx, `WHERE org_id = ? ORDER BY opened_at DESC, id`, orgID)
}

// ClockedBreaches lists the entries whose 72-hour clock runs and whose
// last reminder has not been sent.
func (db *Store) ClockedBreaches(ctx context.Context) ([]*dpo.Breach, error) {
	last := dpo.ReminderHours[len(dpo.ReminderHours)-1]
	return db.breaches(ctx, `WHERE closed_at = 0 AND reportable = ? AND reported_at = 0 AND reminded_h < ? ORDER BY aware_at`, true, last)
}

// UpdateBreach stores an entry's changeable fields if its version is
// still b.Version.
func (db *Store) UpdateBreach(ctx context.Context, b *dpo.Breach, e dpo.Event, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE breaches SET summary = ?, affected = ?, actions = ?, reportable = ?, reported_at = ?,
			closed_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			b.Summary, b.Affected, b.Actions, b.Reportable, micros(b.ReportedAt), micros(b.ClosedAt), b.ID, b.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fault.New(fault.Conflict, "Someone changed this entry since you opened it. Reload it and make your change again.")
		}
		if err := addBreachEvent(ctx, tx, b.ID, e); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// BreachHistory lists an entry's events, oldest first.
func (db *Store) BreachHistory(ctx context.Context, id string) ([]dpo.Event, error) {
	rows, err := db.query(ctx, `SELECT at, actor, action, note FROM breach_events WHERE breach_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []dpo.Event
	for rows.Next() {
		var e dpo.Event
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Note); err != nil {
			return nil, db.translate(err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, db.translate(rows.Err())
}

// BreachReminded records reminder h if the last one is still from.
func (db *Store) BreachReminded(ctx context.Context, id string, from, h int, e dpo.Event, ev audit.Event) (bool, error) {
	done := false
	err := db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE breaches SET reminded_h = ? WHERE id = ? AND reminded_h = ?`, h, id, from)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		done = true
		if err := addBreachEvent(ctx, tx, id, e); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
	return done, err
}

// RecordAudit appends an audit event alone.
func (db *Store) RecordAudit(ctx context.Context, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error { return appendAudit(ctx, tx, ev) })
}
