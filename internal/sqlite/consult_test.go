package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

func consultFixture(t *testing.T) (*DB, *consult.Consultation, *consult.Participant) {
	t.Helper()
	db := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ev := audit.Event{At: at, OrgID: "o1", Actor: audit.ActorCLI, Action: "test"}
	if err := db.CreateOrg(ctx, &identity.Org{ID: "o1", ODS: "A81001", Name: "P", Policy: identity.DefaultPolicy, CreatedAt: at}, ev); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &identity.User{ID: "u1", OrgID: "o1", Email: "u@x.nhs.uk", Name: "U", Roles: []identity.Role{identity.RoleClinician}, CreatedAt: at}, nil, ev); err != nil {
		t.Fatal(err)
	}
	c := &consult.Consultation{ID: "c1", OrgID: "o1", ClinicianID: "u1", Practice: "P", PatientName: "N", StartsAt: at.Add(time.Hour),
		Slot: 15 * time.Minute, Status: consult.StatusScheduled, Mode: consult.ModeVideo, CreatedAt: at}
	p := &consult.Participant{ID: "p1", ConsultID: "c1", Role: consult.RolePatient, TokenHash: "h1", ExpiresAt: at.Add(2 * time.Hour),
		State: consult.StateInvited, CreatedAt: at}
	rec := consult.Record{ConsultID: "c1", At: at, Kind: consult.RecordScheduled, Actor: "u1", Detail: map[string]string{"slot_minutes": "15"}}
	if err := db.CreateConsultation(ctx, c, []*consult.Participant{p}, []consult.Record{rec}, ev); err != nil {
		t.Fatal(err)
	}
	c.Version = 1
	return db, c, p
}

func TestConsultStoreRoundTripAndStaleWrites(t *testing.T) {
	db, c, p := consultFixture(t)
	ctx := context.Background()
	ev := audit.Event{At: time.Now(), OrgID: "o1", Actor: "u1", Action: "test"}

	got, err := db.ParticipantByTokenHash(ctx, "h1")
	if err != nil || got.ID != "p1" || got.Version != 1 || !got.ExpiresAt.Equal(p.ExpiresAt) {
		t.Fatalf("ParticipantByTokenHash = %+v, %v", got, err)
	}
	if _, err := db.ParticipantByTokenHash(ctx, "nope"); !fault.Is(err, fault.NotFound) {
		t.Errorf("ParticipantByTokenHash(unknown) = %v; want NotFound", err)
	}

	// Two browsers enter on one link at once: the second write is stale.
	a, b := *got, *got
	a.ClaimHash, a.State, a.Check = "claim-a", consult.StateWaiting, &consult.DeviceCheck{Camera: true, Connection: "relay", UplinkKbps: 800}
	b.ClaimHash, b.State = "claim-b", consult.StateWaiting
	if err := db.UpdateParticipant(ctx, &a, nil, ev); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateParticipant(ctx, &b, nil, ev); !fault.Is(err, fault.Conflict) {
		t.Fatalf("second UpdateParticipant = %v; want Conflict", err)
	}
	got, _ = db.ParticipantByID(ctx, "p1")
	if got.ClaimHash != "claim-a" || got.Check == nil || got.Check.UplinkKbps != 800 {
		t.Errorf("stored participant = %+v; want the first browser's claim and check", got)
	}

	c.Checklist = &consult.Checklist{IdentityMethod: "known", PrivateSpace: true, OthersPresent: "None", FallbackPhone: "+441632960123", CompletedAt: time.Now().UTC().Truncate(time.Microsecond), CompletedBy: "u1"}
	stale := *c
	if err := db.UpdateConsultation(ctx, c, nil, ev); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateConsultation(ctx, &stale, nil, ev); !fault.Is(err, fault.Conflict) {
		t.Errorf("stale UpdateConsultation = %v; want Conflict", err)
	}
	back, err := db.ConsultationByID(ctx, "c1")
	if err != nil || back.Checklist == nil || *back.Checklist != *c.Checklist || back.Version != 2 {
		t.Errorf("ConsultationByID = %+v, %v; want the checklist at version 2", back, err)
	}
	list, err := db.ListConsultations(ctx, "o1", "u1", c.StartsAt.Add(-time.Minute), c.StartsAt.Add(time.Minute))
	if err != nil || len(list) != 1 {
		t.Errorf("ListConsultations = %d, %v; want 1", len(list), err)
	}
}

func TestConsultRecordsAreImmutable(t *testing.T) {
	db, _, _ := consultFixture(t)
	ctx := context.Background()
	for _, q := range []string{`UPDATE consult_records SET kind = 'x'`, `DELETE FROM consult_records`} {
		if _, err := db.write.ExecContext(ctx, q); err == nil {
			t.Errorf("%s succeeded; records must be immutable", q)
		}
	}
	rs, err := db.ListRecords(ctx, "c1")
	if err != nil || len(rs) != 1 || rs[0].Detail["slot_minutes"] != "15" {
		t.Errorf("ListRecords = %+v, %v", rs, err)
	}
}
