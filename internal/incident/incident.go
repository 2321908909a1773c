package incident

import (
	"context"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
)

// DutyRole is a duty role of an organisation, such as "Medical registrar
// on call": separate from account roles, held in turn by the people the
// rota names.
type DutyRole struct {
	ID    string
	OrgID string
	Name  string
	// Urgent messages to the role that nobody acknowledges within
	// EscalateAfter escalate to the holder of EscalateRole (a duty role
	// ID) or to EscalateUser (a user ID); with neither they only keep
	// re-notifying.
	EscalateRole  string
	EscalateUser  string
	EscalateAfter time.Duration
	// MayDeclare lets the role's holder declare a major incident.
	MayDeclare bool
	// HolderID is the holder the role's conversations follow now; the
	// server moves them when the rota changes holder.
	HolderID  string
	CreatedAt time.Time
}

// Shift is one entry of the rota: UserID holds the role from Start until
// End (zero: until someone else's shift starts). When shifts overlap, the
// one that started last holds the role, so a handover is a new shift from
// the moment of handing over.
type Shift struct {
	ID        string
	RoleID    string
	UserID    string
	Start     time.Time
	End       time.Time
	CreatedAt time.Time
}

// covers reports whether the shift is running at t.
func (s *Shift) covers(t time.Time) bool {
	return !s.Start.After(t) && (s.End.IsZero() || s.End.After(t))
}

// holding returns the shift holding the role at t among shifts: the
// running one that started last.
func holding(shifts []*Shift, t time.Time) *Shift {
	var h *Shift
	for _, s := range shifts {
		if s.covers(t) && (h == nil || s.Start.After(h.Start) || s.Start.Equal(h.Start) && s.CreatedAt.After(h.CreatedAt)) {
			h = s
		}
	}
	return h
}

// CallList is a list of people a major incident alerts ("ED
// consultants", "Theatres").
type CallList struct {
	ID        string
	OrgID     string
	Name      string
	Members   []string // user IDs
	CreatedAt time.Time
}

// RoleConversation is a conversation between a caller and a duty role.
type RoleConversation struct {
	Conversation string
	RoleID       string
	CallerID     string
}

// Urgent is an urgent message: every recipient must acknowledge it. It is
// known by the client ID of the message first sent; LatestID is that of
// its latest copy, sent again for people who joined after it.
type Urgent struct {
	Conversation  string
	ClientID      string
	LatestID      string
	Seq           int64
	SenderID      string
	SenderDevice  string
	RoleID        string // the duty role bleeped, if any
	EscalateAfter time.Duration
	SentAt        time.Time
	NotifiedAt    time.Time // when recipients were last notified
	EscalatedAt   time.Time
	EscalatedTo   string // user ID
	ClosedAt      time.Time
	Recipients    []Recipient
}

// Recipient is someone who must acknowledge an urgent message.
type Recipient struct {
	UserID  string
	Via     string // "" (there when it was sent), ViaEscalation or ViaHandover
	AddedAt time.Time
	AckedAt time.Time
}

// Why a recipient was added after the message was sent.
const (
	ViaEscalation = "escalation"
	ViaHandover   = "handover"
)

// pending lists the recipients yet to acknowledge.
func (u *Urgent) pending() []string {
	var out []string
	for _, r := range u.Recipients {
		if r.AckedAt.IsZero() {
			out = append(out, r.UserID)
		}
	}
	return out
}

// Kind is what an incident declares.
type Kind string

// The kinds of incident (the first line of METHANE).
const (
	Major   Kind = "major"   // major incident declared
	Standby Kind = "standby" // major incident standby
)

// State is a roll-call answer.
type State string

// The roll-call answers; an empty State is no answer yet.
const (
	Available   State = "available"
	EnRoute     State = "en-route"
	Unavailable State = "unavailable"
)

// Response is one person's roll-call answer.
type Response struct {
	UserID string
	State  State
	ETA    int // minutes, with EnRoute
	At     time.Time
}

// Incident is a declared major incident or standby alert.
type Incident struct {
	ID           string
	OrgID        string
	Number       int // counts the organisation's incidents, naming them apart
	Kind         Kind
	Exercise     bool
	Conversation string
	DeclaredBy   string
	CommanderID  string
	DeclaredAt   time.Time
	ClosedAt     time.Time
	Version      int64 // grows with every change of the incident or its board
	Lists        []IncidentList
}

// IncidentList is a call-in list an incident alerted.
type IncidentList struct {
	ListID      string
	Name        string
	StoodDownAt time.Time
}

// Alerted is someone an incident alerted, and their roll-call answer.
type Alerted struct {
	UserID      string
	Email       string // filled in by the store
	Name        string
	Team        string
	Lists       []string // IDs of the incident's lists they are on
	AlertedAt   time.Time
	State       State
	ETA         int // minutes, with EnRoute
	AnsweredAt  time.Time
	StoodDownAt time.Time
	Version     int64
}

// Event is one entry of an incident's timeline.
type Event struct {
	Seq       int64
	At        time.Time
	Kind      string // EventDeclared and the others below
	ActorID   string
	SubjectID string
	Detail    string // a state, an ETA, list names: never text anyone wrote
}

// The kinds of timeline event.
const (
	EventDeclared  = "declared"
	EventAnswered  = "answered"
	EventStoodDown = "stood_down"
	EventCommander = "commander"
	EventClosed    = "closed"
	EventExported  = "log_exported"
)

// Store keeps duty roles, the rota, call-in lists, urgent messages and
// incidents. Errors: a missing row is fault.NotFound, a duplicate name
// fault.Conflict.
type Store interface {
	CreateDutyRole(ctx context.Context, r *DutyRole, ev audit.Event) error
	DutyRoles(ctx context.Context, orgID string) ([]*DutyRole, error)
	DutyRole(ctx context.Context, id string) (*DutyRole, error)
	// AllDutyRoles lists every organisation's duty roles, for the rota
	// sweep.
	AllDutyRoles(ctx context.Context) ([]*DutyRole, error)
	// SetHolder records the holder the role's conversations now follow,
	// if it is still from: it reports false when another node moved the
	// role first.
	SetHolder(ctx context.Context, roleID, from, to string) (bool, error)

	AddShift(ctx context.Context, s *Shift, ev audit.Event) error
	// Shifts lists the role's shifts that have not ended by at, by start.
	Shifts(ctx context.Context, roleID string, at time.Time) ([]*Shift, error)
	// RunningShifts lists every role's shifts running at at.
	RunningShifts(ctx context.Context, at time.Time) ([]*Shift, error)

	CreateCallList(ctx context.Context, l *CallList, ev audit.Event) error
	// AddCallListMembers adds users to a list (those on it already stay).
	AddCallListMembers(ctx context.Context, listID string, users []string, ev audit.Event) error
	// CallLists lists an organisation's call-in lists with their members.
	CallLists(ctx context.Context, orgID string) ([]*CallList, error)

	PutRoleConversation(ctx context.Context, rc *RoleConversation) error
	RoleConversation(ctx context.Context, conversation string) (*RoleConversation, error)
	RoleConversations(ctx context.Context, roleID string) ([]*RoleConversation, error)

	// PutUrgent stores an urgent message and its recipients
	// (fault.Conflict if it is stored already).
	PutUrgent(ctx context.Context, u *Urgent) error
	// UrgentByMessage finds an urgent message by the client ID of its
	// first or latest copy.
	UrgentByMessage(ctx context.Context, conversation, clientID string) (*Urgent, error)
	// ConversationUrgent lists a conversation's urgent messages, newest
	// first: only the open ones with openOnly.
	ConversationUrgent(ctx context.Context, conversation string, openOnly bool) ([]*Urgent, error)
	// DueUrgent lists open urgent messages last notified at or before
	// notifiedBefore, or due to escalate at at and not yet escalated.
	DueUrgent(ctx context.Context, notifiedBefore, at time.Time) ([]*Urgent, error)
	// OpenUrgentIn lists the open urgent messages of the conversations.
	OpenUrgentIn(ctx context.Context, conversations []string) ([]*Urgent, error)
	// PendingUrgent lists the open urgent messages the user has yet to
	// acknowledge, newest first.
	PendingUrgent(ctx context.Context, userID string) ([]*Urgent, error)
	// MessageSeq finds the seq of a message the device sent.
	MessageSeq(ctx context.Context, conversation, deviceID, clientID string) (int64, error)
	// ResendUrgent records a new copy of an urgent message.
	ResendUrgent(ctx context.Context, conversation, clientID, latestID string, seq int64) error
	// AckUrgent records the user's acknowledgement and closes the message
	// once everyone has acknowledged; it reports whether it is closed.
	AckUrgent(ctx context.Context, conversation, clientID, userID string, at time.Time) (bool, error)
	// AddUrgentRecipients adds recipients to the conversation's open
	// urgent messages (to the one with clientID only, if not empty); a
	// user who is one already stays as they are.
	AddUrgentRecipients(ctx context.Context, conversation, clientID string, users []string, via string, at time.Time) error
	// DropUrgentRecipient takes a user who has not acknowledged out of
	// the conversation's open urgent messages (they handed the role over),
	// closing those nobody else must acknowledge.
	DropUrgentRecipient(ctx context.Context, conversation, userID string, at time.Time) error
	// UrgentNotified records a notification at at if the message was last
	// notified at was; false means another node did it first.
	UrgentNotified(ctx context.Context, conversation, clientID string, was, at time.Time) (bool, error)
	// UrgentEscalated records an escalation to to (a user ID, or none) if
	// the message has not escalated yet; false means it had.
	UrgentEscalated(ctx context.Context, conversation, clientID, to string, at time.Time) (bool, error)

	// CreateIncident stores an incident, numbering it, with everyone it
	// alerts and its declaration in the timeline.
	CreateIncident(ctx context.Context, in *Incident, people []*Alerted, ev audit.Event) error
	Incident(ctx context.Context, id string) (*Incident, error)
	// Incidents lists an organisation's incidents, newest first: the
	// open ones with openOnly.
	Incidents(ctx context.Context, orgID string, openOnly bool) ([]*Incident, error)
	// AlertedIn lists the IDs of the incidents that alerted the user.
	AlertedIn(ctx context.Context, userID string) ([]string, error)
	// IncidentPeople lists the people an incident alerted whose row
	// changed after version (0: all of them).
	IncidentPeople(ctx context.Context, id string, after int64) ([]*Alerted, error)
	// Answer records roll-call answers in one transaction, all at one
	// new version, which it returns. errs[i] is fault.NotFound when the
	// user of rs[i] was not alerted (that answer is left out); err is
	// fault.Conflict once the incident is closed.
	Answer(ctx context.Context, id string, rs []Response) (v int64, errs []error, err error)
	// StandDown stands down the given lists (all, when nil) and everyone
	// on them, and returns who was stood down.
	StandDown(ctx context.Context, id string, listIDs []string, actor string, at time.Time, ev audit.Event) ([]string, error)
	SetCommander(ctx context.Context, id, userID, actor string, at time.Time, ev audit.Event) error
	// CloseIncident closes it and stands everyone down.
	CloseIncident(ctx context.Context, id, actor string, at time.Time, ev audit.Event) error
	IncidentEvents(ctx context.Context, id string) ([]Event, error)
	// RecordExport notes in the timeline and the audit chain that the log
	// was exported.
	RecordExport(ctx context.Context, id, actor string, at time.Time, ev audit.Event) error

	// ActiveDevices lists the devices of users that are not revoked.
	ActiveDevices(ctx context.Context, users []string) ([]string, error)
}
