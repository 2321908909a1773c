package consult

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/token"
)

// ScheduleInput is a clinician's booking.
type ScheduleInput struct {
	PatientName  string
	PatientPhone string // UK mobile, for the SMS invite
	PatientEmail string
	Reason       string
	StartsAt     time.Time
	Slot         time.Duration // zero: DefaultSlot
}

// Invite is a link made for one participant, with how it was delivered.
type Invite struct {
	Participant *Participant
	Link        string   // shown once, to the clinician who made it
	Sent        []string // channels it was sent through: "sms", "email"
	Failed      []string // channels that failed; the clinician can pass the link on another way
}

func (s *Service) checkSchedule(in ScheduleInput) (ScheduleInput, error) {
	var err error
	if in.PatientName, err = cleanText("patient’s name", in.PatientName, true, 200); err != nil {
		return in, err
	}
	if in.PatientPhone, err = NormaliseMobile(in.PatientPhone); err != nil {
		return in, err
	}
	if in.PatientEmail, err = NormaliseEmail(in.PatientEmail); err != nil {
		return in, err
	}
	if in.Reason, err = cleanText("reason", in.Reason, false, 500); err != nil {
		return in, err
	}
	if in.Slot == 0 {
		in.Slot = DefaultSlot
	}
	if in.Slot < MinSlot || in.Slot > MaxSlot || in.Slot%time.Minute != 0 {
		return in, fault.Invalidf("The length must be a whole number of minutes from 5 to 120.")
	}
	now := s.now()
	switch {
	case in.StartsAt.IsZero():
		return in, fault.Invalidf("Enter the date and time of the consultation.")
	case in.StartsAt.Add(in.Slot).Before(now):
		return in, fault.Invalidf("The consultation would be over already; choose a time that has not passed.")
	case in.StartsAt.After(now.Add(MaxAhead)):
		return in, fault.Invalidf("Choose a time within the next 180 days.")
	}
	in.StartsAt = in.StartsAt.UTC().Truncate(time.Second)
	return in, nil
}

// Schedule books a consultation and makes the patient's link, sending it
// by SMS and email where a number or address was given and a sender is
// configured.
func (s *Service) Schedule(ctx context.Context, cl Clinician, in ScheduleInput) (*Consultation, *Invite, error) {
	in, err := s.checkSchedule(in)
	if err != nil {
		return nil, nil, err
	}
	c := &Consultation{
		ID: token.ID(), OrgID: cl.OrgID, ClinicianID: cl.UserID, Practice: cl.Practice,
		PatientName: in.PatientName, PatientPhone: in.PatientPhone, PatientEmail: in.PatientEmail, Reason: in.Reason,
		StartsAt: in.StartsAt, Slot: in.Slot, Status: StatusScheduled, Mode: ModeVideo, CreatedAt: s.now(),
	}
	p, tok := s.newParticipant(c, RolePatient, "", in.PatientPhone, in.PatientEmail)
	recs := []Record{
		s.record(c, RecordScheduled, "", cl.UserID, map[string]string{"slot_minutes": fmt.Sprint(int(c.Slot / time.Minute))}),
		s.record(c, RecordInvited, p.ID, cl.UserID, map[string]string{"role": string(p.Role)}),
	}
	ev := s.event(cl, "consult.schedule", c.ID, map[string]string{"participant": p.ID})
	if err := s.store.CreateConsultation(ctx, c, []*Participant{p}, recs, ev); err != nil {
		return nil, nil, fmt.Errorf("schedule consultation: %w", err)
	}
	c.Version = 1
	inv := &Invite{Participant: p, Link: s.Link(tok)}
	s.deliver(ctx, cl, c, inv)
	return c, inv, nil
}

// GuestInput is a guest invited by the clinician.
type GuestInput struct {
	Role  Role
	Label string // such as "Anna Nowak, Polish interpreter"
	Phone string
	Email string
}

// AddGuest invites a guest (carer, interpreter, colleague) with their own
// link. Guests wait to be admitted like everyone else.
func (s *Service) AddGuest(ctx context.Context, cl Clinician, id string, in GuestInput) (*Invite, error) {
	c, err := s.owned(ctx, cl, id)
	if err != nil {
		return nil, err
	}
	if c.Over() {
		return nil, fault.New(fault.Conflict, "This consultation has ended; guests can no longer be invited.")
	}
	if !slices.Contains(GuestRoles, in.Role) {
		return nil, fault.Invalidf("Choose the guest’s role: carer, interpreter, colleague or other.")
	}
	if in.Label, err = cleanText("guest’s name or description", in.Label, true, 120); err != nil {
		return nil, err
	}
	if in.Phone, err = NormaliseMobile(in.Phone); err != nil {
		return nil, err
	}
	if in.Email, err = NormaliseEmail(in.Email); err != nil {
		return nil, err
	}
	ps, err := s.store.ListParticipants(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if len(ps) > MaxGuests {
		return nil, fault.Invalidf("A consultation can have at most 5 guests.")
	}
	p, tok := s.newParticipant(c, in.Role, in.Label, in.Phone, in.Email)
	rec := s.record(c, RecordInvited, p.ID, cl.UserID, map[string]string{"role": string(p.Role)})
	ev := s.event(cl, "consult.invite", c.ID, map[string]string{"participant": p.ID, "role": string(p.Role)})
	if err := s.store.AddParticipant(ctx, p, []Record{rec}, ev); err != nil {
		return nil, fmt.Errorf("invite guest: %w", err)
	}
	inv := &Invite{Participant: p, Link: s.Link(tok)}
	s.deliver(ctx, cl, c, inv)
	return inv, nil
}
