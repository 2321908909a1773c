package messaging

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
)

// Kind is the kind of an entry in a conversation's stream.
type Kind string

// The kinds of stream entry.
const (
	KindCommit      Kind = "commit"
	KindProposal    Kind = "proposal"
	KindApplication Kind = "application"
	// KindDeletion is an entry the server signs to tell members' devices
	// to delete messages (wire.SignedDeletion).
	KindDeletion Kind = "deletion"
)

// Message is one entry of a conversation's stream: an opaque MLSMessage
// with its sequence number. Device is empty for proposals the server sends
// as the groups' external sender.
type Message struct {
	Conversation string
	Seq          int64
	Kind         Kind
	Device       string
	ClientID     string
	Epoch        uint64
	SentAt       time.Time
	Data         []byte
}

// Conversation is an MLS group as the server tracks it.
type Conversation struct {
	ID        string // the group ID, 32 lower-case hex characters
	OrgID     string
	Epoch     uint64
	LastSeq   int64
	CreatedAt time.Time
	// Kind is the conversation's kind (wire.KindClinical and others),
	// which sets how long its messages are kept.
	Kind    string
	Members []Member
	// Admins are the users (IDs) who may add and remove other people.
	Admins []string
	// People are the users (IDs) who belong in the conversation, whichever
	// devices they have now: a device of theirs that is not a member is
	// proposed for adding by the server. Leaving, or being removed by an
	// admin, ends it; signing a device out does not.
	People []string
}

// Member is a device in a conversation.
type Member struct {
	Device    string
	User      string
	Email     string
	Leaf      uint32
	JoinedSeq int64 // the device reads only messages after this one
	Cursor    int64 // the highest sequence number it has acknowledged
	Leaving   bool  // its user left; the server proposes its removal
}

// Membership is a device's place in one conversation.
type Membership struct {
	Conversation string
	LastSeq      int64 // the conversation's newest entry
	JoinedSeq    int64
	Cursor       int64
}

// MembershipLister is a Store that can list a device's memberships
// without loading every member of every conversation, which a socket
// connecting to a large conversation would otherwise do.
type MembershipLister interface {
	Memberships(ctx context.Context, deviceID string) ([]Membership, error)
}

// Credential is what the authentication service issued to a device.
type Credential struct {
	Device       string
	SignatureKey []byte
	Identity     []byte // the BasicCredential identity: JSON signed by the service
	CreatedAt    time.Time
}

// KeyPackage is a device's uploaded KeyPackage (the MLSMessage bytes).
type KeyPackage struct {
	Ref        []byte
	Device     string
	LastResort bool
	Data       []byte
	CreatedAt  time.Time
}

// Welcome is a Welcome message waiting for one device.
type Welcome struct {
	ID           string
	Device       string
	Conversation string
	Seq          int64 // the device joined at this commit
	Welcome      []byte
	RatchetTree  []byte
	CreatedAt    time.Time
}

// Attachment is a client-encrypted blob in a conversation.
type Attachment struct {
	ID           string
	Conversation string
	Device       string
	Size         int64
	Data         []byte
	CreatedAt    time.Time
}

// Quota is how much a person and their organisation may store in
// attachments, in bytes.
type Quota struct {
	User, Org             string
	PersonBytes, OrgBytes int64
}

// OverQuota says which quota an attachment would pass.
type OverQuota struct {
	Org   bool  // the organisation's, rather than the person's
	Limit int64 // bytes
}

func (e *OverQuota) Error() string {
	return fmt.Sprintf("over quota (organisation %v, %d bytes)", e.Org, e.Limit)
}

// PushSubscription is a device's Web Push endpoint and keys.
type PushSubscription struct {
	Device   string
	Endpoint string
	P256DH   string // base64url
	Auth     string // base64url
}

// ServiceKeys are the server's own keys, shared by every node.
type ServiceKeys struct {
	SigningSeed  []byte // Ed25519 seed of the authentication service
	VAPIDPublic  string // base64url uncompressed P-256 point
	VAPIDPrivate string // base64url scalar
}

// CommitRecord is an accepted commit and what it changes, stored at once.
type CommitRecord struct {
	Message  *Message // Kind commit; Seq is assigned by the store
	Epoch    uint64   // the epoch the commit was made in; the new one is Epoch+1
	Removed  []uint32 // leaves whose devices leave
	Added    []Member // new devices and their leaves; JoinedSeq is set by the store
	Claimed  [][]byte // KeyPackageRefs the Adds used (one per Added, in order)
	Welcomes []*Welcome
	Admins   []string // the admins after the commit; nil leaves them as they are
	Joined   []string // users who become people of the conversation
	Gone     []string // users who stop being people of it (removed by an admin)
}

// ServerProposal is a proposal the server sent as the groups' external
// sender: either the removal of the device at RemovedLeaf, or, when
// AddedDevice is set, the addition of that device with the KeyPackage it
// claimed for it.
type ServerProposal struct {
	Ref           []byte
	RemovedLeaf   uint32
	AddedDevice   string
	KeyPackageRef []byte
}

// Send is an application message to append to a stream.
type Send struct {
	Message *Message // Kind application; Seq is assigned by the store
}

// SendResult is the outcome of one Send in a batch.
type SendResult struct {
	Seq       int64
	Duplicate bool   // the client ID was seen before; Seq is the first one's
	Epoch     uint64 // the conversation's epoch, for a stale message
	Err       error
}

// Store keeps what the delivery service needs durably. Methods that change
// a conversation's stream return only after the change is durable.
//
// Errors: a missing row is fault.NotFound; AppendMessages reports a stale
// epoch per send as fault.Conflict with SendResult.Epoch set; Commit
// reports a commit for any epoch but the current one as fault.Conflict
// together with the current epoch.
type Store interface {
	// ServiceKeys returns the stored keys, storing fresh (made by create)
	// if there are none yet, so that every node ends up with the same.
	ServiceKeys(ctx context.Context, create func() (ServiceKeys, error)) (ServiceKeys, error)

	Credential(ctx context.Context, deviceID string) (*Credential, error)
	// PutCredential stores c, replacing the device's key packages if the
	// signature key changed.
	PutCredential(ctx context.Context, c *Credential, ev audit.Event) error

	// AddKeyPackages stores kps (and a last-resort one, replacing the old)
	// and returns the device's stock of unclaimed ordinary KeyPackages.
	AddKeyPackages(ctx context.Context, deviceID string, kps []*KeyPackage, lastResort *KeyPackage) (int, error)
	// ClaimKeyPackage hands out one unclaimed KeyPackage of the device, or
	// its last-resort one when none is left (fault.NotFound if it has
	// neither), and returns the remaining stock.
	ClaimKeyPackage(ctx context.Context, deviceID string, at time.Time) (data []byte, stock int, err error)
	KeyPackageStock(ctx context.Context, deviceID string) (int, error)
	// KeyPackageDevice returns the device a claimed KeyPackage belongs to.
	KeyPackageDevice(ctx context.Context, ref []byte) (string, error)

	CreateConversation(ctx context.Context, c *Conversation, creator Member) error
	// Conversation returns c with its members (user and email filled in).
	Conversation(ctx context.Context, id string) (*Conversation, error)
	// ListConversations lists the conversations a device is a member of.
	ListConversations(ctx context.Context, deviceID string) ([]*Conversation, error)
	// Commit stores an accepted commit if the conversation is still at
	// r.Epoch, and returns its sequence number.
	Commit(ctx context.Context, r *CommitRecord) (int64, error)
	// AppendProposal stores a proposal the server sends as external sender,
	// if the conversation is at m.Epoch (else fault.Conflict).
	AppendProposal(ctx context.Context, m *Message, p ServerProposal) (int64, error)
	// Proposal resolves a reference to a proposal of the server's in the
	// stream at epoch.
	Proposal(ctx context.Context, conversation string, epoch uint64, ref []byte) (*ServerProposal, error)
	// JoiningDevices lists the devices that belong in the conversation and
	// are not in it: devices of its people that are not revoked, have a
	// credential, are not members, and have no Add proposal of the server's
	// in the current epoch.
	JoiningDevices(ctx context.Context, conversation string) ([]string, error)
	// AddPerson makes the user one of the conversation's people, before
	// any device of theirs can be added.
	AddPerson(ctx context.Context, conversation string, userIDs ...string) error
	// PersonConversations lists the conversations the user is one of the
	// people of.
	PersonConversations(ctx context.Context, userID string) ([]string, error)
	// AppendMessages stores a batch of sends in one transaction, giving
	// each a result in order.
	AppendMessages(ctx context.Context, sends []Send) ([]SendResult, error)
	// Messages lists a stream's entries after seq, in order.
	Messages(ctx context.Context, conversation string, after int64, limit int) ([]*Message, error)
	SetCursor(ctx context.Context, conversation, deviceID string, seq int64) error
	// SetCursors moves many cursors forward in one transaction.
	SetCursors(ctx context.Context, cs []Cursor) error
	// DepartingMembers lists members whose devices have been revoked or
	// whose users have left.
	DepartingMembers(ctx context.Context, conversation string) ([]Member, error)
	// Leave marks every device of the user in the conversation as leaving,
	// and the user as no longer one of its people.
	Leave(ctx context.Context, conversation, userID string) error
	// AddAdmin makes the user an admin of the conversation.
	AddAdmin(ctx context.Context, conversation, userID string) error

	Welcomes(ctx context.Context, deviceID string) ([]*Welcome, error)
	DeleteWelcome(ctx context.Context, deviceID, id string) error

	// PutAttachment stores an attachment if its sender (q.User) and their
	// organisation stay within their quotas, and otherwise answers a
	// fault.Conflict caused by an *OverQuota.
	PutAttachment(ctx context.Context, a *Attachment, q Quota) error
	Attachment(ctx context.Context, id string) (*Attachment, error)

	// AddPIDOverrides counts one message sent after a patient-data
	// warning, once for each kind it held, on day (YYYY-MM-DD).
	AddPIDOverrides(ctx context.Context, orgID, day string, kinds []string) error
	// PIDOverrides returns the organisation's counts for the days from
	// and to (inclusive, YYYY-MM-DD), by day and kind.
	PIDOverrides(ctx context.Context, orgID, from, to string) ([]PIDOverride, error)

	PutPushSubscription(ctx context.Context, s *PushSubscription, at time.Time) error
	DeletePushSubscription(ctx context.Context, deviceID string) error
	PushSubscription(ctx context.Context, deviceID string) (*PushSubscription, error)

	// Expunge deletes what x selects of one conversation's stream and
	// attachments, and appends the entry x.Entry makes of what it deleted,
	// in one transaction; it returns that entry, or nil when nothing was
	// deleted.
	Expunge(ctx context.Context, x *Expunge) (*Message, error)
}

// Expunge selects what to delete of a conversation: the application
// messages Seqs and attachments Attachments (a filing), or every
// application message sent and attachment stored before Before
// (retention), except those sent in a Keep span. Handshake entries sent
// before Before that every member has read go too, and Welcomes no device
// waits for.
type Expunge struct {
	Conversation string
	Seqs         []int64
	Attachments  []string
	Before       time.Time
	Keep         []Span
	// Limit bounds the messages one Expunge by Before looks at (0: all),
	// so that a long sweep holds the stream's writer a short while each
	// time; the caller repeats until fewer come back.
	Limit int
	// Entry makes the deletion entry from the sequence numbers deleted and
	// those of application messages kept between the first and the last
	// deleted, so that the entry's ranges skip them.
	Entry func(deleted, kept []int64) (*Message, error)
}

// Span is a period of time; a zero end is open.
type Span struct{ From, To time.Time }

// Contains reports whether t falls in the span.
func (s Span) Contains(t time.Time) bool {
	return (s.From.IsZero() || !t.Before(s.From)) && (s.To.IsZero() || t.Before(s.To))
}

// PIDOverride is how many messages holding one kind of patient data were
// sent anyway, after the warning, on one day in one organisation.
type PIDOverride struct {
	Day   string // YYYY-MM-DD, UK time
	Kind  string
	Count int64
}
