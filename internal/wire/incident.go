package wire

// The duty-role and major-incident API (docs/incident.md). Times are RFC
// 3339 strings; an empty one is not set.

// Person is someone in the organisation, as the directory shows them.
type Person struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Team  string `json:"team,omitempty"`
}

// DutyRole is a duty role with whoever holds it now (GET /api/duty).
type DutyRole struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Holder *Person `json:"holder,omitempty"` // nil: nobody holds it now
	// Until is when the holder's shift ends; empty: until the next one.
	Until string `json:"until,omitempty"`
	// EscalateTo names the duty role or person (email) unacknowledged
	// urgent messages escalate to after EscalateAfter seconds.
	EscalateTo    string `json:"escalate_to,omitempty"`
	EscalateAfter int    `json:"escalate_after_seconds"`
	MayDeclare    bool   `json:"may_declare"` // its holder may declare a major incident
}

// DutyRoles is the answer of GET /api/duty.
type DutyRoles struct {
	Roles []DutyRole `json:"roles"`
}

// NewDutyRole is the body of POST /api/admin/duty.
type NewDutyRole struct {
	Name          string `json:"name"`
	EscalateTo    string `json:"escalate_to,omitempty"` // a duty role's name or a person's email
	EscalateAfter int    `json:"escalate_after_seconds,omitempty"`
	MayDeclare    bool   `json:"may_declare,omitempty"`
}

// Shift is one entry of a role's rota.
type Shift struct {
	ID     string `json:"id"`
	Person Person `json:"person"`
	From   string `json:"from"`
	Until  string `json:"until,omitempty"`
}

// Rota is the answer of GET /api/duty/{id}/rota: the shifts not yet over.
type Rota struct {
	Role   DutyRole `json:"role"`
	Shifts []Shift  `json:"shifts"`
}

// NewShift is the body of POST /api/admin/duty/{id}/rota.
type NewShift struct {
	Email string `json:"email"`
	From  string `json:"from,omitempty"`  // empty: now
	Until string `json:"until,omitempty"` // empty: until the next shift starts
}

// Handover is the body of POST /api/duty/{id}/handover: the holder (or an
// admin) hands the role to someone now. The note goes end to end
// encrypted into the role's conversations, never here.
type Handover struct {
	Email string `json:"email"`
}

// CallList is a call-in list (GET /api/calllists).
type CallList struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []Person `json:"members"`
}

// CallLists is the answer of GET /api/calllists.
type CallLists struct {
	Lists []CallList `json:"lists"`
}

// NewCallList is the body of POST /api/admin/calllists: a new list, or
// more people on an existing one of that name.
type NewCallList struct {
	Name   string   `json:"name"`
	Emails []string `json:"emails"`
}

// NewConversation is the body of POST /api/conversations. With Role, the
// conversation is a bleep of that duty role (its ID): its people are the
// caller and whoever holds the role, and it follows the role's holder.
type NewConversation struct {
	ID   string `json:"id"`
	Role string `json:"role,omitempty"`
	// Kind is clinical (the default), team or incident: it sets how long
	// the conversation's messages are kept.
	Kind string `json:"kind,omitempty"`
}

// ConversationInfo is the answer of POST /api/conversations and an entry
// of GET /api/conversations.
type ConversationInfo struct {
	ID      string `json:"id"`
	Epoch   uint64 `json:"epoch"`
	LastSeq uint64 `json:"last_seq"`
	// Role is set for a conversation with a duty role.
	Role *DutyRole `json:"role,omitempty"`
	// Incident is set for a major incident's conversation.
	Incident string `json:"incident,omitempty"`
}

// MarkUrgent is the body of POST /api/conversations/{id}/urgent: the
// message (by client ID) the caller just sent is urgent; with Resends, it
// is a copy of that earlier urgent message for people who joined since.
type MarkUrgent struct {
	Message string `json:"message"`
	Resends string `json:"resends,omitempty"`
}

// Urgent is an urgent message's state (GET /api/conversations/{id}/urgent).
type Urgent struct {
	Conversation string      `json:"conversation"`
	Message      string      `json:"message"` // client ID of the first copy
	Latest       string      `json:"latest"`  // client ID of the latest copy
	Seq          uint64      `json:"seq"`
	Sender       Person      `json:"sender"`
	SentAt       string      `json:"sent_at"`
	Open         bool        `json:"open"` // someone has yet to acknowledge
	EscalatedAt  string      `json:"escalated_at,omitempty"`
	EscalatedTo  *Person     `json:"escalated_to,omitempty"`
	Recipients   []Recipient `json:"recipients"`
}

// Recipient is someone who must acknowledge an urgent message.
type Recipient struct {
	Person Person `json:"person"`
	// Via says why they were added after it was sent: "escalation" or
	// "handover"; empty when they were there.
	Via          string `json:"via,omitempty"`
	Delivered    bool   `json:"delivered"` // a device of theirs has it
	Acknowledged string `json:"acknowledged,omitempty"`
}

// UrgentList is the answer of GET /api/conversations/{id}/urgent and of
// GET /api/urgent (the caller's open urgent messages to acknowledge).
type UrgentList struct {
	Urgent []Urgent `json:"urgent"`
}

// Declare is the body of POST /api/incidents. The declaring device has
// made the MLS group Conversation; the server starts it with the people
// of the call-in lists Lists (names) and alerts them.
type Declare struct {
	Conversation string   `json:"conversation"`
	Kind         string   `json:"kind"` // "major" or "standby"
	Exercise     bool     `json:"exercise,omitempty"`
	Lists        []string `json:"lists"`
}

// Incident is a major incident or standby alert.
type Incident struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"` // "Major incident 3", "EXERCISE Standby 4"
	Kind         string         `json:"kind"`
	Exercise     bool           `json:"exercise"`
	Conversation string         `json:"conversation"`
	Commander    Person         `json:"commander"`
	DeclaredAt   string         `json:"declared_at"`
	ClosedAt     string         `json:"closed_at,omitempty"`
	Lists        []IncidentList `json:"lists"`
	// Alerted is, in the answer to a declaration, everyone alerted.
	Alerted []Person `json:"alerted,omitempty"`
}

// IncidentList is a call-in list an incident alerted.
type IncidentList struct {
	Name        string `json:"name"`
	StoodDownAt string `json:"stood_down_at,omitempty"`
}

// Incidents is the answer of GET /api/incidents: the open incidents that
// alerted the caller (all of the organisation's, for admins).
type Incidents struct {
	Incidents []Incident `json:"incidents"`
}

// Respond is the body of POST /api/incidents/{id}/response.
type Respond struct {
	State string `json:"state"` // "available", "en-route" or "unavailable"
	ETA   int    `json:"eta_minutes,omitempty"`
}

// Answer is one person's line on the roll-call board.
type Answer struct {
	Person      Person   `json:"person"`
	Lists       []string `json:"lists"`
	Roles       []string `json:"roles,omitempty"` // duty roles they hold now
	State       string   `json:"state,omitempty"` // empty: no answer yet
	ETA         int      `json:"eta_minutes,omitempty"`
	AlertedAt   string   `json:"alerted_at"`
	AnsweredAt  string   `json:"answered_at,omitempty"`
	StoodDownAt string   `json:"stood_down_at,omitempty"`
}

// Tally counts the answers of one group on the board: a call-in list, a
// duty role or a team. The seconds are from the alert to the first, the
// median and the 90th-percentile answer (nil: nobody answered).
type Tally struct {
	By          string   `json:"by"` // "list", "role" or "team"
	Name        string   `json:"name"`
	Alerted     int      `json:"alerted"`
	Answered    int      `json:"answered"` // whatever the answer, before or after a stand-down
	Available   int      `json:"available"`
	EnRoute     int      `json:"en_route"`
	Unavailable int      `json:"unavailable"`
	NoAnswer    int      `json:"no_answer"`
	StoodDown   int      `json:"stood_down"`
	FirstAnswer *float64 `json:"first_answer_seconds,omitempty"`
	Median      *float64 `json:"median_seconds,omitempty"`
	P90         *float64 `json:"p90_seconds,omitempty"`
}

// Board is the live roll-call board (GET /api/incidents/{id}/board). With
// ?after=VERSION it waits (up to ?wait= seconds, at most 30) until the
// board moves past VERSION and then lists only the answers that changed;
// Tallies are always whole.
type Board struct {
	Incident Incident `json:"incident"`
	Version  int64    `json:"version"`
	Answers  []Answer `json:"answers"`
	Tallies  []Tally  `json:"tallies"`
}

// StandDown is the body of POST /api/incidents/{id}/standdown: the lists
// to stand down ("we have enough anaesthetists").
type StandDown struct {
	Lists []string `json:"lists"`
}

// Commander is the body of POST /api/incidents/{id}/commander.
type Commander struct {
	Email string `json:"email"`
}

// LogEntry is one line of an incident's server-held timeline.
type LogEntry struct {
	At      string  `json:"at"`
	Event   string  `json:"event"` // declared, answered, stood_down, commander, closed, log_exported
	Actor   *Person `json:"actor,omitempty"`
	Subject *Person `json:"subject,omitempty"`
	Detail  string  `json:"detail,omitempty"`
}

// IncidentLog is the answer of GET /api/incidents/{id}/log: what the
// server holds. The commander's client adds the conversation's messages,
// which only members can decrypt.
type IncidentLog struct {
	Incident Incident   `json:"incident"`
	Timeline []LogEntry `json:"timeline"`
	Board    Board      `json:"board"`
}
