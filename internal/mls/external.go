package mls

import (
	"bytes"
	"crypto/hpke"
	"fmt"
)

// GroupInfo returns an encoded MLSMessage carrying a signed GroupInfo for
// the current epoch with the external_pub extension, so that a client
// can join by external commit (RFC 9420 §12.4.3.2). withTree adds the
// ratchet tree.
func (g *Group) GroupInfo(withTree bool) ([]byte, error) {
	if g.removed {
		return nil, ErrNotMember
	}
	pub, err := externalPublicKey(g.secrets.external)
	if err != nil {
		return nil, err
	}
	var e Encoder
	e.Opaque(pub)
	gi := &GroupInfo{GroupContext: g.ctx, ConfirmationTag: g.confTag, Signer: uint32(g.own),
		Extensions: Extensions{{ExtensionType: ExtensionExternalPub, Data: e.Bytes()}}}
	if withTree {
		gi.Extensions = append(gi.Extensions, Extension{ExtensionType: ExtensionRatchetTree, Data: g.tree.Bytes()})
	}
	if err := gi.sign(g.signingKey()); err != nil {
		return nil, err
	}
	return (&MLSMessage{Version: ProtocolVersionMLS10, WireFormat: WireFormatGroupInfo, GroupInfo: gi}).Bytes(), nil
}

// JoinExternal joins the group that groupInfo describes by external commit
// (RFC 9420 §12.4.3.2) with a new leaf for credential and the signature
// key sigPriv. tree is the group's ratchet tree if it is not in the
// GroupInfo. It returns the joined group, already in the new epoch, and
// the encoded commit, which the delivery service must accept before the
// group is used; if it refuses it, the returned Group must be discarded.
func JoinExternal(cfg Config, groupInfo *GroupInfo, tree *RatchetTree, credential Credential, sigPriv []byte) (*Group, []byte, error) {
	return joinExternal(cfg, groupInfo, tree, credential, sigPriv, nil)
}

// RejoinExternal is JoinExternal for a member that lost its state: the
// external commit also removes its old leaf, which must carry the same
// credential (RFC 9420 §12.4.3.2, resynchronisation).
func RejoinExternal(cfg Config, groupInfo *GroupInfo, tree *RatchetTree, credential Credential, sigPriv []byte, oldLeaf uint32) (*Group, []byte, error) {
	return joinExternal(cfg, groupInfo, tree, credential, sigPriv, &oldLeaf)
}

func joinExternal(cfg Config, groupInfo *GroupInfo, tree *RatchetTree, credential Credential, sigPriv []byte, oldLeaf *uint32) (*Group, []byte, error) {
	gi := groupInfo
	gc := gi.GroupContext
	if gc.Version != ProtocolVersionMLS10 || gc.CipherSuite != CipherSuiteMLS128X25519 {
		return nil, nil, fmt.Errorf("join external: %w", ErrUnsupportedSuite)
	}
	if tree == nil {
		b, ok := gi.Extensions.Find(ExtensionRatchetTree)
		if !ok {
			return nil, nil, welcomeErr("no ratchet tree")
		}
		var err error
		if tree, err = DecodeRatchetTree(b); err != nil {
			return nil, nil, welcomeErr("ratchet tree: %v", err)
		}
	} else {
		tree = tree.Clone()
	}
	// Lifetimes are not checked in a received tree: a member who never
	// updates keeps its KeyPackage leaf, and RFC 9420 §7.3 only recommends
	// the check there. KeyPackages being added are checked.
	check := TreeCheck{GroupID: gc.GroupID, Credential: cfg.credential()}
	if err := checkKnownExtensions(gc.Extensions); err != nil {
		return nil, nil, welcomeErr("%v", err)
	}
	if rc, ok := requiredCapabilities(gc.Extensions); ok {
		check.Required = rc
	}
	if err := tree.Validate(check); err != nil {
		return nil, nil, welcomeErr("%v", err)
	}
	if !bytes.Equal(tree.TreeHash(), gc.TreeHash) {
		return nil, nil, welcomeErr("tree hash mismatch")
	}
	signer := tree.Leaf(leafIndex(gi.Signer))
	if signer == nil {
		return nil, nil, welcomeErr("signer leaf %d is blank", gi.Signer)
	}
	if err := gi.verify(signer.SignatureKey); err != nil {
		return nil, nil, welcomeErr("%v", err)
	}
	extPubBytes, ok := gi.Extensions.Find(ExtensionExternalPub)
	if !ok {
		return nil, nil, welcomeErr("no external_pub extension")
	}
	var extPub []byte
	if err := decodeAll(extPubBytes, func(d *Decoder) { extPub = d.Opaque() }); err != nil {
		return nil, nil, welcomeErr("external_pub: %v", err)
	}
	kemOutput, initSecret, err := externalInitSender(extPub)
	if err != nil {
		return nil, nil, err
	}
	defer zero(initSecret)

	// The joiner acts as a group of the old epoch with no secrets but the
	// init secret, then commits as a new member.
	sigPub, err := SignaturePublicKey(sigPriv)
	if err != nil {
		return nil, nil, err
	}
	template := &LeafNode{
		SignatureKey: sigPub, Credential: credential.clone(), Capabilities: defaultCapabilities(),
		Source: LeafNodeSourceCommit, Extensions: Extensions{},
	}
	g := &Group{cfg: cfg, sigPriv: bytes.Clone(sigPriv), resumption: make(map[uint64][]byte), updateKeys: make(map[string][]byte)}
	g.ctx, g.tree = gc, tree
	g.interim = interimTranscriptHash(gc.ConfirmedTranscriptHash, gi.ConfirmationTag)
	g.secrets = &epochSecrets{init: initSecret}
	self := Sender{Type: SenderNewMemberCommit}
	props := []ProposalOrRef{{Type: ProposalOrRefProposal, Proposal: &Proposal{
		Type: ProposalExternalInit, ExternalInit: &ExternalInitProposal{KEMOutput: kemOutput}}}}
	if oldLeaf != nil {
		old := tree.Leaf(leafIndex(*oldLeaf))
		if old == nil || !old.Credential.Equal(&credential) {
			return nil, nil, welcomeErr("leaf %d is not this member's", *oldLeaf)
		}
		props = append(props, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: &Proposal{
			Type: ProposalRemove, Remove: &RemoveProposal{Removed: *oldLeaf}}})
	}
	resolved, err := g.resolveProposals(self, props)
	if err != nil {
		return nil, nil, err
	}
	applied, err := g.applyProposals(self, resolved)
	if err != nil {
		return nil, nil, err
	}
	applied.externalInit = nil // the init secret is already known
	own, err := applied.tree.AddLeaf(template)
	if err != nil {
		return nil, nil, err
	}
	g.own = own
	provisional := func(treeHash []byte) ([]byte, error) {
		p := g.provisionalContext(treeHash, applied.extensions)
		return p.Bytes(), nil
	}
	path, keys, commitSecret, err := applied.tree.CreateUpdatePath(own, template, sigPriv, gc.GroupID, nil, provisional)
	if err != nil {
		return nil, nil, err
	}
	defer zero(commitSecret)
	ac := &AuthenticatedContent{WireFormat: WireFormatPublicMessage, Content: FramedContent{
		GroupID: gc.GroupID, Epoch: gc.Epoch, Sender: self, AuthenticatedData: []byte{},
		ContentType: ContentCommit, Commit: &Commit{Proposals: props, Path: path},
	}}
	if err := ac.sign(sigPriv, &g.ctx); err != nil {
		keys.Wipe()
		return nil, nil, err
	}
	next, joiner, psk, err := g.deriveNext(commitInputs{ac: ac, applied: applied, commitSecret: commitSecret, keys: keys})
	if err != nil {
		keys.Wipe()
		return nil, nil, err
	}
	zero(joiner)
	zero(psk)
	ac.Auth.ConfirmationTag = bytes.Clone(next.confTag)
	msg := &MLSMessage{Version: ProtocolVersionMLS10, WireFormat: WireFormatPublicMessage,
		PublicMessage: &PublicMessage{Content: ac.Content, Auth: ac.Auth}}
	g.epochState = *next
	g.startEpoch()
	return g, msg.Bytes(), nil
}

// externalInitSender runs HPKE to the group's external public key and
// returns the KEM output and the exported init secret (RFC 9420 §8.3).
func externalInitSender(extPub []byte) (kemOutput, initSecret []byte, err error) {
	kem, kdf, aead := hpkeSuite()
	pk, err := kem.NewPublicKey(extPub)
	if err != nil {
		return nil, nil, ErrBadKey
	}
	enc, s, err := hpke.NewSender(pk, kdf, aead, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: external init: %w", err)
	}
	secret, err := s.Export("MLS 1.0 external init secret", HashLen)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: external init: %w", err)
	}
	return enc, secret, nil
}

// NewMemberAddProposal lets the holder of kp ask to join a group it is
// not in: an Add proposal for itself, sent as a new_member_proposal
// PublicMessage signed with the KeyPackage's signature key (RFC 9420
// §12.1.8). groupID and epoch come from the group's GroupInfo; a member
// commits the proposal and the Welcome follows.
func NewMemberAddProposal(groupID []byte, epoch uint64, kp *KeyPackage, sigPriv []byte) ([]byte, error) {
	ac := &AuthenticatedContent{WireFormat: WireFormatPublicMessage, Content: FramedContent{
		GroupID: bytes.Clone(groupID), Epoch: epoch,
		Sender:            Sender{Type: SenderNewMemberProposal},
		AuthenticatedData: []byte{}, ContentType: ContentProposal,
		Proposal: &Proposal{Type: ProposalAdd, Add: &AddProposal{KeyPackage: *kp}},
	}}
	if err := ac.sign(sigPriv, nil); err != nil {
		return nil, err
	}
	msg := &MLSMessage{Version: ProtocolVersionMLS10, WireFormat: WireFormatPublicMessage,
		PublicMessage: &PublicMessage{Content: ac.Content, Auth: ac.Auth}}
	return msg.Bytes(), nil
}
