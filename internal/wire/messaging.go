package wire

// Message is one entry of a conversation's stream as clients see it, over
// HTTP (GET /api/conversations/{id}/messages) and in "message" frames.
// Message holds an opaque MLSMessage.
type Message struct {
	Conversation string `json:"conversation"`
	Seq          uint64 `json:"seq"`
	Kind         string `json:"kind"` // "commit", "proposal" or "application"
	Device       string `json:"device"`
	SentAt       string `json:"sent_at"` // RFC 3339
	ClientID     string `json:"client_id"`
	Message      []byte `json:"message"`
}

// The kinds of stream entry.
const (
	KindCommit      = "commit"
	KindProposal    = "proposal"
	KindApplication = "application"
)

// Messages is the answer of GET /api/conversations/{id}/messages.
type Messages struct {
	Messages []Message `json:"messages"`
}

// Welcome is a Welcome waiting for a device (GET /api/welcomes).
type Welcome struct {
	ID           string `json:"id"`
	Conversation string `json:"conversation"`
	Seq          uint64 `json:"seq"`
	Welcome      []byte `json:"welcome"`
	RatchetTree  []byte `json:"ratchet_tree"`
}

// Welcomes is the answer of GET /api/welcomes.
type Welcomes struct {
	Welcomes []Welcome `json:"welcomes"`
}

// CommitRequest is the body of POST /api/conversations/{id}/commits.
type CommitRequest struct {
	Epoch       uint64 `json:"epoch"`
	Commit      []byte `json:"commit"`
	Welcome     []byte `json:"welcome,omitempty"`
	RatchetTree []byte `json:"ratchet_tree,omitempty"`
}

// Stored is the answer to a commit or a send: where the entry was stored,
// and the conversation's epoch after it.
type Stored struct {
	Seq   uint64 `json:"seq"`
	Epoch uint64 `json:"epoch,omitempty"`
}

// KeyPackageClaim is one KeyPackage handed out by
// POST /api/keypackages/claim.
type KeyPackageClaim struct {
	Device     string `json:"device"`
	Email      string `json:"email"`
	KeyPackage []byte `json:"key_package"`
}

// KeyPackageClaims is the answer of POST /api/keypackages/claim.
type KeyPackageClaims struct {
	KeyPackages []KeyPackageClaim `json:"key_packages"`
}

// Service is the answer of GET /api/mls/service: the authentication
// service's signature key, which clients pin, and the ExternalSender the
// server proposes as.
type Service struct {
	SigningKey     []byte `json:"signing_key"`
	ExternalSender []byte `json:"external_sender"`
}
