package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

var errStale = fault.New(fault.Conflict, "Someone else changed this at the same moment. Reload and try again.")

const consultColumns = `id, org_id, clinician_id, practice, patient_name, patient_phone, patient_email, reason,
	starts_at, slot_s, status, mode, checklist, outcome, started_at, ended_at, created_at, version`

// checklistJSON is how a checklist is kept in its column.
type checklistJSON struct {
	IdentityMethod string `json:"identity_method"`
	IdentityDetail string `json:"identity_detail,omitempty"`
	PrivateSpace   bool   `json:"private_space"`
	OthersPresent  string `json:"others_present"`
	FallbackPhone  string `json:"fallback_phone"`
	CompletedAt    int64  `json:"completed_at"`
	CompletedBy    string `json:"completed_by"`
}

func encodeChecklist(c *consult.Checklist) (string, error) {
	if c == nil {
		return "", nil
	}
	b, err := json.Marshal(checklistJSON{c.IdentityMethod, c.IdentityDetail, c.PrivateSpace, c.OthersPresent, c.FallbackPhone, micros(c.CompletedAt), c.CompletedBy})
	return string(b), err
}

func decodeChecklist(s string) (*consult.Checklist, error) {
	if s == "" {
		return nil, nil
	}
	var j checklistJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return nil, fmt.Errorf("decode checklist: %w", err)
	}
	return &consult.Checklist{IdentityMethod: j.IdentityMethod, IdentityDetail: j.IdentityDetail, PrivateSpace: j.PrivateSpace,
		OthersPresent: j.OthersPresent, FallbackPhone: j.FallbackPhone, CompletedAt: fromMicros(j.CompletedAt), CompletedBy: j.CompletedBy}, nil
}

func (db *Store) scanConsultation(row scanner) (*consult.Consultation, error) {
	var c consult.Consultation
	var starts, slot, started, ended, created int64
	var status, mode, checklist string
	err := row.Scan(&c.ID, &c.OrgID, &c.ClinicianID, &c.Practice, &c.PatientName, &c.PatientPhone, &c.PatientEmail, &c.Reason,
		&starts, &slot, &status, &mode, &checklist, &c.Outcome, &started, &ended, &created, &c.Version)
	if err != nil {
		return nil, db.translate(err)
	}
	c.StartsAt, c.Slot, c.Status, c.Mode = fromMicros(starts), time.Duration(slot)*time.Second, consult.Status(status), consult.Mode(mode)
	c.StartedAt, c.EndedAt, c.CreatedAt = fromMicros(started), fromMicros(ended), fromMicros(created)
	for _, f := range []struct {
		c column
		v *string
	}{{colPatientName, &c.PatientName}, {colPatientPhone, &c.PatientPhone}, {colPatientEmail, &c.PatientEmail},
		{colReason, &c.Reason}, {colChecklist, &checklist}, {colOutcome, &c.Outcome}} {
		if err := db.open(f.c, c.ID, f.v); err != nil {
			return nil, err
		}
	}
	if c.Checklist, err = decodeChecklist(checklist); err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateConsultation stores a new consultation with its first participants.
func (db *Store) CreateConsultation(ctx context.Context, c *consult.Consultation, ps []*consult.Participant, recs []consult.Record, ev audit.Event) error {
	ck, err := encodeChecklist(c.Checklist)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO consultations(`+consultColumns+`)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			c.ID, c.OrgID, c.ClinicianID, c.Practice, db.seal(colPatientName, c.ID, c.PatientName),
			db.seal(colPatientPhone, c.ID, c.PatientPhone), db.seal(colPatientEmail, c.ID, c.PatientEmail), db.seal(colReason, c.ID, c.Reason),
			micros(c.StartsAt), int64(c.Slot/time.Second), string(c.Status), string(c.Mode),
			db.seal(colChecklist, c.ID, ck), db.seal(colOutcome, c.ID, c.Outcome),
			micros(c.StartedAt), micros(c.EndedAt), micros(c.CreatedAt), 1)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := insertParticipant(ctx, tx, p); err != nil {
				return err
			}
		}
		return appendAll(ctx, tx, recs, ev)
	})
}

// ConsultationByID returns a consultation.
func (db *Store) ConsultationByID(ctx context.Context, id string) (*consult.Consultation, error) {
	return db.scanConsultation(db.queryRow(ctx, `SELECT `+consultColumns+` FROM consultations WHERE id = ?`, id))
}

// ListConsultations lists consultations starting in [from, to). IDs break
// ties in code-point order on every database.
func (db *Store) ListConsultations(ctx context.Context, orgID, clinicianID string, from, to time.Time) ([]*consult.Consultation, error) {
	q := `SELECT ` + consultColumns + ` FROM consultations WHERE org_id = ? AND starts_at >= ? AND starts_at < ?`
	args := []any{orgID, micros(from), micros(to)}
	if clinicianID != "" {
		q += ` AND clinician_id = ?`
		args = append(args, clinicianID)
	}
	rows, err := db.query(ctx, q+` ORDER BY starts_at, id COLLATE "C"`, args...)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*consult.Consultation
	for rows.Next() {
		c, err := db.scanConsultation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, db.translate(rows.Err())
}

// UpdateConsultation stores the mutable fields of c if its version is
// current.
func (db *Store) UpdateConsultation(ctx context.Context, c *consult.Consultation, recs []consult.Record, ev audit.Event) error {
	ck, err := encodeChecklist(c.Checklist)
	if err != nil {
		return err
	}
	err = db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE consultations SET status = ?, mode = ?, checklist = ?, outcome = ?, started_at = ?,
			ended_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			string(c.Status), string(c.Mode), db.seal(colChecklist, c.ID, ck), db.seal(colOutcome, c.ID, c.Outcome), micros(c.StartedAt), micros(c.EndedAt), c.ID, c.Version)
		if err := oneRow(res, err); err != nil {
			return err
		}
		return appendAll(ctx, tx, recs, ev)
	})
	if err == nil {
		c.Version++
	}
	return err
}

// oneRow turns an update that matched no row into a stale-version conflict.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errStale
	}
	return nil
}

func appendAll(ctx context.Context, tx *txn, recs []consult.Record, ev audit.Event) error {
	for _, r := range recs {
		_, err := tx.exec(ctx, `INSERT INTO consult_records(consult_id, at, kind, participant_id, actor, detail) VALUES (?,?,?,?,?,?)`,
			r.ConsultID, micros(r.At), r.Kind, r.ParticipantID, r.Actor, audit.EncodeDetail(r.Detail))
		if err != nil {
			return fmt.Errorf("append consultation record: %w", err)
		}
	}
	return appendAudit(ctx, tx, ev)
}

// AddRecords appends records to timelines.
func (db *Store) AddRecords(ctx context.Context, recs []consult.Record, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error { return appendAll(ctx, tx, recs, ev) })
}

// ListRecords returns a consultation's timeline in order.
func (db *Store) ListRecords(ctx context.Context, consultID string) (consult.Records, error) {
	rows, err := db.query(ctx, `SELECT seq, consult_id, at, kind, participant_id, actor, detail
		FROM consult_records WHERE consult_id = ? ORDER BY seq`, consultID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out consult.Records
	for rows.Next() {
		var r consult.Record
		var at int64
		var detail string
		if err := rows.Scan(&r.Seq, &r.ConsultID, &at, &r.Kind, &r.ParticipantID, &r.Actor, &detail); err != nil {
			return nil, db.translate(err)
		}
		r.At = fromMicros(at)
		if r.Detail, err = audit.DecodeDetail(detail); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, db.translate(rows.Err())
}

// The store satisfies consult.Store.
var _ consult.Store = (*Store)(nil)
