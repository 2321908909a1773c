package dpo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// LawfulBases are the lawful bases of UK GDPR Article 6(1).
var LawfulBases = []string{"consent", "contract", "legal-obligation", "vital-interests", "public-task", "legitimate-interests"}

// The approval states of a register entry.
var Statuses = []string{StatusApproved, StatusUnderReview, "rejected", "retired"}

// Approval states that need saying in code.
const (
	StatusApproved    = "approved"
	StatusUnderReview = "under-review"
)

// Entry is one tool of the software register (G12), with its light DPIA.
type Entry struct {
	ID             string
	OrgID          string
	Name           string
	Supplier       string
	Purpose        string
	DataCategories string
	LawfulBasis    string // one of LawfulBases
	Hosting        string // where the data is held
	Encryption     string
	Retention      string
	SubProcessors  string
	Status         string    // one of Statuses
	ApprovedOn     time.Time // a date (midnight UTC); zero unless approved
	Approver       string
	NextReview     time.Time // a date (midnight UTC)
	Screening      map[string]bool
	Builtin        bool // Switchboard itself: its technical fields come from the running configuration
	UpdatedAt      time.Time
	UpdatedBy      string
	Version        int64
}

// FullDPIANeeded reports whether the entry's screening calls for a full DPIA.
func (e *Entry) FullDPIANeeded() bool { return FullDPIANeeded(e.Screening) }

// Overdue reports whether the entry's review date has passed at now.
func (e *Entry) Overdue(now time.Time) bool { return day(now).After(e.NextReview) }

// RegisterChange is one line of the register's change history.
type RegisterChange struct {
	EntryID string
	At      time.Time
	Actor   string
	Note    string
}

// RegisterStore keeps the software register.
type RegisterStore interface {
	// RegisterEntries lists an organisation's entries by name.
	RegisterEntries(ctx context.Context, orgID string) ([]*Entry, error)
	// RegisterEntry returns one entry (NotFound if there is none).
	RegisterEntry(ctx context.Context, id string) (*Entry, error)
	// PutRegisterEntry stores e: a new entry if e.Version is 0, otherwise
	// in place of the stored one if that is still at e.Version (Conflict
	// if not), bumping the version; with its change and audit event.
	PutRegisterEntry(ctx context.Context, e *Entry, c RegisterChange, ev audit.Event) error
	// RegisterChanges lists an organisation's register changes, newest
	// first, at most limit.
	RegisterChanges(ctx context.Context, orgID string, limit int) ([]RegisterChange, error)
}

// Deployment is what the running server says about itself, for
// Switchboard's own register entry and the DPIA pack.
type Deployment struct {
	Version      string
	PublicURL    string
	Database     string // "SQLite" or "PostgreSQL"
	Bus          string // "in-process" or "NATS"
	SMS          string // the SMS provider configured, if any
	Email        string // the SMTP server's host, if any
	TURN         string // how media is relayed
	PushServices bool   // Web Push is on
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// builtinID is the ID of an organisation's Switchboard entry.
func builtinID(orgID string) string { return "switchboard-" + orgID }

// switchboardEntry is Switchboard's own entry as the running
// configuration describes it; what the DPO decided (basis, status,
// approval, review, screening) comes from stored, if there is one.
func (s *Service) switchboardEntry(ctx context.Context, org *identity.Org, stored *Entry) *Entry {
	d := s.deploy
	e := &Entry{ID: builtinID(org.ID), OrgID: org.ID, Name: "Switchboard " + d.Version, Builtin: true,
		Supplier:       "Self-hosted by " + org.Name + " (open-source software, Apache License 2.0)",
		Purpose:        "Secure messaging, bleeps to duty roles and major-incident call-in between staff; video consultations with patients.",
		DataCategories: "Staff: name, work email, professional registration, team, roles, devices, sign-in times and addresses. Patients invited to video consultations: mobile number or email for the invitation, consent and identity-check records. Message, attachment and consultation content is end-to-end encrypted: the server cannot read it.",
		LawfulBasis:    "public-task",
		Status:         StatusUnderReview,
		NextReview:     day(s.now()).AddDate(0, 1, 0),
		Screening:      map[string]bool{},
		UpdatedAt:      org.CreatedAt,
		UpdatedBy:      audit.ActorSystem,
	}
	hosting := "Self-hosted"
	if d.PublicURL != "" {
		hosting += " at " + d.PublicURL
	}
	e.Hosting = hosting + "; database: " + d.Database + "; messages between nodes: " + d.Bus + "."
	tls := "TLS (https) in transit."
	if !strings.HasPrefix(d.PublicURL, "https://") {
		tls = "The public URL is not https: put TLS in front of the server."
	}
	e.Encryption = "End to end between devices: MLS (RFC 9420), cipher suite MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519; attachments AES-256-GCM on the device; video DTLS-SRTP browser to browser. " + tls
	e.Retention = s.retention(ctx, org.ID) + fmt.Sprintf(" Sessions end after %d minutes idle and 12 hours at most; a device's messaging store locks after the same idle time and erases itself after %d wrong PINs. The audit log is kept, hash-chained.",
		int(org.Policy.IdleTimeout/time.Minute), org.Policy.Attempts())
	var subs []string
	if d.SMS != "" {
		subs = append(subs, "SMS invitations: "+d.SMS)
	}
	if d.Email != "" {
		subs = append(subs, "Email invitations: SMTP server "+d.Email)
	}
	if d.PushServices {
		subs = append(subs, "Notifications: the browsers' Web Push services (content-free: no sender, conversation or text)")
	}
	if d.TURN != "" {
		subs = append(subs, "Video relay: "+d.TURN)
	}
	if len(subs) == 0 {
		subs = append(subs, "None configured")
	}
	e.SubProcessors = strings.Join(subs, "; ") + "."
	if stored != nil {
		e.LawfulBasis, e.Status, e.ApprovedOn, e.Approver = stored.LawfulBasis, stored.Status, stored.ApprovedOn, stored.Approver
		e.NextReview, e.Screening, e.UpdatedAt, e.UpdatedBy, e.Version = stored.NextReview, stored.Screening, stored.UpdatedAt, stored.UpdatedBy, stored.Version
	}
	return e
}

// Register is an organisation's published software register.
type Register struct {
	Org       *identity.Org
	Generated time.Time
	Entries   []*Entry
	Changes   []RegisterChange
}

// PublishedRegister returns the caller's organisation's register, which
// everyone signed in may read: Switchboard first, as configured now, then
// the rest by name. how ("page", "json" or "csv") is recorded in the audit
// chain with the view.
func (s *Service) PublishedRegister(ctx context.Context, p *identity.Principal, how string) (*Register, error) {
	ev := s.event(principal(p), "register.view", p.Org.ID, map[string]string{"format": how})
	if how == "csv" || how == "json" {
		ev.Action = "register.export"
	}
	if err := s.store.RecordAudit(ctx, ev); err != nil {
		return nil, err
	}
	es, err := s.store.RegisterEntries(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	var stored *Entry
	out := &Register{Org: p.Org, Generated: s.now()}
	var rest []*Entry
	for _, e := range es {
		if e.Builtin {
			stored = e
			continue
		}
		rest = append(rest, e)
	}
	out.Entries = append([]*Entry{s.switchboardEntry(ctx, p.Org, stored)}, rest...)
	if out.Changes, err = s.store.RegisterChanges(ctx, p.Org.ID, 200); err != nil {
		return nil, err
	}
	return out, nil
}

// EntryInput is what the DPO fills in for a register entry. For
// Switchboard's own entry only the lawful basis, status, approval, review
// date and screening are taken: the rest comes from the running server.
type EntryInput struct {
	Version        int64
	Name           string
	Supplier       string
	Purpose        string
	DataCategories string
	LawfulBasis    string
	Hosting        string
	Encryption     string
	Retention      string
	SubProcessors  string
	Status         string
	ApprovedOn     time.Time
	Approver       string
	NextReview     time.Time
	Screening      map[string]bool
}

func (in *EntryInput) check(now time.Time, builtin bool) error {
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&in.Name, &in.Supplier, &in.Purpose, &in.DataCategories, &in.LawfulBasis, &in.Hosting,
		&in.Encryption, &in.Retention, &in.SubProcessors, &in.Status, &in.Approver} {
		trim(p)
		if len(*p) > 2000 {
			return fault.Invalidf("Each answer in a register entry must be at most 2000 characters.")
		}
	}
	if !builtin {
		for _, f := range []struct{ v, name string }{{in.Name, "the tool's name"}, {in.Supplier, "the supplier"},
			{in.Purpose, "what it is used for"}, {in.DataCategories, "the kinds of data it holds"}, {in.Hosting, "where the data is hosted"}} {
			if f.v == "" {
				return fault.Invalidf("Give " + f.name + ".")
			}
		}
	}
	if in.LawfulBasis == "" {
		return fault.Invalidf("Choose the lawful basis for processing (UK GDPR Article 6).")
	}
	if !slices.Contains(LawfulBases, in.LawfulBasis) {
		return fault.Invalidf("The lawful basis must be one of: " + strings.Join(LawfulBases, ", ") + ".")
	}
	if in.Status == "" {
		in.Status = StatusUnderReview
	}
	if !slices.Contains(Statuses, in.Status) {
		return fault.Invalidf("The status must be one of: " + strings.Join(Statuses, ", ") + ".")
	}
	if in.NextReview.IsZero() {
		return fault.Invalidf("Give the date of the next review.")
	}
	in.NextReview = day(in.NextReview)
	if in.NextReview.Before(day(now)) {
		return fault.Invalidf("The next review date cannot be in the past.")
	}
	if in.Status == StatusApproved {
		if in.Approver == "" || in.ApprovedOn.IsZero() {
			return fault.Invalidf("An approved entry needs who approved it and when.")
		}
		in.ApprovedOn = day(in.ApprovedOn)
		if in.ApprovedOn.After(day(now)) {
			return fault.Invalidf("The approval date cannot be in the future.")
		}
	} else {
		in.ApprovedOn, in.Approver = time.Time{}, ""
	}
	answers := map[string]bool{}
	for _, q := range Screening {
		a, ok := in.Screening[q.ID]
		if !ok {
			return fault.Invalidf("Answer every DPIA screening question.")
		}
		answers[q.ID] = a
	}
	if len(in.Screening) != len(answers) {
		return fault.Invalidf("The screening answers name a question that is not on the checklist.")
	}
	in.Screening = answers
	return nil
}

// PutEntry adds (id "") or changes an entry of the caller's
// organisation's register. Only the DPO may.
func (s *Service) PutEntry(ctx context.Context, p *identity.Principal, id string, in EntryInput) (*Entry, error) {
	if !p.User.Has(identity.RoleDPO) {
		return nil, fault.New(fault.Forbidden, "Only the data protection officer can change the software register.")
	}
	now := s.now()
	var old *Entry
	builtin := id == builtinID(p.Org.ID)
	if id != "" {
		e, err := s.store.RegisterEntry(ctx, id)
		switch {
		case err == nil && e.OrgID == p.Org.ID:
			old = e
		case err == nil || fault.Is(err, fault.NotFound):
			if !builtin {
				return nil, fault.New(fault.NotFound, "There is no such entry in the software register.")
			}
		default:
			return nil, err
		}
	}
	if err := in.check(now, builtin); err != nil {
		return nil, err
	}
	e := &Entry{ID: id, OrgID: p.Org.ID, Name: in.Name, Supplier: in.Supplier, Purpose: in.Purpose, DataCategories: in.DataCategories,
		LawfulBasis: in.LawfulBasis, Hosting: in.Hosting, Encryption: in.Encryption, Retention: in.Retention, SubProcessors: in.SubProcessors,
		Status: in.Status, ApprovedOn: in.ApprovedOn, Approver: in.Approver, NextReview: in.NextReview, Screening: in.Screening,
		Builtin: builtin, UpdatedAt: now, UpdatedBy: p.User.ID}
	if builtin {
		e.Name = "Switchboard"
	}
	if e.ID == "" {
		e.ID = newID()
	}
	note := "Added " + e.Name + "."
	if old != nil {
		if in.Version != old.Version {
			return nil, fault.New(fault.Conflict, "Someone changed this entry since you opened it. Reload it and make your change again.")
		}
		e.Version = old.Version
		note = describeChange(old, e)
	} else if builtin {
		note = "Recorded the review of Switchboard."
	}
	c := RegisterChange{EntryID: e.ID, At: now, Actor: p.User.ID, Note: note}
	ev := s.event(principal(p), "register.put", e.ID, map[string]string{"status": e.Status, "full_dpia": fmt.Sprint(e.FullDPIANeeded())})
	if err := s.store.PutRegisterEntry(ctx, e, c, ev); err != nil {
		return nil, err
	}
	e.Version++
	return e, nil
}

func describeChange(old, e *Entry) string {
	var parts []string
	if old.Status != e.Status {
		parts = append(parts, "status "+old.Status+" → "+e.Status)
	}
	if old.LawfulBasis != e.LawfulBasis {
		parts = append(parts, "lawful basis "+old.LawfulBasis+" → "+e.LawfulBasis)
	}
	if !old.NextReview.Equal(e.NextReview) {
		parts = append(parts, "next review "+e.NextReview.Format(time.DateOnly))
	}
	if old.FullDPIANeeded() != e.FullDPIANeeded() {
		parts = append(parts, map[bool]string{true: "now needs a full DPIA", false: "no longer needs a full DPIA"}[e.FullDPIANeeded()])
	}
	if len(parts) == 0 {
		return "Changed the details of " + e.Name + "."
	}
	return e.Name + ": " + strings.Join(parts, "; ") + "."
}

// retention describes the organisation's records rules: how long each
// kind of conversation is kept, and filed messages.
func (s *Service) retention(ctx context.Context, orgID string) string {
	if s.records == nil {
		return "The retention rules are read by the running server."
	}
	r, err := s.records.Retention(ctx, orgID)
	if err != nil {
		s.log.Warn("read retention for the register", "org", orgID, "err", err)
		return "The retention rules could not be read just now."
	}
	var kinds []string
	for _, rule := range r.Rules {
		switch {
		case rule.Keep:
			kinds = append(kinds, rule.Kind+" conversations kept ("+rule.Reason+")")
		case rule.Set:
			kinds = append(kinds, fmt.Sprintf("%s conversations %s", rule.Kind, days(rule.MaxAgeSeconds)))
		default:
			kinds = append(kinds, rule.Kind+" conversations kept (no period set)")
		}
	}
	grace := "at once"
	if r.FiledGraceSeconds > 0 {
		grace = days(r.FiledGraceSeconds) + " after filing"
	}
	return "Messages and attachments are deleted on the server and on every member's device: " + strings.Join(kinds, "; ") +
		". Messages filed to the patient's record are deleted " + grace + ". Legal holds pause deletion."
}

// days says a retention period in days, or hours where it is not whole days.
func days(seconds int64) string {
	if seconds%86400 == 0 {
		return fmt.Sprintf("%d days", seconds/86400)
	}
	return fmt.Sprintf("%d hours", seconds/3600)
}
