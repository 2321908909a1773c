package consult

import (
	"context"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
)

// Store keeps consultations, their participants and their timelines. Every
// method that changes state appends the given records to the timeline and
// the audit event to the audit chain in the same transaction.
//
// Updates are optimistic: UpdateConsultation and UpdateParticipant store the
// value only if its Version equals the stored one, and then increment both;
// otherwise they fail with fault.Conflict and change nothing, so that two
// clicks racing cannot both succeed (two browsers entering on one link).
//
// Records are immutable once stored: no method changes or removes one.
//
// Errors: a missing row is fault.NotFound, a duplicate token hash or a
// stale Version is fault.Conflict.
type Store interface {
	// CreateConsultation stores c with its first participants (the patient).
	CreateConsultation(ctx context.Context, c *Consultation, ps []*Participant, recs []Record, ev audit.Event) error
	ConsultationByID(ctx context.Context, id string) (*Consultation, error)
	// ListConsultations lists an organisation's consultations starting in
	// [from, to), earliest first; clinicianID, if not empty, narrows it to one
	// clinician's.
	ListConsultations(ctx context.Context, orgID, clinicianID string, from, to time.Time) ([]*Consultation, error)
	UpdateConsultation(ctx context.Context, c *Consultation, recs []Record, ev audit.Event) error

	AddParticipant(ctx context.Context, p *Participant, recs []Record, ev audit.Event) error
	ParticipantByID(ctx context.Context, id string) (*Participant, error)
	ParticipantByTokenHash(ctx context.Context, tokenHash string) (*Participant, error)
	// ListParticipants lists a consultation's participants in the order they
	// were invited.
	ListParticipants(ctx context.Context, consultID string) ([]*Participant, error)
	UpdateParticipant(ctx context.Context, p *Participant, recs []Record, ev audit.Event) error

	// AddRecords appends records to timelines.
	AddRecords(ctx context.Context, recs []Record, ev audit.Event) error
	// ListRecords returns a consultation's timeline in order.
	ListRecords(ctx context.Context, consultID string) (Records, error)
}
