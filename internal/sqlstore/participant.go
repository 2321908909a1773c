package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/consult"
)

const participantColumns = `id, consult_id, role, label, phone, email, token_hash, expires_at, claim_hash, state,
	device_check, consent_version, entered_at, admitted_at, created_at, version`

func encodeCheck(c *consult.DeviceCheck) (string, error) {
	if c == nil {
		return "", nil
	}
	b, err := json.Marshal(c)
	return string(b), err
}

func insertParticipant(ctx context.Context, tx *txn, p *consult.Participant) error {
	check, err := encodeCheck(p.Check)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO consult_participants(`+participantColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		p.ID, p.ConsultID, string(p.Role), tx.s.seal(colGuestLabel, p.ID, p.Label), tx.s.seal(colGuestPhone, p.ID, p.Phone),
		tx.s.seal(colGuestEmail, p.ID, p.Email), p.TokenHash, micros(p.ExpiresAt), p.ClaimHash,
		string(p.State), check, p.ConsentVersion, micros(p.EnteredAt), micros(p.AdmittedAt), micros(p.CreatedAt), 1)
	if err == nil {
		p.Version = 1
	}
	return err
}

func (db *Store) scanParticipant(row scanner) (*consult.Participant, error) {
	var p consult.Participant
	var role, state, check string
	var expires, entered, admitted, created int64
	err := row.Scan(&p.ID, &p.ConsultID, &role, &p.Label, &p.Phone, &p.Email, &p.TokenHash, &expires, &p.ClaimHash, &state,
		&check, &p.ConsentVersion, &entered, &admitted, &created, &p.Version)
	if err != nil {
		return nil, db.translate(err)
	}
	p.Role, p.State = consult.Role(role), consult.State(state)
	p.ExpiresAt, p.EnteredAt, p.AdmittedAt, p.CreatedAt = fromMicros(expires), fromMicros(entered), fromMicros(admitted), fromMicros(created)
	for _, f := range []struct {
		c column
		v *string
	}{{colGuestLabel, &p.Label}, {colGuestPhone, &p.Phone}, {colGuestEmail, &p.Email}} {
		if err := db.open(f.c, p.ID, f.v); err != nil {
			return nil, err
		}
	}
	if check != "" {
		p.Check = &consult.DeviceCheck{}
		if err := json.Unmarshal([]byte(check), p.Check); err != nil {
			return nil, fmt.Errorf("decode device check: %w", err)
		}
	}
	return &p, nil
}

// AddParticipant invites one more participant.
func (db *Store) AddParticipant(ctx context.Context, p *consult.Participant, recs []consult.Record, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		if err := insertParticipant(ctx, tx, p); err != nil {
			return err
		}
		return appendAll(ctx, tx, recs, ev)
	})
}

// ParticipantByID returns a participant.
func (db *Store) ParticipantByID(ctx context.Context, id string) (*consult.Participant, error) {
	return db.scanParticipant(db.queryRow(ctx, `SELECT `+participantColumns+` FROM consult_participants WHERE id = ?`, id))
}

// ParticipantByTokenHash returns the participant an invite link was made for.
func (db *Store) ParticipantByTokenHash(ctx context.Context, tokenHash string) (*consult.Participant, error) {
	return db.scanParticipant(db.queryRow(ctx, `SELECT `+participantColumns+` FROM consult_participants WHERE token_hash = ?`, tokenHash))
}

// ListParticipants lists a consultation's participants: the patient, then
// guests in invitation order.
func (db *Store) ListParticipants(ctx context.Context, consultID string) ([]*consult.Participant, error) {
	rows, err := db.query(ctx, `SELECT `+participantColumns+` FROM consult_participants
		WHERE consult_id = ? ORDER BY CASE WHEN role = 'patient' THEN 0 ELSE 1 END, created_at, id COLLATE "C"`, consultID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*consult.Participant
	for rows.Next() {
		p, err := db.scanParticipant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, db.translate(rows.Err())
}

// UpdateParticipant stores the mutable fields of p if its version is
// current.
func (db *Store) UpdateParticipant(ctx context.Context, p *consult.Participant, recs []consult.Record, ev audit.Event) error {
	check, err := encodeCheck(p.Check)
	if err != nil {
		return err
	}
	err = db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, `UPDATE consult_participants SET claim_hash = ?, state = ?, device_check = ?, consent_version = ?,
			entered_at = ?, admitted_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			p.ClaimHash, string(p.State), check, p.ConsentVersion, micros(p.EnteredAt), micros(p.AdmittedAt), p.ID, p.Version)
		if err := oneRow(res, err); err != nil {
			return err
		}
		return appendAll(ctx, tx, recs, ev)
	})
	if err == nil {
		p.Version++
	}
	return err
}
