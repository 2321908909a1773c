package records

import (
	"context"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
)

// Rule is how long an organisation keeps one kind of conversation.
type Rule struct {
	OrgID string
	Kind  string
	// MaxAge is how long messages are kept; 0 keeps them, for Reason.
	MaxAge    time.Duration
	Reason    string
	UpdatedAt time.Time
}

// Hold is a legal hold: on one conversation, on every conversation of one
// person, or on a period of every conversation of the organisation.
type Hold struct {
	ID           string
	OrgID        string
	Conversation string
	UserID       string
	From, To     time.Time // a period hold; To is exclusive
	Case         string    // the case reference (FOI, SAR, complaint…)
	PlacedBy     string    // a user ID, or audit.ActorCLI
	PlacedAt     time.Time
	ReleasedAt   time.Time
	ReleasedBy   string
}

// Filing is messages a member filed to the record, to be deleted once
// DueAt passes and no hold applies.
type Filing struct {
	ID           string
	OrgID        string
	Conversation string
	Device       string // the filer's device
	User         string // the filer
	Seqs         []int64
	Attachments  []string
	// FirstSent and LastSent span when the filed messages were sent; the
	// store sets them from the stream.
	FirstSent, LastSent time.Time
	FiledAt             time.Time
	DueAt               time.Time
	DeletedAt           time.Time
	DeletionSeq         int64 // the deletion entry in the stream
}

// Confirmation is a device told to delete a filing's messages, and when it
// confirmed that it had (zero: not yet).
type Confirmation struct {
	Device      string
	Email       string
	DeviceName  string
	ConfirmedAt time.Time
}

// Due is a conversation with messages older than its kind's retention.
type Due struct {
	Conversation string
	OrgID        string
	Before       time.Time
}

// Store keeps the records rules.
//
// Errors: a missing row is fault.NotFound; ReleaseHold of a released hold
// is fault.Conflict.
type Store interface {
	// SetRule stores (replacing) a kind's rule.
	SetRule(ctx context.Context, r *Rule, ev audit.Event) error
	Rules(ctx context.Context, orgID string) ([]*Rule, error)
	SetFiledGrace(ctx context.Context, orgID string, grace time.Duration, ev audit.Event) error
	FiledGrace(ctx context.Context, orgID string) (time.Duration, error)
	// SetConversationKind changes a conversation's kind.
	SetConversationKind(ctx context.Context, conversation, kind string, ev audit.Event) error

	PutHold(ctx context.Context, h *Hold, ev audit.Event) error
	Hold(ctx context.Context, id string) (*Hold, error)
	// Holds lists the organisation's holds, the released ones too when
	// released is set, newest first.
	Holds(ctx context.Context, orgID string, released bool) ([]*Hold, error)
	ReleaseHold(ctx context.Context, id, by string, at time.Time, ev audit.Event) error

	// PutFiling stores a filing, setting FirstSent and LastSent; a
	// sequence number that is not an application message of the
	// conversation is fault.Invalid.
	PutFiling(ctx context.Context, f *Filing, ev audit.Event) error
	Filing(ctx context.Context, id string) (*Filing, error)
	// DueFilings lists filings not yet deleted whose DueAt is at or before
	// at, by ID after the ID after.
	DueFilings(ctx context.Context, at time.Time, after string, limit int) ([]*Filing, error)
	// FilingDeleted records the deletion of a filing's messages at
	// deletion entry seq, and the devices told to delete them.
	FilingDeleted(ctx context.Context, id string, at time.Time, seq int64, devices []string, ev audit.Event) error
	// ConfirmDeletion records a device's confirmation (once; later ones
	// change nothing). A device not told to delete is fault.NotFound.
	ConfirmDeletion(ctx context.Context, filing, device string, at time.Time) error
	Confirmations(ctx context.Context, filing string) ([]Confirmation, error)

	// RetentionDue lists the conversations holding application messages or
	// attachments older than their kind's retention allows at time at.
	RetentionDue(ctx context.Context, at time.Time) ([]Due, error)
	// Swept records in the audit chain what a sweep deleted (counts).
	Swept(ctx context.Context, ev audit.Event) error
}
