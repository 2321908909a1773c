package dpo

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/pid"
)

// The kinds of log entry.
const (
	KindBreach    = "breach"
	KindNearMiss  = "near-miss"
	KindComplaint = "complaint"
)

// Kinds lists the kinds of entry, in display order.
var Kinds = []string{KindBreach, KindNearMiss, KindComplaint}

// Categories lists what an entry may be about, in display order.
var Categories = []string{
	CategoryLostDevice,
	"unauthorised-disclosure",
	"misdirected-message",
	"unauthorised-access",
	"loss-of-availability",
	"data-altered",
	"complaint",
	"other",
}

// CategoryLostDevice is the category of a device reported lost or stolen.
const CategoryLostDevice = "lost-or-stolen-device"

// ICODeadline is how long after becoming aware of a reportable breach the
// organisation has to report it to the Information Commissioner's Office.
const ICODeadline = 72 * time.Hour

// ReminderHours are the hours after awareness at which the DPO is
// reminded of a reportable breach not yet reported.
var ReminderHours = []int{24, 48, 66}

// Limits of an entry's free text and counts.
const (
	MaxSummary  = 4000
	MaxActions  = 4000
	MaxAffected = 100_000_000
)

// Breach is one entry of the breach and complaint log.
type Breach struct {
	ID         string
	OrgID      string
	Kind       string // KindBreach, KindNearMiss or KindComplaint
	Category   string // one of Categories
	Summary    string // what happened; never logged
	Affected   int    // how many people are affected, if known
	Actions    string // what has been done; never logged
	Reportable bool   // the DPO judges it reportable to the ICO
	AwareAt    time.Time
	OpenedAt   time.Time
	OpenedBy   string    // a user ID, or audit.ActorCLI
	ReportedAt time.Time // reported to the ICO; zero until then
	ClosedAt   time.Time // zero while open
	RemindedH  int       // the last reminder sent, in hours after AwareAt (0: none)
	DeviceID   string    // the lost device, for CategoryLostDevice
	Version    int64
}

// Open reports whether b is still open.
func (b *Breach) Open() bool { return b.ClosedAt.IsZero() }

// Deadline is when the ICO must have been told of b, if it is reportable.
func (b *Breach) Deadline() time.Time { return b.AwareAt.Add(ICODeadline) }

// Clocked reports whether b's 72-hour clock is running: open, reportable
// and not yet reported.
func (b *Breach) Clocked() bool { return b.Open() && b.Reportable && b.ReportedAt.IsZero() }

// DueReminder returns the reminder (in hours) due at now that has not
// been sent, or 0. Only the latest due one is sent: a server down at 24
// and 48 hours reminds once, at 48.
func (b *Breach) DueReminder(now time.Time) int {
	if !b.Clocked() {
		return 0
	}
	due := 0
	for _, h := range ReminderHours {
		if !now.Before(b.AwareAt.Add(time.Duration(h)*time.Hour)) && h > b.RemindedH {
			due = h
		}
	}
	return due
}

// Event is one line of an entry's history.
type Event struct {
	At     time.Time
	Actor  string // a user ID, audit.ActorCLI or audit.ActorSystem
	Action string // opened, updated, reported, reminded, closed, reopened
	Note   string // what changed, in words; never the summary's text
}

// Store keeps the breach and complaint log. Every change appends its
// audit event in the same transaction.
type Store interface {
	// CreateBreach stores a new entry and its "opened" event.
	CreateBreach(ctx context.Context, b *Breach, first Event, ev audit.Event) error
	// Breach returns one entry (NotFound if there is none).
	Breach(ctx context.Context, id string) (*Breach, error)
	// Breaches lists an organisation's entries, newest first.
	Breaches(ctx context.Context, orgID string) ([]*Breach, error)
	// UpdateBreach stores b's changeable fields (summary, affected,
	// actions, reportable, reported, closed) if b.Version is still the
	// stored version, then bumps it; otherwise Conflict.
	UpdateBreach(ctx context.Context, b *Breach, e Event, ev audit.Event) error
	// BreachHistory lists an entry's events, oldest first.
	BreachHistory(ctx context.Context, id string) ([]Event, error)
	// ClockedBreaches lists, across organisations, the entries whose
	// 72-hour clock runs and whose last reminder is not the last one.
	ClockedBreaches(ctx context.Context) ([]*Breach, error)
	// BreachReminded records reminder h (hours) if the entry's last
	// reminder is still from, and reports whether it did: of several
	// nodes sweeping, one sends each reminder.
	BreachReminded(ctx context.Context, id string, from, h int, e Event, ev audit.Event) (bool, error)
	// RecordAudit appends an audit event alone, for views and exports.
	RecordAudit(ctx context.Context, ev audit.Event) error

	RegisterStore
	AuditStore
}

// AuditStore reads the audit chain for the audit viewer and its exports.
type AuditStore interface {
	// SearchAudit lists an organisation's entries that pass f, before seq
	// (0: from the newest), newest first.
	SearchAudit(ctx context.Context, orgID string, f audit.Filter, before int64, limit int) ([]audit.Entry, error)
	// AuditSpan lists, in order, every entry of the chain (of whatever
	// organisation) from the organisation's first entry at or after from
	// to its last before to; at most limit.
	AuditSpan(ctx context.Context, orgID string, from, to time.Time, limit int) ([]audit.Entry, error)
	// AuditHead returns the chain's last sequence number and hash.
	AuditHead(ctx context.Context) (int64, []byte, error)
	// VerifyAudit walks the whole chain (see identity.Store).
	VerifyAudit(ctx context.Context) (int64, error)
}

// NewBreach is what the DPO fills in to open an entry.
type NewBreach struct {
	Kind       string
	Category   string
	Summary    string
	Affected   int
	Actions    string
	Reportable bool
	AwareAt    time.Time // zero: now
}

// checkText refuses free text that is too long or holds a valid NHS number.
func checkText(what, text string, max int, now time.Time) error {
	if len(text) > max {
		return fault.Invalidf("The " + what + " must be at most " + strconv.Itoa(max) + " characters.")
	}
	for _, m := range pid.Find(text, now) {
		if m.Kind == pid.NHSNumber {
			return fault.Invalidf("The " + what + " holds an NHS number. Describe what happened without patient identifiers; nothing was saved.")
		}
	}
	return nil
}

// check validates n and tidies it.
func (n *NewBreach) check(now time.Time) error {
	n.Kind = strings.TrimSpace(n.Kind)
	if n.Kind == "" {
		n.Kind = KindBreach
	}
	if !slices.Contains(Kinds, n.Kind) {
		return fault.Invalidf("The kind must be one of: " + strings.Join(Kinds, ", ") + ".")
	}
	n.Category = strings.TrimSpace(n.Category)
	if !slices.Contains(Categories, n.Category) {
		return fault.Invalidf("The category must be one of: " + strings.Join(Categories, ", ") + ".")
	}
	n.Summary = strings.TrimSpace(n.Summary)
	if n.Summary == "" {
		return fault.Invalidf("Say what happened in the summary.")
	}
	if err := checkText("summary", n.Summary, MaxSummary, now); err != nil {
		return err
	}
	n.Actions = strings.TrimSpace(n.Actions)
	if err := checkText("actions", n.Actions, MaxActions, now); err != nil {
		return err
	}
	if n.Affected < 0 || n.Affected > MaxAffected {
		return fault.Invalidf("The number of people affected must be from 0 to 100000000.")
	}
	if n.AwareAt.IsZero() {
		n.AwareAt = now
	}
	if n.AwareAt.After(now.Add(time.Minute)) {
		return fault.Invalidf("The time you became aware of it cannot be in the future.")
	}
	return nil
}
