package mls

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"time"
)

// Errors returned by group operations.
var (
	ErrWrongEpoch     = errors.New("mls: message from another epoch")
	ErrWrongGroup     = errors.New("mls: message for another group")
	ErrInvalidCommit  = errors.New("mls: invalid commit")
	ErrInvalidWelcome = errors.New("mls: invalid welcome")
	ErrNotMember      = errors.New("mls: this member has been removed from the group")
	ErrPendingCommit  = errors.New("mls: a commit of ours is pending")
	ErrNoPending      = errors.New("mls: no pending commit")
	ErrUnknownPSK     = errors.New("mls: unknown pre-shared key")
)

// maxResumptionEpochs bounds how many past epochs' resumption PSKs a group
// keeps for PreSharedKey proposals.
const maxResumptionEpochs = 32

// Config holds what a Group needs from its caller. The zero value is the
// strict one: every credential is refused until ValidateCredential says
// otherwise, KeyPackage lifetimes are checked against the system clock,
// and proposals and commits are encrypted. Each permissive choice has to
// be named.
type Config struct {
	// ValidateCredential is the authentication service: it is called for
	// every credential the group learns of (members in a joined tree,
	// added KeyPackages, updated and committed leaves) and must return an
	// error if the credential does not bind the identity to signatureKey.
	// Without it, every credential is refused unless AcceptAnyCredential
	// is set.
	ValidateCredential func(c *Credential, signatureKey []byte) error
	// AcceptAnyCredential, with no ValidateCredential, accepts every
	// credential: for tests against other implementations only.
	AcceptAnyCredential bool
	// ExternalPSK returns the secret of an external pre-shared key.
	ExternalPSK func(id []byte) ([]byte, bool)
	// Now returns the current time for KeyPackage lifetime checks; nil
	// means time.Now.
	Now func() time.Time
	// SkipLifetimes turns the KeyPackage lifetime checks off: for test
	// vectors made long ago.
	SkipLifetimes bool
	// PublicHandshake sends proposals and commits as PublicMessages, so
	// that a delivery service can read membership changes (Switchboard's
	// does); otherwise they are PrivateMessages.
	PublicHandshake bool
	// PaddingBlock pads PrivateMessage plaintexts to a multiple of this
	// many bytes (0 or 1: no padding).
	PaddingBlock int
	// PastEpochs is how many earlier epochs (at most 8) keep the keys to
	// read application messages sent before a commit but delivered after
	// it. Zero, the default, refuses them, for the strongest forward
	// secrecy.
	PastEpochs int
}

// errNoAuthenticationService refuses credentials when Config names no
// way to check them.
var errNoAuthenticationService = errors.New("mls: no authentication service is configured (Config.ValidateCredential)")

// credential returns the credential check to apply: the caller's, none
// when it accepts any, or one that refuses all.
func (c *Config) credential() func(*Credential, []byte) error {
	switch {
	case c.ValidateCredential != nil:
		return c.ValidateCredential
	case c.AcceptAnyCredential:
		return nil
	}
	return func(*Credential, []byte) error { return errNoAuthenticationService }
}

func (c *Config) now() uint64 {
	if c.SkipLifetimes {
		return 0
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	t := now().Unix()
	if t < 0 {
		return 0
	}
	return uint64(t)
}

// epochState is everything that changes with each epoch.
type epochState struct {
	ctx     GroupContext
	tree    *RatchetTree
	keys    *TreePrivateKeys
	interim []byte
	confTag []byte
	secrets *epochSecrets
	st      *secretTree
}

func (s *epochState) wipe() {
	if s.keys != nil {
		s.keys.Wipe()
	}
	if s.secrets != nil {
		s.secrets.wipe()
	}
	if s.st != nil {
		s.st.wipe()
	}
}

// cachedProposal is a proposal received (or sent) in the current epoch.
type cachedProposal struct {
	ref      []byte
	proposal *Proposal
	sender   Sender
}

// Group is one member's view of an MLS group. It is not safe for
// concurrent use.
type Group struct {
	cfg     Config
	sigPriv []byte
	sigKey  []byte // sigPriv expanded, once: see signingKey
	epochState
	own        leafIndex
	removed    bool
	proposals  []cachedProposal
	updateKeys map[string][]byte // own Update proposal ref → new leaf private key
	resumption map[uint64][]byte // epoch → resumption PSK
	pending    *pendingCommit
	past       []pastEpoch
}

// GroupID returns the group's identifier.
func (g *Group) GroupID() []byte { return bytes.Clone(g.ctx.GroupID) }

// Epoch returns the current epoch.
func (g *Group) Epoch() uint64 { return g.ctx.Epoch }

// OwnLeaf returns this member's leaf index.
func (g *Group) OwnLeaf() uint32 { return uint32(g.own) }

// Active reports whether this member is still in the group.
func (g *Group) Active() bool { return !g.removed }

// Context returns a copy of the current GroupContext.
// Once the member has left the group it is the context of the last epoch
// it belonged to.
func (g *Group) Context() GroupContext {
	gc := g.ctx
	gc.GroupID = bytes.Clone(gc.GroupID)
	gc.TreeHash = bytes.Clone(gc.TreeHash)
	gc.ConfirmedTranscriptHash = bytes.Clone(gc.ConfirmedTranscriptHash)
	gc.Extensions = gc.Extensions.clone()
	return gc
}

// Member is one occupied leaf of the group.
type Member struct {
	Leaf         uint32
	Credential   Credential
	SignatureKey []byte
}

// Members lists the current members in leaf order.
func (g *Group) Members() []Member {
	if g.removed {
		return nil
	}
	var out []Member
	for _, i := range g.tree.Members() {
		l := g.tree.Leaf(i)
		out = append(out, Member{Leaf: uint32(i), Credential: l.Credential.clone(), SignatureKey: bytes.Clone(l.SignatureKey)})
	}
	return out
}

// RatchetTree returns the encoded ratchet tree, for sending beside a
// Welcome when it does not carry the tree itself.
func (g *Group) RatchetTree() []byte {
	if g.removed {
		return nil
	}
	return g.tree.Bytes()
}

// EpochAuthenticator returns the epoch authenticator, which members can
// compare out of band to confirm they share the epoch (RFC 9420 §8.7).
// It is nil once the member has left the group.
func (g *Group) EpochAuthenticator() []byte {
	if g.removed {
		return nil
	}
	return bytes.Clone(g.secrets.authentication)
}

// Export derives an application secret from the epoch (MLS-Exporter,
// RFC 9420 §8.5).
func (g *Group) Export(label string, context []byte, length int) ([]byte, error) {
	if g.removed {
		return nil, ErrNotMember
	}
	if length <= 0 || length > 255*HashLen {
		return nil, fmt.Errorf("mls: export length %d out of range", length)
	}
	return exportSecret(g.secrets.exporter, label, context, length)
}

// HasPendingCommit reports whether a commit of this member awaits
// MergePendingCommit or DiscardPendingCommit.
func (g *Group) HasPendingCommit() bool { return g.pending != nil }

// signingKey returns the member's signature key in its expanded form,
// computed once: signing with a seed derives the public key first, which
// costs as much again as the signature itself.
func (g *Group) signingKey() []byte {
	if len(g.sigKey) == 0 {
		k, err := SignaturePrivateKey(g.sigPriv)
		if err != nil {
			return g.sigPriv // signing reports the error
		}
		g.sigKey = k
	}
	return g.sigKey
}

// Close zeroes every secret the group holds; afterwards every operation
// fails with ErrNotMember.
func (g *Group) Close() {
	g.removed = true
	g.epochState.wipe()
	g.wipePast()
	zero(g.sigPriv)
	zero(g.sigKey)
	for _, k := range g.updateKeys {
		zero(k)
	}
	for _, r := range g.resumption {
		zero(r)
	}
	if g.pending != nil {
		g.pending.next.wipe()
		g.pending = nil
	}
}

// NewKeyPackage creates a KeyPackage for credential with fresh init and
// encryption keys and the signature key sigPriv (an Ed25519 seed). The
// lifetime runs from now-1h to now+lifetime.
func NewKeyPackage(credential Credential, sigPriv []byte, now time.Time, lifetime time.Duration) (*KeyPackage, *KeyPackagePrivate, error) {
	sigPub, err := SignaturePublicKey(sigPriv)
	if err != nil {
		return nil, nil, err
	}
	initPriv, initPub, err := GenerateHPKEKeyPair()
	if err != nil {
		return nil, nil, err
	}
	encPriv, encPub, err := GenerateHPKEKeyPair()
	if err != nil {
		return nil, nil, err
	}
	start := now.Add(-time.Hour).Unix()
	if start < 0 {
		start = 0
	}
	kp := &KeyPackage{
		Version:     ProtocolVersionMLS10,
		CipherSuite: CipherSuiteMLS128X25519,
		InitKey:     initPub,
		LeafNode: LeafNode{
			EncryptionKey: encPub,
			SignatureKey:  sigPub,
			Credential:    credential.clone(),
			Capabilities:  defaultCapabilities(),
			Source:        LeafNodeSourceKeyPackage,
			Lifetime:      Lifetime{NotBefore: uint64(start), NotAfter: uint64(now.Add(lifetime).Unix())},
			Extensions:    Extensions{},
		},
		Extensions: Extensions{},
	}
	if err := kp.LeafNode.Sign(sigPriv, nil, 0); err != nil {
		return nil, nil, err
	}
	if err := kp.sign(sigPriv); err != nil {
		return nil, nil, err
	}
	priv := &KeyPackagePrivate{InitPriv: initPriv, EncryptionPriv: encPriv, SignaturePriv: bytes.Clone(sigPriv)}
	return kp, priv, nil
}

func defaultCapabilities() Capabilities {
	return Capabilities{
		Versions:     []uint16{ProtocolVersionMLS10},
		CipherSuites: []CipherSuite{CipherSuiteMLS128X25519},
		Extensions:   []ExtensionType{},
		Proposals:    []uint16{},
		Credentials:  []CredentialType{CredentialTypeBasic},
	}
}

// CreateGroup starts a one-member group at epoch 0 whose member is the
// holder of kp (RFC 9420 §11). The KeyPackage's init key is not used;
// its private keys are copied, so the caller may wipe priv.
func CreateGroup(cfg Config, groupID []byte, kp *KeyPackage, priv *KeyPackagePrivate) (*Group, error) {
	if err := kp.Validate(LeafNodeCheck{Credential: cfg.credential(), Now: cfg.now()}); err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	if len(groupID) == 0 {
		return nil, fmt.Errorf("create group: empty group id")
	}
	tree := NewRatchetTree(&kp.LeafNode)
	keys, err := NewTreePrivateKeys(0, priv.EncryptionPriv)
	if err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	g := &Group{
		cfg:        cfg,
		sigPriv:    bytes.Clone(priv.SignaturePriv),
		resumption: make(map[uint64][]byte),
		updateKeys: make(map[string][]byte),
	}
	g.tree, g.keys = tree, keys
	g.ctx = GroupContext{
		Version: ProtocolVersionMLS10, CipherSuite: CipherSuiteMLS128X25519,
		GroupID: bytes.Clone(groupID), Epoch: 0, TreeHash: tree.TreeHash(),
		ConfirmedTranscriptHash: []byte{}, Extensions: Extensions{},
	}
	initSecret := make([]byte, HashLen)
	if _, err := rand.Read(initSecret); err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	defer zero(initSecret)
	gcBytes := g.ctx.Bytes()
	joiner, err := joinerSecret(initSecret, make([]byte, HashLen), gcBytes)
	if err != nil {
		return nil, err
	}
	defer zero(joiner)
	if g.secrets, err = deriveEpochSecrets(joiner, make([]byte, HashLen), gcBytes); err != nil {
		return nil, err
	}
	g.confTag = confirmationTag(g.secrets.confirmation, g.ctx.ConfirmedTranscriptHash)
	g.interim = interimTranscriptHash(g.ctx.ConfirmedTranscriptHash, g.confTag)
	g.startEpoch()
	return g, nil
}

// startEpoch builds the secret tree of the current epoch, records the
// resumption PSK and deletes the encryption secret.
func (g *Group) startEpoch() {
	g.st = newSecretTree(g.secrets.encryption, g.tree.NumLeaves())
	zero(g.secrets.encryption)
	zero(g.secrets.joiner)
	zero(g.secrets.welcome)
	g.resumption[g.ctx.Epoch] = bytes.Clone(g.secrets.resumption)
	if old := g.ctx.Epoch; old >= maxResumptionEpochs {
		if r, ok := g.resumption[old-maxResumptionEpochs]; ok {
			zero(r)
			delete(g.resumption, old-maxResumptionEpochs)
		}
	}
	g.proposals = nil
	for k, v := range g.updateKeys {
		zero(v)
		delete(g.updateKeys, k)
	}
}

// leafCheck returns the LeafNodeCheck for leaves entering this group.
func (g *Group) leafCheck(ext Extensions) LeafNodeCheck {
	c := LeafNodeCheck{GroupID: g.ctx.GroupID, Credential: g.cfg.credential(), Now: g.cfg.now()}
	if rc, ok := requiredCapabilities(ext); ok {
		c.Required = rc
	}
	return c
}

// requiredCapabilities decodes the required_capabilities extension; a
// malformed one is refused earlier by checkKnownExtensions.
func requiredCapabilities(ext Extensions) (*RequiredCapabilities, bool) {
	b, ok := ext.Find(ExtensionRequiredCapabilities)
	if !ok {
		return nil, false
	}
	rc := new(RequiredCapabilities)
	if err := decodeAll(b, rc.Decode); err != nil {
		return nil, false
	}
	return rc, true
}
