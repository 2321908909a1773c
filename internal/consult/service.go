package consult

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/token"
)

// Limits of consultations.
const (
	DefaultSlot  = 15 * time.Minute
	MinSlot      = 5 * time.Minute
	MaxSlot      = 2 * time.Hour
	LinkGrace    = time.Hour // links work this long after the slot ends, for clinics running late
	MaxAhead     = 180 * 24 * time.Hour
	MaxInCall    = 4 // the clinician and three others: a browser-to-browser mesh
	MaxGuests    = 5
	maxOutcome   = 8000
	tokenPrefix  = "sbj_"
	claimPrefix  = "sbc_"
	actorInvitee = "participant:"
)

// Clinician is the signed-in person running consultations.
type Clinician struct {
	UserID   string
	OrgID    string
	Practice string // the organisation's name, as patients know it
	Addr     string // the client's network address, for the audit log
}

// Service is the consultation capability. It decides who may do what;
// the Store below it does not.
type Service struct {
	store   Store
	hub     *Hub
	log     *slog.Logger
	now     func() time.Time
	base    string // public base URL for links
	senders []Sender
	loc     *time.Location
}

// NewService returns a Service over store. base is the public URL that
// invite links start with; senders deliver invites (any may be absent).
func NewService(store Store, hub *Hub, log *slog.Logger, now func() time.Time, base string, senders ...Sender) *Service {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	return &Service{store: store, hub: hub, log: log, now: now, base: base, senders: senders, loc: loc}
}

// Hub returns the service's signalling hub.
func (s *Service) Hub() *Hub { return s.hub }

// Detail is a consultation with its participants and timeline.
type Detail struct {
	*Consultation
	Participants []*Participant
	Records      Records
}

// owned loads a consultation the clinician runs. Anyone else's, or one in
// another organisation, is not found.
func (s *Service) owned(ctx context.Context, cl Clinician, id string) (*Consultation, error) {
	c, err := s.store.ConsultationByID(ctx, id)
	if fault.Is(err, fault.NotFound) || (err == nil && (c.OrgID != cl.OrgID || c.ClinicianID != cl.UserID)) {
		return nil, fault.New(fault.NotFound, "There is no such consultation in your list.")
	}
	return c, err
}

// Get returns one of the clinician's consultations in full.
func (s *Service) Get(ctx context.Context, cl Clinician, id string) (*Detail, error) {
	c, err := s.owned(ctx, cl, id)
	if err != nil {
		return nil, err
	}
	return s.detail(ctx, c)
}

func (s *Service) detail(ctx context.Context, c *Consultation) (*Detail, error) {
	ps, err := s.store.ListParticipants(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.ListRecords(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return &Detail{Consultation: c, Participants: ps, Records: rs}, nil
}

// List returns the clinician's consultations starting in [from, to).
func (s *Service) List(ctx context.Context, cl Clinician, from, to time.Time) ([]*Consultation, error) {
	if !to.After(from) || to.Sub(from) > 400*24*time.Hour {
		return nil, fault.Invalidf("Choose a period of up to 400 days that ends after it starts.")
	}
	return s.store.ListConsultations(ctx, cl.OrgID, cl.UserID, from, to)
}

func (s *Service) event(cl Clinician, action, target string, detail map[string]string) audit.Event {
	return audit.Event{At: s.now(), OrgID: cl.OrgID, Actor: cl.UserID, Action: action, Target: target, Addr: cl.Addr, Detail: detail}
}

func (s *Service) record(c *Consultation, kind, pid, actor string, detail map[string]string) Record {
	return Record{ConsultID: c.ID, At: s.now(), Kind: kind, ParticipantID: pid, Actor: actor, Detail: detail}
}

// Link returns the invite link for a token.
func (s *Service) Link(tok string) string { return s.base + "/join/" + tok }

// newParticipant makes a participant with a fresh link token, returned
// once: only its hash is kept.
func (s *Service) newParticipant(c *Consultation, role Role, label, phone, email string) (*Participant, string) {
	tok := token.Secret(tokenPrefix)
	now := s.now()
	return &Participant{
		ID: token.ID(), ConsultID: c.ID, Role: role, Label: label, Phone: phone, Email: email,
		TokenHash: token.Hash(tok), ExpiresAt: c.EndsAt().Add(LinkGrace), State: StateInvited, CreatedAt: now,
	}, tok
}

// When formats a time as patients read it: "2:30pm on Tuesday 24 November".
func (s *Service) When(t time.Time) string {
	l := t.In(s.loc)
	return fmt.Sprintf("%s on %s", l.Format("3:04pm"), l.Format("Monday 2 January"))
}

// Reviewer is a data protection officer reading the organisation's
// consultation records.
type Reviewer struct {
	UserID string
	OrgID  string
	Addr   string
}

// ReviewList lists every consultation of the reviewer's organisation
// starting in [from, to), whoever ran it. The list names patients, so
// each listing is audited with its period and size.
func (s *Service) ReviewList(ctx context.Context, rv Reviewer, from, to time.Time) ([]*Consultation, error) {
	if !to.After(from) || to.Sub(from) > 400*24*time.Hour {
		return nil, fault.Invalidf("Choose a period of up to 400 days that ends after it starts.")
	}
	cs, err := s.store.ListConsultations(ctx, rv.OrgID, "", from, to)
	if err != nil {
		return nil, err
	}
	ev := audit.Event{At: s.now(), OrgID: rv.OrgID, Actor: rv.UserID, Action: "consultation.review.listed", Target: rv.OrgID, Addr: rv.Addr,
		Detail: map[string]string{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "count": fmt.Sprint(len(cs))}}
	if err := s.store.AddRecords(ctx, nil, ev); err != nil {
		return nil, fmt.Errorf("audit the listing: %w", err)
	}
	return cs, nil
}

// Review returns the record of one of the organisation's consultations:
// who was invited, who joined, consent and mode changes. It leaves out
// the clinical outcome note, which belongs in the patient's record, not
// an information-governance review. Each reading is audited.
func (s *Service) Review(ctx context.Context, rv Reviewer, id string) (*Detail, error) {
	c, err := s.store.ConsultationByID(ctx, id)
	if fault.Is(err, fault.NotFound) || err == nil && c.OrgID != rv.OrgID {
		return nil, fault.New(fault.NotFound, "There is no such consultation in your organisation.")
	}
	if err != nil {
		return nil, err
	}
	ev := audit.Event{At: s.now(), OrgID: rv.OrgID, Actor: rv.UserID, Action: "consultation.reviewed", Target: c.ID, Addr: rv.Addr}
	if err := s.store.AddRecords(ctx, nil, ev); err != nil {
		return nil, fmt.Errorf("audit the review: %w", err)
	}
	d, err := s.detail(ctx, c)
	if err != nil {
		return nil, err
	}
	cp := *d.Consultation
	cp.Outcome = ""
	d.Consultation = &cp
	return d, nil
}
