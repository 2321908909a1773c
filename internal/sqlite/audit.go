package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
)

// appendAudit chains ev onto the audit log inside tx. Times are kept to the
// microsecond, as stored, so that the hash verifies when read back.
func appendAudit(tx *sql.Tx, ev audit.Event) error {
	ev.At = ev.At.UTC().Truncate(time.Microsecond)
	var seq int64
	var prev []byte
	err := tx.QueryRow(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err == sql.ErrNoRows {
		seq, prev, err = 0, audit.Genesis, nil
	}
	if err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	seq++
	h := audit.Chain(prev, seq, ev)
	_, err = tx.Exec(`INSERT INTO audit(seq, at, org_id, actor, action, target, addr, detail, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?,?,?)`, seq, micros(ev.At), ev.OrgID, ev.Actor, ev.Action, ev.Target, ev.Addr,
		audit.EncodeDetail(ev.Detail), prev, h)
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	_, err = tx.Exec(`INSERT INTO audit_head(id, seq, hash) VALUES (1, ?, ?)
		ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, seq, h)
	if err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	return nil
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
func (db *DB) ListAudit(ctx context.Context, orgID string, before int64, limit int) ([]audit.Entry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit WHERE org_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
		orgID, before, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// VerifyAudit walks the whole chain in sequence order. The walk and the
// head are read in one transaction, so from one WAL snapshot: an entry
// appended meanwhile (the server runs while an operator verifies) is
// neither half seen nor taken for removed entries.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return 0, translate(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit ORDER BY seq`)
	if err != nil {
		return 0, translate(err)
	}
	defer rows.Close()
	v := audit.NewVerifier()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return v.Count(), translate(err)
		}
		if err := v.Add(e); err != nil {
			return v.Count(), err
		}
	}
	if err := rows.Err(); err != nil {
		return v.Count(), translate(err)
	}
	var seq int64
	var head []byte
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &head)
	if err == sql.ErrNoRows {
		seq, head, err = 0, audit.Genesis, nil
	}
	if err != nil {
		return v.Count(), translate(err)
	}
	if seq != v.Count() || !bytes.Equal(head, v.Head()) {
		return v.Count(), fmt.Errorf("audit entry %d: the log ends at entry %d but its recorded head is entry %d; entries were removed from the end", v.Count(), v.Count(), seq)
	}
	return v.Count(), nil
}
