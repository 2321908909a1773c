package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
)

// appendAudit chains ev onto the audit log inside tx. Locking the head row
// first (PostgreSQL; SQLite has one writer) makes appends from concurrent
// transactions, on this node or another, take turns, so no two entries
// share a sequence number or a predecessor. SQLite's head row appears with
// the first entry; PostgreSQL's is there from the start, so that it can be
// locked. Times are kept to the microsecond, as stored, so that the hash
// verifies when read back.
func appendAudit(ctx context.Context, tx *txn, ev audit.Event) error {
	ev.At = ev.At.UTC().Truncate(time.Microsecond)
	seq, prev, err := auditHead(ctx, tx)
	if err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	seq++
	h := audit.Chain(prev, seq, ev)
	_, err = tx.exec(ctx, `INSERT INTO audit(seq, at, org_id, actor, action, target, addr, detail, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?)`, seq, micros(ev.At), ev.OrgID, ev.Actor, ev.Action, ev.Target, ev.Addr,
		audit.EncodeDetail(ev.Detail), prev, h)
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO audit_head(id, seq, hash) VALUES (1, ?, ?)
		ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, seq, h)
	if err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	return nil
}

// auditHead reads the head of the chain, locking it until tx ends: the
// genesis hash while the log is empty.
func auditHead(ctx context.Context, tx *txn) (seq int64, hash []byte, err error) {
	err = tx.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, audit.Genesis, nil
	}
	return seq, hash, err
}

const auditColumns = `seq, at, org_id, actor, action, target, addr, detail, prev_hash, hash`

func scanAudit(rows *sql.Rows) (audit.Entry, error) {
	var e audit.Entry
	var at int64
	var detail string
	if err := rows.Scan(&e.Seq, &at, &e.OrgID, &e.Actor, &e.Action, &e.Target, &e.Addr, &detail, &e.PrevHash, &e.Hash); err != nil {
		return e, err
	}
	e.At = fromMicros(at)
	d, err := audit.DecodeDetail(detail)
	if err != nil {
		// An undecodable detail is itself tampering: keep the raw text so
		// the hash check fails on this entry.
		d = map[string]string{"\x00raw": detail}
	}
	e.Detail = d
	return e, nil
}

// ListAudit lists an organisation's audit entries before seq (0: from the
// newest), newest first.
func (db *Store) ListAudit(ctx context.Context, orgID string, before int64, limit int) ([]audit.Entry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	return db.auditEntries(ctx, `SELECT `+auditColumns+` FROM audit WHERE org_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
		orgID, before, limit)
}

// VerifyAudit walks the whole chain in sequence order. The walk and the
// head are read in one snapshot (one repeatable-read transaction, or one
// WAL snapshot), so entries appended meanwhile by the server are neither
// half seen nor taken for tampering.
func (db *Store) VerifyAudit(ctx context.Context) (int64, error) {
	sqlTx, err := db.read.BeginTx(ctx, db.d.Snapshot)
	if err != nil {
		return 0, db.translate(err)
	}
	defer sqlTx.Rollback()
	tx := &txn{tx: sqlTx, s: db}
	rows, err := tx.query(ctx, `SELECT `+auditColumns+` FROM audit ORDER BY seq`)
	if err != nil {
		return 0, db.translate(err)
	}
	defer rows.Close()
	v := audit.NewVerifier()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return v.Count(), db.translate(err)
		}
		if err := v.Add(e); err != nil {
			return v.Count(), err
		}
	}
	if err := rows.Err(); err != nil {
		return v.Count(), db.translate(err)
	}
	seq, head := int64(0), audit.Genesis
	err = tx.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &head)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return v.Count(), db.translate(err)
	}
	if seq != v.Count() || !bytes.Equal(head, v.Head()) {
		return v.Count(), fmt.Errorf("audit entry %d: the log ends at entry %d but its recorded head is entry %d; entries were removed from the end", v.Count(), v.Count(), seq)
	}
	return v.Count(), nil
}

// SearchAudit lists an organisation's entries that pass f, before seq
// (0: from the newest), newest first.
func (db *Store) SearchAudit(ctx context.Context, orgID string, f audit.Filter, before int64, limit int) ([]audit.Entry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	q := `SELECT ` + auditColumns + ` FROM audit WHERE org_id = ? AND seq < ?`
	args := []any{orgID, before}
	if f.Actor != "" {
		q += ` AND actor = ?`
		args = append(args, f.Actor)
	}
	if f.Target != "" {
		q += ` AND target = ?`
		args = append(args, f.Target)
	}
	if f.Action != "" {
		q += ` AND (action = ? OR substr(action, 1, ?) = ?)`
		args = append(args, f.Action, len(f.Action)+1, f.Action+".")
	}
	if !f.From.IsZero() {
		q += ` AND at >= ?`
		args = append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND at < ?`
		args = append(args, micros(f.To))
	}
	return db.auditEntries(ctx, q+` ORDER BY seq DESC LIMIT ?`, append(args, limit)...)
}

// AuditSpan lists, in sequence order, every entry of the whole chain from
// the organisation's first entry at or after from to its last before to,
// at most limit: the range an export covers, other organisations'
// entries included (the export keeps only their hashes).
func (db *Store) AuditSpan(ctx context.Context, orgID string, from, to time.Time, limit int) ([]audit.Entry, error) {
	var lo, hi sql.NullInt64
	err := db.queryRow(ctx, `SELECT MIN(seq), MAX(seq) FROM audit WHERE org_id = ? AND at >= ? AND at < ?`,
		orgID, micros(from), micros(to)).Scan(&lo, &hi)
	if err != nil {
		return nil, db.translate(err)
	}
	if !lo.Valid {
		return nil, nil
	}
	return db.auditEntries(ctx, `SELECT `+auditColumns+` FROM audit WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`, lo.Int64, hi.Int64, limit)
}

// AuditHead returns the sequence number and hash of the chain's last entry.
func (db *Store) AuditHead(ctx context.Context) (int64, []byte, error) {
	seq, hash := int64(0), audit.Genesis
	err := db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, nil, db.translate(err)
	}
	return seq, hash, nil
}

// auditEntries reads the audit entries a query selects.
func (db *Store) auditEntries(ctx context.Context, q string, args ...any) ([]audit.Entry, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, db.translate(err)
		}
		out = append(out, e)
	}
	return out, db.translate(rows.Err())
}
