package dpo_test

import (
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// fixture is an organisation with a DPO (two devices) and a clinician,
// on SQLite, with a clock the test moves and the pushes it records.
type fixture struct {
	db     *sqlite.DB
	svc    *dpo.Service
	dpo    *identity.Principal
	nurse  *identity.Principal
	mu     sync.Mutex
	clock  time.Time
	pushes [][]string
}

func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, t.TempDir(), keyring.New())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, clock: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	ev := func(action string) audit.Event {
		return audit.Event{At: f.clock, OrgID: "o1", Actor: audit.ActorCLI, Action: action}
	}
	org := &identity.Org{ID: "o1", ODS: "RXX", Name: "Example Trust", Policy: identity.DefaultPolicy, CreatedAt: f.clock}
	if err := db.CreateOrg(ctx, org, ev("org.create")); err != nil {
		t.Fatal(err)
	}
	counter := int64(0)
	person := func(id string, role identity.Role, devices ...string) *identity.Principal {
		u := &identity.User{ID: id, OrgID: "o1", Email: id + "@example.nhs.uk", Name: id, Roles: []identity.Role{role}, CreatedAt: f.clock}
		if err := db.CreateUser(ctx, u, nil, ev("user.create")); err != nil {
			t.Fatal(err)
		}
		var p *identity.Principal
		for _, d := range devices {
			counter++
			dev := &identity.Device{ID: d, UserID: id, Name: "Phone " + d, Kind: "web", CreatedAt: f.clock, LastSeenAt: f.clock}
			sess := &identity.Session{ID: "s-" + d, TokenHash: "h-" + d, UserID: id, DeviceID: d, CSRF: "c", Addr: "192.0.2.1",
				CreatedAt: f.clock, LastSeenAt: f.clock, ExpiresAt: f.clock.Add(time.Hour)}
			if err := db.StartSession(ctx, sess, dev, counter, "", ev("signin.ok")); err != nil {
				t.Fatal(err)
			}
			if p == nil {
				p = &identity.Principal{User: u, Org: org, Session: sess, Device: dev}
			}
		}
		return p
	}
	f.dpo = person("dee", identity.RoleDPO, "dee-phone", "dee-laptop")
	f.nurse = person("nat", identity.RoleClinician, "nat-phone")
	f.svc = dpo.New(db, db, db, func(devs []string, payload string) {
		if payload != dpo.PushReminder {
			t.Errorf("reminder payload = %s; want the fixed one", payload)
		}
		f.mu.Lock()
		f.pushes = append(f.pushes, devs)
		f.mu.Unlock()
	}, dpo.Deployment{Version: "0.1.0", PublicURL: "https://switchboard.example.nhs.uk", Database: "SQLite", Bus: "in-process"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), f.now)
	return f
}

func TestBadInputSavesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, c := range []struct {
		name string
		in   dpo.NewBreach
		kind fault.Kind
		msg  string
	}{
		{"unknown category", dpo.NewBreach{Category: "gossip", Summary: "x"}, fault.Invalid, "The category must be one of"},
		{"unknown kind", dpo.NewBreach{Kind: "rumour", Category: "other", Summary: "x"}, fault.Invalid, "The kind must be one of"},
		{"NHS number", dpo.NewBreach{Category: "misdirected-message", Summary: "Letter for 943 476 5919 sent to the wrong GP"},
			fault.Invalid, "The summary holds an NHS number."},
		{"NHS number in actions", dpo.NewBreach{Category: "other", Summary: "A letter went astray", Actions: "Called 9434765919"},
			fault.Invalid, "The actions holds an NHS number."},
		{"empty summary", dpo.NewBreach{Category: "other", Summary: "  "}, fault.Invalid, "Say what happened"},
		{"aware in the future", dpo.NewBreach{Category: "other", Summary: "x", AwareAt: f.now().Add(time.Hour)}, fault.Invalid, "The time you became aware of it cannot be"},
	} {
		_, err := f.svc.AddBreach(ctx, f.dpo, c.in)
		if fault.KindOf(err) != c.kind || !strings.HasPrefix(fault.Message(err), c.msg) {
			t.Errorf("%s: AddBreach = %v; want %v starting %q", c.name, err, c.kind, c.msg)
		}
	}
	if _, err := f.svc.AddBreach(ctx, f.nurse, dpo.NewBreach{Category: "other", Summary: "x"}); !fault.Is(err, fault.Forbidden) {
		t.Errorf("a clinician's AddBreach = %v; want Forbidden", err)
	}
	if _, err := f.svc.Breaches(ctx, f.nurse); !fault.Is(err, fault.Forbidden) {
		t.Errorf("a clinician's Breaches = %v; want Forbidden", err)
	}
	bs, err := f.svc.Breaches(ctx, f.dpo)
	if err != nil || len(bs) != 0 {
		t.Errorf("Breaches after bad input = %v, %v; want none saved", bs, err)
	}
}

// TestICOClock moves the clock through the 72 hours of a reportable
// breach: the DPO's devices are pushed at 24, 48 and 66 hours, once
// each, and not after the ICO has been told.
func TestICOClock(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	b, err := f.svc.AddBreach(ctx, f.dpo, dpo.NewBreach{Category: "misdirected-message", Summary: "Discharge summary emailed to the wrong practice",
		Affected: 1, Reportable: true})
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := f.svc.AddBreach(ctx, f.dpo, dpo.NewBreach{Category: "other", Summary: "A near miss", Kind: dpo.KindNearMiss})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Deadline().Equal(f.now().Add(72 * time.Hour)) {
		t.Errorf("Deadline = %v; want 72 hours from now", b.Deadline())
	}
	step := func(to time.Duration, want int) {
		t.Helper()
		f.advance(b.AwareAt.Add(to).Sub(f.now()))
		if got := f.svc.Sweep(ctx); got != want {
			t.Errorf("Sweep at %v = %d reminders; want %d", to, got, want)
		}
	}
	step(23*time.Hour+59*time.Minute, 0)
	step(24*time.Hour, 1)
	step(25*time.Hour, 0)
	step(48*time.Hour, 1)
	step(66*time.Hour, 1)
	step(80*time.Hour, 0)
	if len(f.pushes) != 3 {
		t.Fatalf("pushes = %v; want three", f.pushes)
	}
	for _, devs := range f.pushes {
		slices.Sort(devs)
		if !slices.Equal(devs, []string{"dee-laptop", "dee-phone"}) {
			t.Errorf("reminder pushed to %v; want the DPO's two devices", devs)
		}
	}
	_, h, err := f.svc.Breach(ctx, f.dpo, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	var reminded []string
	for _, e := range h {
		if e.Action == "reminded" {
			reminded = append(reminded, e.Note[:2])
		}
	}
	if !slices.Equal(reminded, []string{"24", "48", "66"}) {
		t.Errorf("history reminders = %v; want 24, 48 and 66 hours", reminded)
	}
	_, h, _ = f.svc.Breach(ctx, f.dpo, quiet.ID)
	if len(h) != 1 {
		t.Errorf("a near miss's history = %+v; want no reminders", h)
	}
}

// TestReportedStopsTheClock: once the ICO is told, no more reminders.
func TestReportedStopsTheClock(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	b, err := f.svc.AddBreach(ctx, f.dpo, dpo.NewBreach{Category: "unauthorised-access", Summary: "Shared login used", Reportable: true})
	if err != nil {
		t.Fatal(err)
	}
	f.advance(30 * time.Hour)
	if n := f.svc.Sweep(ctx); n != 1 {
		t.Errorf("Sweep at 30 hours = %d; want the 24-hour reminder", n)
	}
	if _, err := f.svc.UpdateBreach(ctx, f.nurse, b.ID, dpo.Change{Reported: true}); !fault.Is(err, fault.Forbidden) {
		t.Errorf("a clinician's UpdateBreach = %v; want Forbidden", err)
	}
	b, err = f.svc.UpdateBreach(ctx, f.dpo, b.ID, dpo.Change{Version: b.Version, Reported: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateBreach(ctx, f.dpo, b.ID, dpo.Change{Version: 1, Close: true}); !fault.Is(err, fault.Conflict) {
		t.Errorf("UpdateBreach with a stale version = %v; want Conflict", err)
	}
	f.advance(40 * time.Hour)
	if n := f.svc.Sweep(ctx); n != 0 || len(f.pushes) != 1 {
		t.Errorf("Sweep after reporting = %d (pushes %d); want none", n, len(f.pushes))
	}
	b, err = f.svc.UpdateBreach(ctx, f.dpo, b.ID, dpo.Change{Version: b.Version, Close: true})
	if err != nil || b.Open() {
		t.Fatalf("close = %+v, %v", b, err)
	}
	_, h, _ := f.svc.Breach(ctx, f.dpo, b.ID)
	var actions []string
	for _, e := range h {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []string{"opened", "reminded", "reported", "closed"}) {
		t.Errorf("history = %v; want opened, reminded, reported, closed", actions)
	}
}

func TestDeviceLost(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	b, err := f.svc.DeviceLost(ctx, f.nurse, f.nurse.Device)
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != dpo.KindNearMiss || b.Category != dpo.CategoryLostDevice || b.DeviceID != "nat-phone" || b.Reportable {
		t.Errorf("lost-device entry = %+v; want a near miss about nat-phone, not yet judged reportable", b)
	}
	for _, want := range []string{`"Phone nat-phone"`, "by its owner", "Last seen 4 Dec 2026 09:00 UTC", "App lock: off"} {
		if !strings.Contains(b.Summary, want) {
			t.Errorf("summary %q lacks %q", b.Summary, want)
		}
	}
}
