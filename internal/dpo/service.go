package dpo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// PushReminder is the payload of a reminder push to the DPO's devices: a
// fixed sentence, never which entry or what it is about.
const PushReminder = `{"title":"Data protection: an entry needs attention. Open Switchboard","url":"/dpo","urgent":true}`

// sweepEvery is how often Run looks for reminders that are due: on the
// machine's clock, while the times it compares come from the service's.
const sweepEvery = 5 * time.Second

// Credentials tells whether a device has set up secure messaging, whose
// store on the device is locked by a PIN and the organisation's idle
// limit: the app lock.
type Credentials interface {
	Credential(ctx context.Context, deviceID string) (*messaging.Credential, error)
}

// Service runs the data protection officer's console.
type Service struct {
	store  Store
	ids    identity.Store
	creds  Credentials
	push   func(devices []string, payload string) // may be nil (console commands)
	deploy Deployment
	log    *slog.Logger
	now    func() time.Time
	// records reads the retention rules and legal holds, for Switchboard's
	// register entry and the DPIA pack; nil where they are not known.
	records Records
}

// Records is what the register and the DPIA pack read of the records
// rules (records.Service).
type Records interface {
	Retention(ctx context.Context, orgID string) (*wire.Retention, error)
	Holds(ctx context.Context, orgID string) ([]wire.Hold, error)
}

// WithRecords makes the register and the DPIA pack describe the
// retention rules and legal holds r reads, and returns s.
func (s *Service) WithRecords(r Records) *Service {
	s.records = r
	return s
}

// New returns a Service. push sends a content-free push to devices
// (messaging.Service.PushDevices); nil sends none. deploy describes the
// running server, for Switchboard's own register entry.
func New(store Store, ids identity.Store, creds Credentials, push func([]string, string), deploy Deployment, log *slog.Logger, now func() time.Time) *Service {
	return &Service{store: store, ids: ids, creds: creds, push: push, deploy: deploy, log: log, now: now}
}

var (
	errNotDPO    = fault.New(fault.Forbidden, "Only the data protection officer can change the breach and complaint log.")
	errNotReader = fault.New(fault.Forbidden, "Only the data protection officer or an administrator can read the breach and complaint log.")
	errNotFound  = fault.New(fault.NotFound, "There is no such entry in the breach and complaint log.")
)

func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// actor is who acts: a signed-in person, or the console.
type actor struct {
	org  string
	id   string
	addr string
}

func principal(p *identity.Principal) actor {
	return actor{org: p.Org.ID, id: p.User.ID, addr: p.Session.Addr}
}

func (s *Service) event(a actor, action, target string, detail map[string]string) audit.Event {
	return audit.Event{At: s.now(), OrgID: a.org, Actor: a.id, Action: action, Target: target, Addr: a.addr, Detail: detail}
}

// console returns the console's actor in the organisation with ODS code ods.
func (s *Service) console(ctx context.Context, ods string) (actor, error) {
	org, err := s.ids.OrgByODS(ctx, strings.ToUpper(strings.TrimSpace(ods)))
	if fault.Is(err, fault.NotFound) {
		return actor{}, fault.Invalidf("There is no organisation with that ODS code.")
	}
	if err != nil {
		return actor{}, err
	}
	return actor{org: org.ID, id: audit.ActorCLI}, nil
}

// AddBreach opens an entry in the caller's organisation's log.
func (s *Service) AddBreach(ctx context.Context, p *identity.Principal, n NewBreach) (*Breach, error) {
	if !p.User.Has(identity.RoleDPO) {
		return nil, errNotDPO
	}
	return s.add(ctx, principal(p), n, "")
}

// ConsoleAddBreach opens an entry from the server's console.
func (s *Service) ConsoleAddBreach(ctx context.Context, ods string, n NewBreach) (*Breach, error) {
	a, err := s.console(ctx, ods)
	if err != nil {
		return nil, err
	}
	return s.add(ctx, a, n, "")
}

func (s *Service) add(ctx context.Context, a actor, n NewBreach, device string) (*Breach, error) {
	now := s.now()
	if err := n.check(now); err != nil {
		return nil, err
	}
	b := &Breach{ID: newID(), OrgID: a.org, Kind: n.Kind, Category: n.Category, Summary: n.Summary, Affected: n.Affected,
		Actions: n.Actions, Reportable: n.Reportable, AwareAt: n.AwareAt.UTC(), OpenedAt: now, OpenedBy: a.id, DeviceID: device, Version: 1}
	first := Event{At: now, Actor: a.id, Action: "opened", Note: fmt.Sprintf("Opened as a %s (%s)%s.", n.Kind, n.Category,
		map[bool]string{true: ", reportable to the ICO", false: ""}[n.Reportable])}
	ev := s.event(a, "breach.open", b.ID, map[string]string{"kind": b.Kind, "category": b.Category, "reportable": fmt.Sprint(b.Reportable)})
	if err := s.store.CreateBreach(ctx, b, first, ev); err != nil {
		return nil, err
	}
	return b, nil
}

// Breaches lists the caller's organisation's log, newest first. The view
// is audited.
func (s *Service) Breaches(ctx context.Context, p *identity.Principal) ([]*Breach, error) {
	if !p.User.Has(identity.RoleDPO) && !p.User.Has(identity.RoleAdmin) {
		return nil, errNotReader
	}
	return s.list(ctx, principal(p))
}

// ConsoleBreaches lists an organisation's log from the server's console.
func (s *Service) ConsoleBreaches(ctx context.Context, ods string) ([]*Breach, error) {
	a, err := s.console(ctx, ods)
	if err != nil {
		return nil, err
	}
	return s.list(ctx, a)
}

func (s *Service) list(ctx context.Context, a actor) ([]*Breach, error) {
	if err := s.store.RecordAudit(ctx, s.event(a, "breach.list.view", a.org, nil)); err != nil {
		return nil, err
	}
	return s.store.Breaches(ctx, a.org)
}

// Breach returns one entry of the caller's organisation's log with its
// history. The view is audited.
func (s *Service) Breach(ctx context.Context, p *identity.Principal, id string) (*Breach, []Event, error) {
	if !p.User.Has(identity.RoleDPO) && !p.User.Has(identity.RoleAdmin) {
		return nil, nil, errNotReader
	}
	b, err := s.orgBreach(ctx, p.Org.ID, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.RecordAudit(ctx, s.event(principal(p), "breach.view", b.ID, nil)); err != nil {
		return nil, nil, err
	}
	h, err := s.store.BreachHistory(ctx, b.ID)
	if err != nil {
		return nil, nil, err
	}
	return b, h, nil
}

func (s *Service) orgBreach(ctx context.Context, orgID, id string) (*Breach, error) {
	b, err := s.store.Breach(ctx, id)
	if fault.Is(err, fault.NotFound) || (err == nil && b.OrgID != orgID) {
		return nil, errNotFound
	}
	return b, err
}

// Change is what the DPO changes on an entry; nil fields stay as they are.
type Change struct {
	Version    int64 // the version the DPO saw; a stale one is refused
	Summary    *string
	Affected   *int
	Actions    *string
	Reportable *bool
	Reported   bool // the ICO has been told (stops the clock)
	Close      bool
	Reopen     bool
}

// UpdateBreach changes an entry of the caller's organisation's log.
func (s *Service) UpdateBreach(ctx context.Context, p *identity.Principal, id string, c Change) (*Breach, error) {
	if !p.User.Has(identity.RoleDPO) {
		return nil, errNotDPO
	}
	b, err := s.orgBreach(ctx, p.Org.ID, id)
	if err != nil {
		return nil, err
	}
	if c.Version != 0 && c.Version != b.Version {
		return nil, fault.New(fault.Conflict, "Someone changed this entry since you opened it. Reload it and make your change again.")
	}
	now := s.now()
	var notes []string
	if c.Summary != nil && strings.TrimSpace(*c.Summary) != b.Summary {
		v := strings.TrimSpace(*c.Summary)
		if v == "" {
			return nil, fault.Invalidf("Say what happened in the summary.")
		}
		if err := checkText("summary", v, MaxSummary, now); err != nil {
			return nil, err
		}
		b.Summary = v
		notes = append(notes, "summary changed")
	}
	if c.Actions != nil && strings.TrimSpace(*c.Actions) != b.Actions {
		v := strings.TrimSpace(*c.Actions)
		if err := checkText("actions", v, MaxActions, now); err != nil {
			return nil, err
		}
		b.Actions = v
		notes = append(notes, "actions changed")
	}
	if c.Affected != nil && *c.Affected != b.Affected {
		if *c.Affected < 0 || *c.Affected > MaxAffected {
			return nil, fault.Invalidf("The number of people affected must be from 0 to 100000000.")
		}
		notes = append(notes, fmt.Sprintf("people affected %d → %d", b.Affected, *c.Affected))
		b.Affected = *c.Affected
	}
	if c.Reportable != nil && *c.Reportable != b.Reportable {
		b.Reportable = *c.Reportable
		notes = append(notes, map[bool]string{true: "judged reportable to the ICO", false: "judged not reportable"}[b.Reportable])
	}
	action := "updated"
	switch {
	case c.Reported && b.ReportedAt.IsZero():
		if !b.Reportable {
			return nil, fault.Invalidf("Mark the entry reportable before recording that the ICO was told.")
		}
		b.ReportedAt = now
		action = "reported"
		notes = append(notes, "reported to the ICO")
	}
	switch {
	case c.Close && c.Reopen:
		return nil, fault.Invalidf("An entry cannot be closed and reopened at once.")
	case c.Close && b.Open():
		b.ClosedAt, action = now, "closed"
		notes = append(notes, "closed")
	case c.Reopen && !b.Open():
		b.ClosedAt, action = time.Time{}, "reopened"
		notes = append(notes, "reopened")
	}
	if len(notes) == 0 {
		return b, nil
	}
	note := strings.ToUpper(notes[0][:1]) + notes[0][1:]
	if len(notes) > 1 {
		note += "; " + strings.Join(notes[1:], "; ")
	}
	e := Event{At: now, Actor: p.User.ID, Action: action, Note: note + "."}
	ev := s.event(principal(p), "breach."+action, b.ID, map[string]string{"reportable": fmt.Sprint(b.Reportable), "affected": fmt.Sprint(b.Affected)})
	if err := s.store.UpdateBreach(ctx, b, e, ev); err != nil {
		return nil, err
	}
	b.Version++
	return b, nil
}

// DeviceLost opens a near-miss entry for a device reported lost or stolen
// (already signed out and revoked): the device, when it was last seen, and
// whether its app lock was on, so that the DPO can judge whether it is
// reportable. lastSeen is the device's last request before it was revoked.
func (s *Service) DeviceLost(ctx context.Context, p *identity.Principal, d *identity.Device) (*Breach, error) {
	lock := "off (no secure messaging on it)"
	if _, err := s.creds.Credential(ctx, d.ID); err == nil {
		lock = "on (its secure messaging keys are locked by a passphrase)"
		if d.Kind == "web" {
			lock = fmt.Sprintf("on (secure messaging PIN; it locks after %d minutes idle)", int(p.Org.Policy.IdleTimeout/time.Minute))
		}
	} else if !fault.Is(err, fault.NotFound) {
		return nil, err
	}
	who := "its owner"
	if d.UserID != p.User.ID {
		who = "an administrator on the owner's behalf"
	}
	summary := fmt.Sprintf("Device %q (%s) was reported lost or stolen by %s and has been signed out and revoked. "+
		"Last seen %s. App lock: %s.", d.Name, d.Kind, who, d.LastSeenAt.UTC().Format("2 Jan 2006 15:04 MST"), lock)
	n := NewBreach{Kind: KindNearMiss, Category: CategoryLostDevice, Summary: summary}
	return s.add(ctx, principal(p), n, d.ID)
}
