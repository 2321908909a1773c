package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"time"
)

// The kinds of conversation, chosen at creation. Each kind has its own
// retention in an organisation.
const (
	KindClinical = "clinical" // about patients: the default
	KindTeam     = "team"     // rotas, logistics
	KindIncident = "incident" // a major incident's
)

// ConversationKinds lists every kind, in the order pages offer them.
var ConversationKinds = []string{KindClinical, KindTeam, KindIncident}

// KindDeletion is the kind of a stream entry the server signs to tell
// members' devices to delete messages: Message holds a SignedDeletion.
const KindDeletion = "deletion"

// Deletion is what a server-signed deletion entry in a conversation's
// stream tells members' devices: delete the messages whose sequence
// numbers fall in Ranges (inclusive). Filing is set when a filing to the
// record is why, and each device then confirms its deletion.
type Deletion struct {
	Org          string      `json:"org"` // the organisation's ODS code
	Conversation string      `json:"conversation"`
	Ranges       [][2]uint64 `json:"ranges"`
	Filing       string      `json:"filing,omitempty"`
	At           time.Time   `json:"at"`
}

// SignedDeletion is the data of a deletion entry: the Deletion's JSON and
// the authentication service's Ed25519 signature over the label
// "switchboard deletion v1", a zero byte, and that JSON.
type SignedDeletion struct {
	Deletion  []byte `json:"deletion"`
	Signature []byte `json:"signature"`
}

func deletionTBS(b []byte) []byte {
	return append([]byte("switchboard deletion v1\x00"), b...)
}

// SignDeletion encodes d as a deletion entry's data, signed with the
// service's key.
func SignDeletion(service ed25519.PrivateKey, d *Deletion) ([]byte, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return json.Marshal(SignedDeletion{Deletion: b, Signature: ed25519.Sign(service, deletionTBS(b))})
}

// ErrDeletionSignature is returned for a deletion entry that is not the
// service's, or not about the conversation it arrived in.
var ErrDeletionSignature = errors.New("deletion entry: the service signature does not verify")

// OpenDeletion checks a deletion entry's signature with serviceKey and
// that it is about conversation, and returns what it says.
func OpenDeletion(data, serviceKey []byte, conversation string) (*Deletion, error) {
	var sd SignedDeletion
	if err := json.Unmarshal(data, &sd); err != nil {
		return nil, ErrDeletionSignature
	}
	if len(serviceKey) != ed25519.PublicKeySize || !ed25519.Verify(serviceKey, deletionTBS(sd.Deletion), sd.Signature) {
		return nil, ErrDeletionSignature
	}
	var d Deletion
	dec := json.NewDecoder(bytes.NewReader(sd.Deletion))
	if err := dec.Decode(&d); err != nil || d.Conversation != conversation {
		return nil, ErrDeletionSignature
	}
	return &d, nil
}

// Covers reports whether seq falls in one of the deletion's ranges.
func (d *Deletion) Covers(seq uint64) bool {
	for _, r := range d.Ranges {
		if seq >= r[0] && seq <= r[1] {
			return true
		}
	}
	return false
}

// Period is a span of time a legal hold covers; a zero end is open.
type Period struct {
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
}

// Holds reports whether t falls in the period.
func (p Period) Holds(t time.Time) bool {
	return (p.From == nil || !t.Before(*p.From)) && (p.To == nil || t.Before(*p.To))
}

// RecordsRules is what a device is told of how long its conversations are
// kept: GET /api/records. Members see that a hold applies, never why.
type RecordsRules struct {
	// FiledGraceSeconds is how long filed messages stay before deletion.
	FiledGraceSeconds int64                `json:"filed_grace_seconds"`
	Conversations     []ConversationRecord `json:"conversations"`
}

// ConversationRecord is one conversation's records rules.
type ConversationRecord struct {
	ID   string `json:"id"`
	Kind string `json:"kind" ts:"'clinical' | 'team' | 'incident'"`
	// MaxAgeSeconds is how long messages are kept; 0 keeps them.
	MaxAgeSeconds int64 `json:"max_age_seconds"`
	// Set is false while the organisation has set nothing for the kind.
	Set bool `json:"set"`
	// Held lists the periods a legal hold keeps; a hold on the whole
	// conversation is one open period.
	Held []Period `json:"held"`
}

// NewFiling is the body of POST /api/conversations/{id}/filings: the
// messages (stream sequence numbers) a member filed to the record, and
// the attachments they carry.
type NewFiling struct {
	Seqs        []uint64 `json:"seqs"`
	Attachments []string `json:"attachments,omitempty"`
}

// Filing is a filing to the record as the server keeps it: never where
// the messages went, which only members read.
type Filing struct {
	ID           string    `json:"id"`
	Conversation string    `json:"conversation"`
	FiledBy      string    `json:"filed_by"` // email
	Seqs         []uint64  `json:"seqs"`
	FiledAt      time.Time `json:"filed_at"`
	DueAt        time.Time `json:"due_at"`
	// DeletedAt is when the server deleted the messages; Held says a
	// legal hold keeps them past DueAt.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
	Held      bool       `json:"held"`
	// Devices are the member devices told to delete, and when each
	// confirmed; empty until the deletion.
	Devices []DeletionReceipt `json:"devices"`
}

// DeletionReceipt is one device's confirmation of a deletion.
type DeletionReceipt struct {
	Device      string     `json:"device"`
	Email       string     `json:"email"`
	DeviceName  string     `json:"device_name"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// RetentionRule is how long an organisation keeps one kind of
// conversation: GET and PUT /api/admin/retention.
type RetentionRule struct {
	Kind          string `json:"kind" ts:"'clinical' | 'team' | 'incident'"`
	MaxAgeSeconds int64  `json:"max_age_seconds"` // 0: kept, for Reason
	Keep          bool   `json:"keep"`
	Reason        string `json:"reason,omitempty"`
	Set           bool   `json:"set"`
}

// Retention is the organisation's records rules, as its admins set them.
type Retention struct {
	FiledGraceSeconds int64           `json:"filed_grace_seconds"`
	Rules             []RetentionRule `json:"rules"`
}

// Hold is a legal hold as the DPO sees it.
type Hold struct {
	ID           string     `json:"id"`
	Conversation string     `json:"conversation,omitempty"`
	Email        string     `json:"email,omitempty"`
	From         *time.Time `json:"from,omitempty"`
	To           *time.Time `json:"to,omitempty"`
	Case         string     `json:"case"`
	PlacedBy     string     `json:"placed_by"`
	PlacedAt     time.Time  `json:"placed_at"`
	ReleasedAt   *time.Time `json:"released_at,omitempty"`
}

// NewHold is the body of POST /api/dpo/holds: exactly one of
// Conversation, Email, or From with To.
type NewHold struct {
	Conversation string `json:"conversation,omitempty"`
	Email        string `json:"email,omitempty"`
	From         string `json:"from,omitempty"` // YYYY-MM-DD
	To           string `json:"to,omitempty"`   // YYYY-MM-DD, inclusive
	Case         string `json:"case"`
}
