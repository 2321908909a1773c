package consult

import (
	"context"
	"fmt"
	"slices"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// live loads a consultation the clinician runs that has not ended.
func (s *Service) live(ctx context.Context, cl Clinician, id string) (*Consultation, error) {
	c, err := s.owned(ctx, cl, id)
	if err != nil {
		return nil, err
	}
	if c.Over() {
		return nil, fault.New(fault.Conflict, "This consultation has ended.")
	}
	return c, nil
}

// Admit lets one waiting person into the call. The first person admitted
// lets the clinician verify identity and complete the checklist; nobody
// else is admitted until it is complete (G10, G11).
func (s *Service) Admit(ctx context.Context, cl Clinician, id, pid string) error {
	c, err := s.live(ctx, cl, id)
	if err != nil {
		return err
	}
	ps, err := s.store.ListParticipants(ctx, c.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ps, func(p *Participant) bool { return p.ID == pid })
	if i < 0 {
		return fault.New(fault.NotFound, "That person is not invited to this consultation.")
	}
	p := ps[i]
	switch {
	case p.State == StateInvited:
		return fault.New(fault.Conflict, "This person has not entered the waiting room yet.")
	case p.State == StateAdmitted:
		return errInCall
	case c.Checklist == nil && slices.ContainsFunc(ps, func(o *Participant) bool { return o.State == StateAdmitted && o.ID != pid }):
		return errChecklistFirst
	}
	// The room checks connection, call size and the checklist again under
	// its lock, and holds the place while the admission is recorded.
	if err := s.hub.Reserve(c.ID, pid, c.Checklist != nil); err != nil {
		return err
	}
	if err := s.recordAdmission(ctx, cl, c, p); err != nil {
		s.hub.Release(c.ID, pid)
		return err
	}
	if !s.hub.Admit(c.ID, pid) {
		return fault.New(fault.Conflict, "This person left just as they were admitted; they will be let in when they come back.")
	}
	return nil
}

// Why an admission is refused.
var (
	errInCall         = fault.New(fault.Conflict, "This person is in the call already.")
	errNotConnected   = fault.New(fault.Conflict, "This person is not connected at the moment; they may have closed the page. Wait for them to come back.")
	errChecklistFirst = fault.New(fault.Conflict, "Complete the opening checklist before admitting anyone else.")
	errCallFull       = fault.New(fault.Conflict, fmt.Sprintf("The call has %d people in it, the most it can hold.", MaxInCall))
)

// recordAdmission stores that p was admitted (starting the consultation
// if it was only booked), with its timeline record and audit event.
func (s *Service) recordAdmission(ctx context.Context, cl Clinician, c *Consultation, p *Participant) error {
	now := s.now()
	if c.Status == StatusScheduled {
		c.Status, c.StartedAt = StatusLive, now
		ev := s.event(cl, "consult.start", c.ID, nil)
		if err := s.store.UpdateConsultation(ctx, c, nil, ev); err != nil {
			return fmt.Errorf("start consultation: %w", err)
		}
	}
	p.State, p.AdmittedAt = StateAdmitted, now
	rec := s.record(c, RecordAdmitted, p.ID, cl.UserID, map[string]string{"role": string(p.Role)})
	ev := s.event(cl, "consult.admit", c.ID, map[string]string{"participant": p.ID, "role": string(p.Role)})
	if err := s.store.UpdateParticipant(ctx, p, []Record{rec}, ev); err != nil {
		return fmt.Errorf("admit: %w", err)
	}
	return nil
}

// ChecklistInput is the clinician's opening checklist as entered.
type ChecklistInput struct {
	IdentityMethod string
	IdentityDetail string
	PrivateSpace   bool
	OthersPresent  string
	FallbackPhone  string
}

// SaveChecklist stores the opening checklist as evidence. Saving it again
// (to correct it) keeps the earlier saves in the timeline.
func (s *Service) SaveChecklist(ctx context.Context, cl Clinician, id string, in ChecklistInput) (*Checklist, error) {
	c, err := s.live(ctx, cl, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(IdentityMethods, in.IdentityMethod) {
		return nil, fault.Invalidf("Select how you verified the patient’s identity.")
	}
	detail := ""
	if in.IdentityMethod == IdentityOther {
		if detail, err = cleanText("way you verified the patient’s identity", in.IdentityDetail, true, 200); err != nil {
			return nil, err
		}
	}
	if !in.PrivateSpace {
		return nil, fault.Invalidf("Confirm the patient is in a private space. If they are not, arrange another time or a telephone call.")
	}
	others, err := cleanText("people present with the patient and their relationship (or “None”)", in.OthersPresent, true, 300)
	if err != nil {
		return nil, err
	}
	phone, err := NormalisePhone(in.FallbackPhone)
	if err != nil {
		return nil, err
	}
	ck := &Checklist{IdentityMethod: in.IdentityMethod, IdentityDetail: detail, PrivateSpace: true, OthersPresent: others,
		FallbackPhone: phone, CompletedAt: s.now(), CompletedBy: cl.UserID}
	c.Checklist = ck
	rec := s.record(c, RecordChecklist, "", cl.UserID, map[string]string{"identity": in.IdentityMethod, "private_space": "confirmed"})
	ev := s.event(cl, "consult.checklist", c.ID, map[string]string{"identity": in.IdentityMethod})
	if err := s.store.UpdateConsultation(ctx, c, []Record{rec}, ev); err != nil {
		return nil, fmt.Errorf("save checklist: %w", err)
	}
	return ck, nil
}

// ChangeMode records a change between video, audio only and telephone,
// and tells everyone in the call. automatic marks a step-down made by the
// clinician's browser on a poor connection.
func (s *Service) ChangeMode(ctx context.Context, cl Clinician, id string, m Mode, automatic bool) error {
	c, err := s.live(ctx, cl, id)
	if err != nil {
		return err
	}
	if !slices.Contains(Modes, m) {
		return fault.Invalidf("The mode must be video, audio or telephone.")
	}
	if c.Mode == m {
		return nil
	}
	trigger := "clinician"
	if automatic {
		trigger = "automatic"
	}
	rec := s.record(c, RecordMode, "", cl.UserID, map[string]string{"from": string(c.Mode), "to": string(m), "trigger": trigger})
	ev := s.event(cl, "consult.mode", c.ID, map[string]string{"from": string(c.Mode), "to": string(m), "trigger": trigger})
	c.Mode = m
	if err := s.store.UpdateConsultation(ctx, c, []Record{rec}, ev); err != nil {
		return fmt.Errorf("change mode: %w", err)
	}
	s.hub.Notify(c.ID, Message{Type: "mode", Mode: m}, false)
	return nil
}

// End ends the consultation: every link stops working and everyone in the
// call is told. One ended before anyone was admitted counts as cancelled.
func (s *Service) End(ctx context.Context, cl Clinician, id string) error {
	c, err := s.live(ctx, cl, id)
	if err != nil {
		return err
	}
	c.Status, c.EndedAt = StatusEnded, s.now()
	if c.StartedAt.IsZero() {
		c.Status = StatusCancelled
	}
	rec := s.record(c, RecordEnded, "", cl.UserID, map[string]string{"status": string(c.Status)})
	ev := s.event(cl, "consult.end", c.ID, map[string]string{"status": string(c.Status)})
	if err := s.store.UpdateConsultation(ctx, c, []Record{rec}, ev); err != nil {
		return fmt.Errorf("end consultation: %w", err)
	}
	s.hub.End(c.ID)
	return nil
}

// SetOutcome stores the clinician's outcome note. A consultation that took
// place needs its opening checklist first.
func (s *Service) SetOutcome(ctx context.Context, cl Clinician, id, outcome string) error {
	c, err := s.owned(ctx, cl, id)
	if err != nil {
		return err
	}
	if !c.StartedAt.IsZero() && c.Checklist == nil {
		return fault.New(fault.Conflict, "Complete the opening checklist before writing the outcome.")
	}
	if c.Outcome, err = cleanNote("outcome", outcome, maxOutcome); err != nil {
		return err
	}
	rec := s.record(c, RecordOutcome, "", cl.UserID, nil)
	ev := s.event(cl, "consult.outcome", c.ID, nil)
	if err := s.store.UpdateConsultation(ctx, c, []Record{rec}, ev); err != nil {
		return fmt.Errorf("save outcome: %w", err)
	}
	return nil
}

// Authorize checks that the clinician may connect to the consultation's
// signalling room.
func (s *Service) Authorize(ctx context.Context, cl Clinician, id string) (*Consultation, error) {
	return s.live(ctx, cl, id)
}
