package consult

import (
	"slices"
	"time"
)

// Status is where a consultation is in its life.
type Status string

// The statuses of a consultation.
const (
	StatusScheduled Status = "scheduled" // booked; nobody admitted yet
	StatusLive      Status = "live"      // someone has been admitted
	StatusEnded     Status = "ended"     // the clinician ended it; links no longer work
	StatusCancelled Status = "cancelled" // ended before anyone was admitted
)

// Mode is how the consultation is being held.
type Mode string

// The modes of a consultation.
const (
	ModeVideo     Mode = "video"
	ModeAudio     Mode = "audio"     // video stepped down to audio only
	ModeTelephone Mode = "telephone" // the clinician switched to a phone call
)

// Modes lists every mode.
var Modes = []Mode{ModeVideo, ModeAudio, ModeTelephone}

// Role is the part a participant plays. The clinician is not a
// participant: they run the consultation through their account.
type Role string

// The roles of participants.
const (
	RolePatient     Role = "patient"
	RoleCarer       Role = "carer"
	RoleInterpreter Role = "interpreter"
	RoleColleague   Role = "colleague"
	RoleOther       Role = "other"
)

// GuestRoles lists the roles a guest may be invited in.
var GuestRoles = []Role{RoleCarer, RoleInterpreter, RoleColleague, RoleOther}

// State is where a participant is.
type State string

// The states of a participant.
const (
	StateInvited  State = "invited"  // has a link, has not entered
	StateWaiting  State = "waiting"  // entered (consented), waits to be admitted
	StateAdmitted State = "admitted" // in the call
)

// Consultation is one booked video consultation with one patient.
type Consultation struct {
	ID           string
	OrgID        string
	ClinicianID  string
	Practice     string // the organisation's name, as shown to patients
	PatientName  string // never logged, audited or sent in a message
	PatientPhone string // E.164-ish digits, may be empty
	PatientEmail string // may be empty
	Reason       string // optional; never logged
	StartsAt     time.Time
	Slot         time.Duration
	Status       Status
	Mode         Mode
	Checklist    *Checklist // nil until the clinician completes it
	Outcome      string
	StartedAt    time.Time // first admission
	EndedAt      time.Time
	CreatedAt    time.Time
	Version      int64 // for optimistic concurrency; the store increments it
}

// EndsAt is the end of the booked slot.
func (c *Consultation) EndsAt() time.Time { return c.StartsAt.Add(c.Slot) }

// Over reports whether the consultation can no longer be joined.
func (c *Consultation) Over() bool { return c.Status == StatusEnded || c.Status == StatusCancelled }

// Identity verification methods for the checklist.
const (
	IdentityNameDOB = "name-dob" // full name and date of birth confirmed
	IdentityKnown   = "known"    // known to the clinician
	IdentityOther   = "other"    // described in IdentityDetail
)

// IdentityMethods lists the checklist's identity verification methods.
var IdentityMethods = []string{IdentityNameDOB, IdentityKnown, IdentityOther}

// Checklist is the clinician's opening checklist (G10), kept as evidence.
type Checklist struct {
	IdentityMethod string
	IdentityDetail string // required when IdentityMethod is IdentityOther
	PrivateSpace   bool   // the patient confirmed they are somewhere private
	OthersPresent  string // who else is present and their relationship, or "None"
	FallbackPhone  string // the number to call if the video fails
	CompletedAt    time.Time
	CompletedBy    string // user ID
}

// DeviceCheck is what a participant's join page found before they entered.
type DeviceCheck struct {
	WebRTC     bool   `json:"webrtc"`
	Camera     bool   `json:"camera"`
	Microphone bool   `json:"microphone"`
	Speaker    bool   `json:"speaker"`
	Connection string `json:"connection"` // "direct", "relay" or "none"
	UplinkKbps int    `json:"uplink_kbps"`
}

// Connections lists the values of DeviceCheck.Connection.
var Connections = []string{"direct", "relay", "none"}

// Participant is someone invited to a consultation by link: the patient or
// a guest.
type Participant struct {
	ID             string
	ConsultID      string
	Role           Role
	Label          string // the guest's name or description as the clinician wrote it; empty for the patient
	Phone          string
	Email          string
	TokenHash      string // hash of the invite link's token
	ExpiresAt      time.Time
	ClaimHash      string // hash of the claim held by the browser that entered; empty until then
	State          State
	Check          *DeviceCheck
	ConsentVersion string
	EnteredAt      time.Time
	AdmittedAt     time.Time
	CreatedAt      time.Time
	Version        int64
}

// Kinds of record in a consultation's timeline.
const (
	RecordScheduled = "scheduled"
	RecordInvited   = "invited"
	RecordConsent   = "consent" // implied consent: entered the waiting room
	RecordAdmitted  = "admitted"
	RecordChecklist = "checklist"
	RecordMode      = "mode"
	RecordOutcome   = "outcome"
	RecordEnded     = "ended"
	RecordSent      = "sent" // an invite was sent by SMS or email
)

// Record is one immutable entry in a consultation's timeline: the evidence
// of what happened, when and by whom. It holds IDs, roles and settings only.
type Record struct {
	Seq           int64 // assigned by the store
	ConsultID     string
	At            time.Time
	Kind          string
	ParticipantID string // the participant concerned, if any
	Actor         string // a user ID, or "participant:ID"
	Detail        map[string]string
}

// Records is a consultation's timeline.
type Records []Record

// First returns the first record of the given kind for the participant
// (any participant when pid is empty).
func (rs Records) First(kind, pid string) (Record, bool) {
	i := slices.IndexFunc(rs, func(r Record) bool { return r.Kind == kind && (pid == "" || r.ParticipantID == pid) })
	if i < 0 {
		return Record{}, false
	}
	return rs[i], true
}
