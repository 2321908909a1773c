package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// ConsultStore is a store that keeps identities and consultations, as
// every backend does: consultations refer to organisations and clinicians.
type ConsultStore interface {
	identity.Store
	consult.Store
}

// Consult runs the consult.Store contract against stores made by open.
func Consult(t *testing.T, open func(t *testing.T) ConsultStore) {
	tests := []struct {
		name string
		f    func(*testing.T, context.Context, ConsultStore)
	}{
		{"consultations", consultConsultations},
		{"participants", consultParticipants},
		{"stale versions", consultStale},
		{"one of two racing updates", consultRace},
		{"timeline", consultRecords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := open(t)
			seedWorld(t, ctx, s)
			tt.f(t, ctx, s)
		})
	}
}

func newConsultation(id string, starts int) *consult.Consultation {
	return &consult.Consultation{ID: id, OrgID: "o1", ClinicianID: "u1", Practice: "Org RXX", PatientName: "Pat " + id,
		PatientPhone: "447700900123", PatientEmail: "pat@example.com", Reason: "review", StartsAt: at(starts), Slot: 15 * time.Minute,
		Status: consult.StatusScheduled, Mode: consult.ModeVideo, CreatedAt: at(1)}
}

func newParticipant(id, consultID string, role consult.Role, n int) *consult.Participant {
	return &consult.Participant{ID: id, ConsultID: consultID, Role: role, Label: "label " + id, Phone: "447700900456",
		TokenHash: "tok-" + id, ExpiresAt: at(n + 3600), State: consult.StateInvited, CreatedAt: at(n)}
}

func record(consultID, kind, pid string, n int) consult.Record {
	return consult.Record{ConsultID: consultID, At: at(n), Kind: kind, ParticipantID: pid, Actor: "u1", Detail: map[string]string{"n": fmt.Sprint(n)}}
}

func createConsultation(t *testing.T, ctx context.Context, s ConsultStore, c *consult.Consultation, ps ...*consult.Participant) {
	t.Helper()
	must(t, "CreateConsultation "+c.ID, s.CreateConsultation(ctx, c, ps, []consult.Record{record(c.ID, consult.RecordScheduled, "", 2)},
		event("o1", "consult.schedule", c.ID, 2)))
}

func consultConsultations(t *testing.T, ctx context.Context, s ConsultStore) {
	c := newConsultation("k1", 1000)
	c.Checklist = &consult.Checklist{IdentityMethod: "nhs_number", PrivateSpace: true, OthersPresent: "None", FallbackPhone: "447700900123",
		CompletedAt: at(5), CompletedBy: "u1"}
	createConsultation(t, ctx, s, c, newParticipant("p1", "k1", consult.RolePatient, 3))
	got, err := s.ConsultationByID(ctx, "k1")
	must(t, "ConsultationByID", err)
	want := *c
	want.StartsAt, want.CreatedAt, want.Version = us(c.StartsAt), us(c.CreatedAt), 1
	ck := *c.Checklist
	ck.CompletedAt = us(ck.CompletedAt)
	want.Checklist = &ck
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("ConsultationByID differs (-want +got):\n%s", diff)
	}
	_, err = s.ConsultationByID(ctx, "missing")
	wantFault(t, "ConsultationByID(missing)", err, fault.NotFound, "")
	err = s.CreateConsultation(ctx, newConsultation("k1", 1), nil, nil, event("o1", "consult.schedule", "k1", 3))
	wantFault(t, "CreateConsultation with a taken ID", err, fault.Conflict, "")

	bob := newUser("u2", "o1", "bob@example.nhs.uk", "Bob")
	must(t, "CreateUser", s.CreateUser(ctx, bob, nil, event("o1", "user.create", "u2", 4)))
	later, early, bobs, outside := newConsultation("k3", 2000), newConsultation("k2", 500), newConsultation("k4", 1500), newConsultation("k5", 9000)
	bobs.ClinicianID = "u2"
	same := newConsultation("k0", 2000) // same start as k3: the ID decides
	for _, x := range []*consult.Consultation{later, early, bobs, outside, same} {
		createConsultation(t, ctx, s, x)
	}
	ids := func(cs []*consult.Consultation, err error) []string {
		t.Helper()
		must(t, "ListConsultations", err)
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if diff := cmp.Diff([]string{"k2", "k1", "k4", "k0", "k3"}, ids(s.ListConsultations(ctx, "o1", "", at(0), at(9000)))); diff != "" {
		t.Errorf("ListConsultations(o1, [0, 9000)) differs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"k1", "k0", "k3"}, ids(s.ListConsultations(ctx, "o1", "u1", at(1000), at(2001)))); diff != "" {
		t.Errorf("ListConsultations(o1, u1, [1000, 2001)) differs (-want +got):\n%s", diff)
	}
	if got := ids(s.ListConsultations(ctx, "o9", "", at(0), at(10000))); len(got) != 0 {
		t.Errorf("ListConsultations(unknown org) = %v; want none", got)
	}

	c = got
	c.Status, c.Mode, c.Outcome, c.StartedAt, c.EndedAt = consult.StatusEnded, consult.ModeAudio, "seen", at(1001), at(1900)
	c.Checklist = nil
	must(t, "UpdateConsultation", s.UpdateConsultation(ctx, c, nil, event("o1", "consult.end", "k1", 1900)))
	if c.Version != 2 {
		t.Errorf("Version after UpdateConsultation = %d; want 2", c.Version)
	}
	got, err = s.ConsultationByID(ctx, "k1")
	must(t, "ConsultationByID", err)
	if got.Status != consult.StatusEnded || got.Mode != consult.ModeAudio || got.Outcome != "seen" || !got.EndedAt.Equal(us(at(1900))) ||
		got.Checklist != nil || got.Version != 2 {
		t.Errorf("after UpdateConsultation: %+v; want ended, audio, outcome seen, no checklist, version 2", got)
	}
}

func consultParticipants(t *testing.T, ctx context.Context, s ConsultStore) {
	createConsultation(t, ctx, s, newConsultation("k1", 1000), newParticipant("p1", "k1", consult.RolePatient, 3))
	for i, id := range []string{"g2", "g1"} {
		g := newParticipant(id, "k1", consult.RoleInterpreter, 10+i)
		must(t, "AddParticipant "+id, s.AddParticipant(ctx, g, []consult.Record{record("k1", consult.RecordInvited, id, 10+i)},
			event("o1", "consult.invite", id, 10+i)))
		if g.Version != 1 {
			t.Errorf("Version of a new participant = %d; want 1", g.Version)
		}
	}
	dup := newParticipant("p9", "k1", consult.RoleCarer, 20)
	dup.TokenHash = "tok-g1"
	err := s.AddParticipant(ctx, dup, nil, event("o1", "consult.invite", "p9", 20))
	wantFault(t, "AddParticipant with a taken token hash", err, fault.Conflict, "")

	ps, err := s.ListParticipants(ctx, "k1")
	must(t, "ListParticipants", err)
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	if diff := cmp.Diff([]string{"p1", "g2", "g1"}, ids); diff != "" {
		t.Errorf("ListParticipants order differs (-want +got):\n%s", diff)
	}

	p, err := s.ParticipantByTokenHash(ctx, "tok-p1")
	must(t, "ParticipantByTokenHash", err)
	want := newParticipant("p1", "k1", consult.RolePatient, 3)
	want.ExpiresAt, want.CreatedAt, want.Version = us(want.ExpiresAt), us(want.CreatedAt), 1
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("ParticipantByTokenHash differs (-want +got):\n%s", diff)
	}
	p.ClaimHash, p.State, p.ConsentVersion, p.EnteredAt = "claim", consult.StateWaiting, "v1", at(30)
	p.Check = &consult.DeviceCheck{WebRTC: true, Camera: true, Microphone: true, Connection: "relay", UplinkKbps: 900}
	must(t, "UpdateParticipant", s.UpdateParticipant(ctx, p, []consult.Record{record("k1", consult.RecordInvited, "p1", 30)},
		event("o1", "consult.enter", "p1", 30)))
	got, err := s.ParticipantByID(ctx, "p1")
	must(t, "ParticipantByID", err)
	p.EnteredAt = us(p.EnteredAt)
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("ParticipantByID after UpdateParticipant differs (-want +got):\n%s", diff)
	}
	for name, err := range map[string]error{
		"ParticipantByID(missing)":        second(s.ParticipantByID(ctx, "missing")),
		"ParticipantByTokenHash(missing)": second(s.ParticipantByTokenHash(ctx, "missing")),
	} {
		wantFault(t, name, err, fault.NotFound, "")
	}
}

const staleMsg = "Someone else changed this at the same moment. Reload and try again."

func consultStale(t *testing.T, ctx context.Context, s ConsultStore) {
	createConsultation(t, ctx, s, newConsultation("k1", 1000), newParticipant("p1", "k1", consult.RolePatient, 3))
	before := auditCount(t, ctx, s, "o1")
	c, err := s.ConsultationByID(ctx, "k1")
	must(t, "ConsultationByID", err)
	old := *c
	c.Mode = consult.ModeTelephone
	must(t, "UpdateConsultation", s.UpdateConsultation(ctx, c, nil, event("o1", "consult.mode", "k1", 10)))
	old.Status = consult.StatusCancelled
	err = s.UpdateConsultation(ctx, &old, []consult.Record{record("k1", "cancelled", "", 11)}, event("o1", "consult.cancel", "k1", 11))
	wantFault(t, "UpdateConsultation with a stale version", err, fault.Conflict, staleMsg)
	if old.Version != 1 {
		t.Errorf("Version after a refused update = %d; want 1 (unchanged)", old.Version)
	}
	p, err := s.ParticipantByID(ctx, "p1")
	must(t, "ParticipantByID", err)
	p.Version = 7
	err = s.UpdateParticipant(ctx, p, nil, event("o1", "consult.admit", "p1", 12))
	wantFault(t, "UpdateParticipant with a stale version", err, fault.Conflict, staleMsg)
	err = s.UpdateConsultation(ctx, newConsultation("missing", 1), nil, event("o1", "consult.end", "missing", 13))
	wantFault(t, "UpdateConsultation(missing)", err, fault.Conflict, staleMsg)
	if n := auditCount(t, ctx, s, "o1"); n != before+1 {
		t.Errorf("audit entries = %d; want %d (refused updates record nothing)", n, before+1)
	}
	if rs, err := s.ListRecords(ctx, "k1"); err != nil || len(rs) != 1 {
		t.Errorf("ListRecords after refused updates = %d records, %v; want 1", len(rs), err)
	}
}

func consultRace(t *testing.T, ctx context.Context, s ConsultStore) {
	createConsultation(t, ctx, s, newConsultation("k1", 1000), newParticipant("p1", "k1", consult.RolePatient, 3))
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p, err := s.ParticipantByID(ctx, "p1")
			if err != nil {
				errs[i] = err
				return
			}
			p.Version = 1 // as every browser read it
			p.ClaimHash, p.State = fmt.Sprint("claim", i), consult.StateWaiting
			errs[i] = s.UpdateParticipant(ctx, p, nil, event("o1", "consult.enter", "p1", 20+i))
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !fault.Is(err, fault.Conflict):
			t.Errorf("racing UpdateParticipant %d = %v; want success or a conflict", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d browsers entering on one link succeeded; want exactly 1", ok, n)
	}
}

func consultRecords(t *testing.T, ctx context.Context, s ConsultStore) {
	createConsultation(t, ctx, s, newConsultation("k1", 1000))
	createConsultation(t, ctx, s, newConsultation("k2", 1000))
	must(t, "AddRecords", s.AddRecords(ctx, []consult.Record{record("k1", "checklist", "", 40), record("k2", "note", "", 41),
		record("k1", "admitted", "p1", 42)}, event("o1", "consult.records", "k1", 42)))
	rs, err := s.ListRecords(ctx, "k1")
	must(t, "ListRecords", err)
	var kinds []string
	for i, r := range rs {
		kinds = append(kinds, r.Kind)
		if i > 0 && r.Seq <= rs[i-1].Seq {
			t.Errorf("record %d has seq %d after %d; want increasing", i, r.Seq, rs[i-1].Seq)
		}
	}
	if diff := cmp.Diff([]string{consult.RecordScheduled, "checklist", "admitted"}, kinds); diff != "" {
		t.Errorf("ListRecords(k1) kinds differ (-want +got):\n%s", diff)
	}
	if len(rs) == 3 {
		want := record("k1", "admitted", "p1", 42)
		want.Seq, want.At = rs[2].Seq, us(want.At)
		if diff := cmp.Diff(want, rs[2]); diff != "" {
			t.Errorf("last record differs (-want +got):\n%s", diff)
		}
	}
	if rs, err := s.ListRecords(ctx, "missing"); err != nil || len(rs) != 0 {
		t.Errorf("ListRecords(missing) = %v, %v; want none", rs, err)
	}
}
