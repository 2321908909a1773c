package consult_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

const patientName = "Margaret Oduya-Thompson"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time                  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration)             { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
func (c *clock) set(t time.Time)                 { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) after(d time.Duration) time.Time { return c.now().Add(d) }

// recorder is a Sender that keeps what it was asked to send.
type recorder struct {
	channel string
	mu      sync.Mutex
	sent    []consult.Notice
	fail    error
}

func (r *recorder) Channel() string { return r.channel }
func (r *recorder) Send(_ context.Context, n consult.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, n)
	return r.fail
}

type fixture struct {
	db    *sqlite.DB
	clock *clock
	svc   *consult.Service
	hub   *consult.Hub
	cl    consult.Clinician
	other consult.Clinician
	sms   *recorder
	email *recorder
	logs  *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir(), keyring.New())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, clock: &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(f.logs, nil))
	org := &identity.Org{ID: "org1", ODS: "A81001", Name: "Riverside Surgery", Policy: identity.DefaultPolicy, CreatedAt: f.clock.now()}
	if err := db.CreateOrg(ctx, org, audit.Event{At: f.clock.now(), OrgID: "org1", Actor: audit.ActorCLI, Action: "org.create"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"u1", "u2"} {
		u := &identity.User{ID: id, OrgID: "org1", Email: id + "@example.nhs.uk", Name: "Dr " + id, Roles: []identity.Role{identity.RoleClinician}, CreatedAt: f.clock.now()}
		if err := db.CreateUser(ctx, u, nil, audit.Event{At: f.clock.now(), OrgID: "org1", Actor: audit.ActorCLI, Action: "user.create"}); err != nil {
			t.Fatal(err)
		}
	}
	f.hub = consult.NewHub(log)
	f.sms, f.email = &recorder{channel: "sms"}, &recorder{channel: "email"}
	f.svc = consult.NewService(db, f.hub, log, f.clock.now, "https://sb.example", f.sms, f.email)
	f.cl = consult.Clinician{UserID: "u1", OrgID: "org1", Practice: "Riverside Surgery", Addr: "192.0.2.1"}
	f.other = consult.Clinician{UserID: "u2", OrgID: "org1", Practice: "Riverside Surgery"}
	return f
}

func (f *fixture) schedule(t *testing.T) (*consult.Consultation, string) {
	t.Helper()
	c, inv, err := f.svc.Schedule(context.Background(), f.cl, consult.ScheduleInput{
		PatientName: patientName, PatientPhone: "07700 900123", PatientEmail: "m.o@example.com",
		Reason: "Review of asthma", StartsAt: f.clock.after(30 * time.Minute), Slot: 20 * time.Minute,
	})
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	return c, strings.TrimPrefix(inv.Link, "https://sb.example/join/")
}

var okCheck = consult.DeviceCheck{WebRTC: true, Camera: true, Microphone: true, Speaker: true, Connection: "relay", UplinkKbps: 900}

func (f *fixture) enter(t *testing.T, tok string) string {
	t.Helper()
	claim, _, err := f.svc.Enter(context.Background(), consult.EnterInput{Token: tok, ConsentVersion: consult.ConsentVersion, Check: okCheck})
	if err != nil {
		t.Fatalf("Enter: %v", err)
	}
	return claim
}

// connect puts a participant's socket in the room, as the WebSocket
// handler does.
func (f *fixture) connect(c *consult.Consultation, pid string) *consult.Peer {
	p := consult.NewPeer(consult.PeerInfo{ID: pid, Role: "patient"})
	f.hub.Join(c.ID, p, false)
	return p
}

func wantKind(t *testing.T, what string, err error, k fault.Kind) {
	t.Helper()
	if !fault.Is(err, k) {
		t.Fatalf("%s = %v; want a %v error", what, err, k)
	}
}

func TestInviteSentWithoutPatientDetails(t *testing.T) {
	f := newFixture(t)
	_, tok := f.schedule(t)
	if len(f.sms.sent) != 1 || len(f.email.sent) != 1 {
		t.Fatalf("sent %d SMS and %d emails; want one of each", len(f.sms.sent), len(f.email.sent))
	}
	n := f.sms.sent[0]
	if n.To != "+447700900123" || !strings.Contains(n.Body(), "/join/"+tok) || !strings.Contains(n.Body(), "Riverside Surgery") {
		t.Errorf("SMS to %q reads %q; want the link and practice, to +447700900123", n.To, n.Body())
	}
	for _, s := range []string{n.Body(), n.Subject()} {
		if strings.Contains(s, "Margaret") || strings.Contains(s, "asthma") {
			t.Errorf("invite text %q holds the patient's name or reason", s)
		}
	}
}

func TestScheduleRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	ok := consult.ScheduleInput{PatientName: "A Patient", StartsAt: f.clock.after(time.Hour)}
	for name, mod := range map[string]func(*consult.ScheduleInput){
		"no name":      func(in *consult.ScheduleInput) { in.PatientName = " " },
		"bad mobile":   func(in *consult.ScheduleInput) { in.PatientPhone = "01632 960123" },
		"bad email":    func(in *consult.ScheduleInput) { in.PatientEmail = "not an email" },
		"in the past":  func(in *consult.ScheduleInput) { in.StartsAt = f.clock.after(-time.Hour) },
		"no time":      func(in *consult.ScheduleInput) { in.StartsAt = time.Time{} },
		"slot too big": func(in *consult.ScheduleInput) { in.Slot = 3 * time.Hour },
	} {
		in := ok
		mod(&in)
		_, _, err := f.svc.Schedule(context.Background(), f.cl, in)
		wantKind(t, "Schedule("+name+")", err, fault.Invalid)
		if msg := fault.Message(err); !strings.HasSuffix(msg, ".") || len(msg) < 20 {
			t.Errorf("Schedule(%s) message %q is not a sentence saying what to fix", name, msg)
		}
	}
}

func TestLinkIsSingleUseAndExpires(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, tok := f.schedule(t)

	t.Run("tampered", func(t *testing.T) {
		bad := tok[:len(tok)-1] + map[bool]string{true: "A", false: "B"}[tok[len(tok)-1] != 'A']
		_, err := f.svc.Open(ctx, bad, "")
		if err != consult.ErrLinkNotValid {
			t.Errorf("Open(tampered) = %v; want ErrLinkNotValid", err)
		}
	})
	claim := f.enter(t, tok)
	t.Run("same browser again", func(t *testing.T) {
		if _, err := f.svc.Open(ctx, tok, claim); err != nil {
			t.Errorf("Open(with claim) = %v; want nil", err)
		}
		again, _, err := f.svc.Enter(ctx, consult.EnterInput{Token: tok, Claim: claim, ConsentVersion: consult.ConsentVersion, Check: okCheck})
		if err != nil || again != claim {
			t.Errorf("Enter again = %q, %v; want the same claim", again, err)
		}
	})
	t.Run("second browser", func(t *testing.T) {
		if _, err := f.svc.Open(ctx, tok, ""); err != consult.ErrLinkUsed {
			t.Errorf("Open(no claim) = %v; want ErrLinkUsed", err)
		}
		if _, _, err := f.svc.Enter(ctx, consult.EnterInput{Token: tok, Claim: "sbc_forged", ConsentVersion: consult.ConsentVersion, Check: okCheck}); err != consult.ErrLinkUsed {
			t.Errorf("Enter(other claim) = %v; want ErrLinkUsed", err)
		}
	})
	t.Run("after the slot", func(t *testing.T) {
		saved := f.clock.now()
		f.clock.set(c.EndsAt().Add(consult.LinkGrace + time.Second))
		defer f.clock.set(saved)
		if _, err := f.svc.Open(ctx, tok, claim); err != consult.ErrLinkExpired {
			t.Errorf("Open(after slot) = %v; want ErrLinkExpired", err)
		}
	})
	t.Run("after the consultation", func(t *testing.T) {
		if err := f.svc.End(ctx, f.cl, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Open(ctx, tok, claim); err != consult.ErrLinkEnded {
			t.Errorf("Open(ended) = %v; want ErrLinkEnded", err)
		}
	})
}

func TestConsentIsRecordedOnEnter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, tok := f.schedule(t)
	if _, _, err := f.svc.Enter(ctx, consult.EnterInput{Token: tok, ConsentVersion: "2020-01-1", Check: okCheck}); !fault.Is(err, fault.Invalid) {
		t.Errorf("Enter(old statement) = %v; want Invalid", err)
	}
	f.enter(t, tok)
	d, err := f.svc.Get(ctx, f.cl, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := d.Records.First(consult.RecordConsent, d.Participants[0].ID)
	if !ok || r.Detail["version"] != consult.ConsentVersion {
		t.Fatalf("consent record = %+v, %v; want one with version %s", r, ok, consult.ConsentVersion)
	}
	if d.Participants[0].State != consult.StateWaiting || d.Participants[0].Check == nil || d.Participants[0].Check.UplinkKbps != 900 {
		t.Errorf("participant after Enter = %+v; want waiting with the device check", d.Participants[0])
	}
}

func TestWaitingRoomAndChecklist(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, tok := f.schedule(t)
	guest, err := f.svc.AddGuest(ctx, f.cl, c.ID, consult.GuestInput{Role: consult.RoleInterpreter, Label: "Polish interpreter"})
	if err != nil {
		t.Fatal(err)
	}
	gtok := strings.TrimPrefix(guest.Link, "https://sb.example/join/")
	d, _ := f.svc.Get(ctx, f.cl, c.ID)
	pid, gid := d.Participants[0].ID, d.Participants[1].ID

	wantKind(t, "Admit(not entered)", f.svc.Admit(ctx, f.cl, c.ID, pid), fault.Conflict)
	f.enter(t, tok)
	wantKind(t, "Admit(not connected)", f.svc.Admit(ctx, f.cl, c.ID, pid), fault.Conflict)
	f.connect(c, pid)
	wantKind(t, "Admit(by another clinician)", f.svc.Admit(ctx, f.other, c.ID, pid), fault.NotFound)
	if err := f.svc.Admit(ctx, f.cl, c.ID, pid); err != nil {
		t.Fatalf("Admit(patient) = %v", err)
	}
	f.enter(t, gtok)
	f.connect(c, gid)
	wantKind(t, "Admit(guest before checklist)", f.svc.Admit(ctx, f.cl, c.ID, gid), fault.Conflict)
	wantKind(t, "SetOutcome(before checklist)", f.svc.SetOutcome(ctx, f.cl, c.ID, "Reviewed."), fault.Conflict)
	_, err = f.svc.SaveChecklist(ctx, f.cl, c.ID, consult.ChecklistInput{IdentityMethod: consult.IdentityNameDOB, PrivateSpace: false, OthersPresent: "None", FallbackPhone: "07700 900123"})
	wantKind(t, "SaveChecklist(not private)", err, fault.Invalid)
	_, err = f.svc.SaveChecklist(ctx, f.cl, c.ID, consult.ChecklistInput{IdentityMethod: consult.IdentityNameDOB, PrivateSpace: true, OthersPresent: "Daughter (carer)", FallbackPhone: "07700 900123"})
	if err != nil {
		t.Fatalf("SaveChecklist = %v", err)
	}
	if err := f.svc.Admit(ctx, f.cl, c.ID, gid); err != nil {
		t.Fatalf("Admit(guest after checklist) = %v", err)
	}
	if err := f.svc.ChangeMode(ctx, f.cl, c.ID, consult.ModeTelephone, false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.End(ctx, f.cl, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetOutcome(ctx, f.cl, c.ID, "Inhaler technique reviewed."); err != nil {
		t.Fatal(err)
	}
	d, _ = f.svc.Get(ctx, f.cl, c.ID)
	if d.Status != consult.StatusEnded || d.Mode != consult.ModeTelephone || d.Checklist.OthersPresent != "Daughter (carer)" {
		t.Errorf("after the call: status %s, mode %s, checklist %+v", d.Status, d.Mode, d.Checklist)
	}

	// Nothing identifying the patient reached the audit log or the logs.
	entries, err := f.db.ListAudit(ctx, "org1", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, e := range entries {
		all.WriteString(e.Action + " " + audit.EncodeDetail(e.Detail) + "\n")
	}
	all.WriteString(f.logs.String())
	for _, secret := range []string{"Margaret", "asthma", "900123", "m.o@example", "Daughter", "Polish"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("audit or logs hold %q:\n%s", secret, all.String())
		}
	}
	for _, action := range []string{"consult.schedule", "consult.consent", "consult.admit", "consult.checklist", "consult.mode", "consult.end", "consult.outcome"} {
		if !strings.Contains(all.String(), action+" ") {
			t.Errorf("audit has no %s entry", action)
		}
	}
	if _, err := f.db.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit = %v", err)
	}
}

func TestActivityReportHasNoPatientIdentifiers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, tok := f.schedule(t)
	f.schedule(t) // booked, never held
	f.enter(t, tok)
	d, _ := f.svc.Get(ctx, f.cl, c.ID)
	f.connect(c, d.Participants[0].ID)
	if err := f.svc.Admit(ctx, f.cl, c.ID, d.Participants[0].ID); err != nil {
		t.Fatal(err)
	}
	f.clock.add(12 * time.Minute)
	if err := f.svc.ChangeMode(ctx, f.cl, c.ID, consult.ModeAudio, true); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.End(ctx, f.cl, c.ID); err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.Activity(ctx, "org1", "A81001", f.svc.ThisWeek(c.StartsAt))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("report %q: %v; want a header and one row", out, err)
	}
	got := map[string]string{}
	for i, h := range rows[0] {
		got[h] = rows[1][i]
	}
	// The second booking's slot is later the same day: not yet "not held".
	want := map[string]string{"week_commencing": "2026-11-23", "booked": "2", "held": "1", "not_held": "0", "upcoming": "1",
		"ended_audio_only": "1", "stepped_down_to_audio": "1", "median_minutes": "12"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("report %s = %q; want %q", k, got[k], v)
		}
	}
	f.clock.add(time.Hour) // its slot is over, unheld
	out, err = f.svc.Activity(ctx, "org1", "A81001", f.svc.ThisWeek(c.StartsAt))
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := csv.NewReader(bytes.NewReader(out)).ReadAll(); len(rows) != 2 || rows[1][4] != "1" || rows[1][5] != "0" {
		t.Errorf("report after the slot %q; want not_held 1 and upcoming 0", out)
	}
	if bytes.Contains(out, []byte("Margaret")) || bytes.Contains(out, []byte(c.ID)) {
		t.Errorf("report holds a patient identifier: %s", out)
	}
	if _, err := f.svc.Activity(ctx, "org1", "A81001", "last week"); !fault.Is(err, fault.Invalid) {
		t.Errorf("Activity(bad week) = %v; want Invalid", err)
	}
}
