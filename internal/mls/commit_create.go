package mls

import (
	"bytes"
	"crypto/rand"
	"fmt"
)

// CommitOptions says what a commit does besides committing the proposals
// cached in this epoch (by reference).
type CommitOptions struct {
	// Add adds the holders of these KeyPackages.
	Add []*KeyPackage
	// Remove removes the members at these leaves.
	Remove []uint32
	// SetExtensions replaces the GroupContext extensions with Extensions.
	SetExtensions bool
	Extensions    Extensions
	// ExternalPSKs injects these external PSKs (looked up in Config).
	ExternalPSKs [][]byte
	// ForcePath includes an UpdatePath even when no proposal requires one,
	// refreshing this member's keys (post-compromise security).
	ForcePath bool
	// AuthenticatedData is sent unencrypted with the commit.
	AuthenticatedData []byte
	// RatchetTreeInWelcome puts the ratchet tree into the Welcome's
	// GroupInfo so joiners need nothing else.
	RatchetTreeInWelcome bool
}

// CommitOutput is what a commit produces for the delivery service.
type CommitOutput struct {
	// Changes summarises what the commit does once merged.
	Changes *CommitChanges
	// Commit is the encoded MLSMessage for the group.
	Commit []byte
	// Welcome is the encoded MLSMessage for the added members, or nil.
	Welcome []byte
}

// pendingCommit is a commit this member sent and the epoch it leads to,
// kept until the delivery service accepts or rejects it.
type pendingCommit struct {
	content []byte // encoded AuthenticatedContent
	next    *epochState
	changes *CommitChanges
}

// Commit creates a commit of the cached proposals plus those in opts. The
// group stays in its epoch until MergePendingCommit (once the delivery
// service has accepted the commit) or DiscardPendingCommit (if it chose
// another). Only one commit can be pending.
func (g *Group) Commit(opts CommitOptions) (*CommitOutput, error) {
	if g.removed {
		return nil, ErrNotMember
	}
	if g.pending != nil {
		return nil, ErrPendingCommit
	}
	self := Sender{Type: SenderMember, Index: uint32(g.own)}
	var cached, byValue []ProposalOrRef
	for _, cp := range g.proposals {
		// A committer cannot commit its own Update nor its own removal.
		if cp.proposal.Type == ProposalUpdate && cp.sender == self {
			continue
		}
		if cp.proposal.Type == ProposalRemove && leafIndex(cp.proposal.Remove.Removed) == g.own {
			continue
		}
		cached = append(cached, ProposalOrRef{Type: ProposalOrRefReference, Reference: cp.ref})
	}
	add := func(p *Proposal) { byValue = append(byValue, ProposalOrRef{Type: ProposalOrRefProposal, Proposal: p}) }
	if opts.SetExtensions {
		add(&Proposal{Type: ProposalGroupContextExtensions, GroupContextExtensions: &GroupContextExtensionsProposal{Extensions: opts.Extensions.clone()}})
	}
	for _, r := range opts.Remove {
		add(&Proposal{Type: ProposalRemove, Remove: &RemoveProposal{Removed: r}})
	}
	for _, kp := range opts.Add {
		add(&Proposal{Type: ProposalAdd, Add: &AddProposal{KeyPackage: *kp}})
	}
	for _, id := range opts.ExternalPSKs {
		nonce, err := randomBytes(HashLen)
		if err != nil {
			return nil, err
		}
		add(&Proposal{Type: ProposalPreSharedKey, PreSharedKey: &PreSharedKeyProposal{
			PSK: PreSharedKeyID{Type: PSKExternal, ID: bytes.Clone(id), Nonce: nonce}}})
	}
	list, applied, err := g.chooseProposals(self, cached, byValue)
	if err != nil {
		return nil, err
	}
	if applied.reinit != nil {
		return nil, fmt.Errorf("%w: reinit is not supported", ErrInvalidCommit)
	}

	commit := &Commit{Proposals: list}
	var commitSecret []byte
	var keys *TreePrivateKeys
	var joinerPathSecrets map[leafIndex][]byte
	if applied.pathRequired || opts.ForcePath {
		template := g.tree.Leaf(g.own).Clone()
		provisional := func(treeHash []byte) ([]byte, error) {
			gc := g.provisionalContext(treeHash, applied.extensions)
			return gc.Bytes(), nil
		}
		path, newKeys, cs, js, err := applied.tree.CreateUpdatePathWithJoiners(g.own, template, g.signingKey(), g.ctx.GroupID, applied.joiners, provisional)
		if err != nil {
			return nil, err
		}
		commit.Path, keys, commitSecret, joinerPathSecrets = path, newKeys, cs, js
		defer zero(commitSecret)
	} else {
		keys = g.keys.Clone()
		keys.Prune(applied.tree)
	}

	wire := WireFormatPublicMessage
	if !g.cfg.PublicHandshake {
		wire = WireFormatPrivateMessage
	}
	ac := &AuthenticatedContent{WireFormat: wire, Content: FramedContent{
		GroupID: g.ctx.GroupID, Epoch: g.ctx.Epoch, Sender: self,
		AuthenticatedData: opts.AuthenticatedData, ContentType: ContentCommit, Commit: commit,
	}}
	if err := ac.sign(g.signingKey(), &g.ctx); err != nil {
		keys.Wipe()
		return nil, err
	}
	next, joiner, psk, err := g.deriveNext(commitInputs{ac: ac, applied: applied, commitSecret: commitSecret, keys: keys})
	if err != nil {
		keys.Wipe()
		return nil, err
	}
	defer zero(joiner)
	defer zero(psk)
	ac.Auth.ConfirmationTag = bytes.Clone(next.confTag)

	defer func() {
		for _, s := range joinerPathSecrets {
			zero(s)
		}
	}()
	out := &CommitOutput{Changes: applied.changes(g.own)}
	msg := &MLSMessage{Version: ProtocolVersionMLS10, WireFormat: wire}
	if wire == WireFormatPublicMessage {
		msg.PublicMessage = newPublicMessage(ac, g.secrets.membership, &g.ctx)
	} else if msg.PrivateMessage, err = encryptContent(ac, g.st, g.secrets.senderData, g.cfg.PaddingBlock); err != nil {
		next.wipe()
		return nil, err
	}
	out.Commit = msg.Bytes()
	if len(applied.joiners) > 0 {
		w, err := g.makeWelcome(next, applied, joiner, psk, joinerPathSecrets, opts.RatchetTreeInWelcome)
		if err != nil {
			next.wipe()
			return nil, err
		}
		out.Welcome = (&MLSMessage{Version: ProtocolVersionMLS10, WireFormat: WireFormatWelcome, Welcome: w}).Bytes()
	}
	g.pending = &pendingCommit{content: ac.Bytes(), next: next, changes: applied.changes(g.own)}
	return out, nil
}

// chooseProposals returns the proposals a commit carries, applied: every
// by-value proposal (an error if they are invalid) and as many of the
// cached ones as can be applied together. Cached proposals that conflict
// (two members proposing the same removal, an update of a removed member,
// an add that is no longer valid) are left out, as RFC 9420 §12.2 allows.
func (g *Group) chooseProposals(self Sender, cached, byValue []ProposalOrRef) ([]ProposalOrRef, *appliedProposals, error) {
	try := func(list []ProposalOrRef) (*appliedProposals, error) {
		props, err := g.resolveProposals(self, list)
		if err != nil {
			return nil, err
		}
		return g.applyProposals(self, props)
	}
	list := append(append([]ProposalOrRef{}, cached...), byValue...)
	applied, err := try(list)
	if err == nil || len(cached) == 0 {
		return list, applied, err
	}
	// Removes are considered first and Updates newest first, as RFC 9420
	// §12.2 recommends; the commit keeps the order they were received in.
	order := make([]int, 0, len(cached))
	for i := range cached {
		if g.cachedType(cached[i]) == ProposalRemove {
			order = append(order, i)
		}
	}
	for i := len(cached) - 1; i >= 0; i-- {
		if g.cachedType(cached[i]) != ProposalRemove {
			order = append(order, i)
		}
	}
	keep := make([]bool, len(cached))
	var kept []ProposalOrRef
	for _, i := range order {
		trial := append(append(append([]ProposalOrRef{}, kept...), cached[i]), byValue...)
		if _, err := try(trial); err == nil {
			kept = append(kept, cached[i])
			keep[i] = true
		}
	}
	list = list[:0]
	for i, c := range cached {
		if keep[i] {
			list = append(list, c)
		}
	}
	list = append(list, byValue...)
	applied, err = try(list)
	return list, applied, err
}

// cachedType returns the type of the cached proposal a reference names.
func (g *Group) cachedType(r ProposalOrRef) ProposalType {
	for i := range g.proposals {
		if bytes.Equal(g.proposals[i].ref, r.Reference) {
			return g.proposals[i].proposal.Type
		}
	}
	return 0
}

// MergePendingCommit moves the group to the epoch of its pending commit,
// once the delivery service has accepted that commit.
func (g *Group) MergePendingCommit() error {
	if g.pending == nil {
		return ErrNoPending
	}
	next := g.pending.next
	g.pending = nil
	g.install(next)
	return nil
}

// DiscardPendingCommit forgets the pending commit, for example when the
// delivery service accepted another member's commit for this epoch.
func (g *Group) DiscardPendingCommit() { g.discardPending() }

func (g *Group) discardPending() {
	if g.pending != nil {
		g.pending.next.wipe()
		g.pending = nil
	}
}

// makeWelcome builds the Welcome for the members a commit adds.
func (g *Group) makeWelcome(next *epochState, applied *appliedProposals, joiner, psk []byte,
	pathSecrets map[leafIndex][]byte, withTree bool,
) (*Welcome, error) {
	gi := &GroupInfo{GroupContext: next.ctx, Extensions: Extensions{}, ConfirmationTag: next.confTag, Signer: uint32(g.own)}
	if withTree {
		gi.Extensions = append(gi.Extensions, Extension{ExtensionType: ExtensionRatchetTree, Data: next.tree.Bytes()})
	}
	if err := gi.sign(g.signingKey()); err != nil {
		return nil, err
	}
	wkn, err := welcomeKeyNonce(joiner, psk)
	if err != nil {
		return nil, err
	}
	defer wkn.wipe()
	w := &Welcome{CipherSuite: g.ctx.CipherSuite}
	if w.EncryptedGroupInfo, err = aeadSeal(wkn.key, wkn.nonce, nil, gi.Bytes()); err != nil {
		return nil, err
	}
	for i, kp := range applied.added {
		gs := GroupSecrets{JoinerSecret: joiner, PathSecret: pathSecrets[applied.joiners[i]], PSKs: applied.psks}
		var e Encoder
		gs.Encode(&e)
		kem, ct, err := EncryptWithLabel(kp.InitKey, "Welcome", w.EncryptedGroupInfo, e.Bytes())
		zero(e.Bytes())
		if err != nil {
			return nil, fmt.Errorf("welcome: %w", err)
		}
		w.Secrets = append(w.Secrets, EncryptedGroupSecrets{
			NewMember:             kp.Ref(),
			EncryptedGroupSecrets: HPKECiphertext{KEMOutput: kem, Ciphertext: ct},
		})
	}
	return w, nil
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("mls: random: %w", err)
	}
	return b, nil
}
