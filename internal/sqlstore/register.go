package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

const registerColumns = `id, org_id, name, supplier, purpose, data_categories, lawful_basis, hosting, encryption, retention,
	sub_processors, status, approved_on, approver, next_review, screening, builtin, updated_at, updated_by, version`

func (db *Store) scanEntry(row scanner) (*dpo.Entry, error) {
	var e dpo.Entry
	var approved, review, updated int64
	var screening string
	err := row.Scan(&e.ID, &e.OrgID, &e.Name, &e.Supplier, &e.Purpose, &e.DataCategories, &e.LawfulBasis, &e.Hosting, &e.Encryption,
		&e.Retention, &e.SubProcessors, &e.Status, &approved, &e.Approver, &review, &screening, &e.Builtin, &updated, &e.UpdatedBy, &e.Version)
	if err != nil {
		return nil, db.translate(err)
	}
	e.ApprovedOn, e.NextReview, e.UpdatedAt = fromMicros(approved), fromMicros(review), fromMicros(updated)
	if err := json.Unmarshal([]byte(screening), &e.Screening); err != nil {
		return nil, err
	}
	return &e, nil
}

// RegisterEntries lists an organisation's entries by name.
func (db *Store) RegisterEntries(ctx context.Context, orgID string) ([]*dpo.Entry, error) {
	rows, err := db.query(ctx, `SELECT `+registerColumns+` FROM register_entries WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*dpo.Entry
	for rows.Next() {
		e, err := db.scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, db.translate(rows.Err())
}

// RegisterEntry returns one entry.
func (db *Store) RegisterEntry(ctx context.Context, id string) (*dpo.Entry, error) {
	return db.scanEntry(db.queryRow(ctx, `SELECT `+registerColumns+` FROM register_entries WHERE id = ?`, id))
}

// PutRegisterEntry inserts e (version 0) or replaces it at its version.
func (db *Store) PutRegisterEntry(ctx context.Context, e *dpo.Entry, c dpo.RegisterChange, ev audit.Event) error {
	screening, err := json.Marshal(e.Screening)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *txn) error {
		if e.Version == 0 {
			_, err := tx.exec(ctx, `INSERT INTO register_entries(`+registerColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)`,
				e.ID, e.OrgID, e.Name, e.Supplier, e.Purpose, e.DataCategories, e.LawfulBasis, e.Hosting, e.Encryption, e.Retention,
				e.SubProcessors, e.Status, micros(e.ApprovedOn), e.Approver, micros(e.NextReview), string(screening), e.Builtin,
				micros(e.UpdatedAt), e.UpdatedBy)
			if err != nil {
				return err
			}
		} else {
			res, err := tx.exec(ctx, `UPDATE register_entries SET name = ?, supplier = ?, purpose = ?, data_categories = ?, lawful_basis = ?,
				hosting = ?, encryption = ?, retention = ?, sub_processors = ?, status = ?, approved_on = ?, approver = ?, next_review = ?,
				screening = ?, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ? AND version = ?`,
				e.Name, e.Supplier, e.Purpose, e.DataCategories, e.LawfulBasis, e.Hosting, e.Encryption, e.Retention, e.SubProcessors,
				e.Status, micros(e.ApprovedOn), e.Approver, micros(e.NextReview), string(screening), micros(e.UpdatedAt), e.UpdatedBy,
				e.ID, e.Version)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return fault.New(fault.Conflict, "Someone changed this entry since you opened it. Reload it and make your change again.")
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO register_changes(org_id, entry_id, at, actor, note) VALUES (?,?,?,?,?)`,
			e.OrgID, e.ID, micros(c.At), c.Actor, c.Note); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// RegisterChanges lists an organisation's register changes, newest first.
func (db *Store) RegisterChanges(ctx context.Context, orgID string, limit int) ([]dpo.RegisterChange, error) {
	rows, err := db.query(ctx, `SELECT entry_id, at, actor, note FROM register_changes WHERE org_id = ? ORDER BY at DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []dpo.RegisterChange
	for rows.Next() {
		var c dpo.RegisterChange
		var at int64
		if err := rows.Scan(&c.EntryID, &at, &c.Actor, &c.Note); err != nil {
			return nil, db.translate(err)
		}
		c.At = fromMicros(at)
		out = append(out, c)
	}
	return out, db.translate(rows.Err())
}
