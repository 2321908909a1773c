package mls

import (
	"bytes"
	"fmt"
)

// Received describes a message the group has processed.
type Received struct {
	// ContentType says what the message carried.
	ContentType ContentType
	// Sender is who sent it; for members Sender.Index is the leaf.
	Sender Sender
	// Epoch is the epoch the message was sent in; it is earlier than the
	// group's for an application message read with Config.PastEpochs.
	Epoch uint64
	// AuthenticatedData is the sender's unencrypted associated data.
	AuthenticatedData []byte
	// ApplicationData is the plaintext of an application message.
	ApplicationData []byte
	// Proposal is the proposal of a proposal message, now cached for the
	// next commit.
	Proposal *Proposal
	// ProposalRef is the reference of that proposal, which
	// DiscardProposal takes.
	ProposalRef []byte
	// Commit summarises what a commit changed.
	Commit *CommitChanges
	// NewEpoch is set when a commit moved the group to a new epoch.
	NewEpoch bool
	// Removed is set when a commit removed this member; the group can no
	// longer be used.
	Removed bool
}

// Process decodes and processes an encoded MLSMessage carrying a
// PublicMessage or PrivateMessage.
func (g *Group) Process(msg []byte) (*Received, error) {
	m, err := DecodeMLSMessage(msg)
	if err != nil {
		return nil, err
	}
	return g.ProcessMessage(m)
}

// ProcessMessage verifies and processes a PublicMessage or PrivateMessage:
// application data is decrypted and returned, proposals are cached and
// commits are applied. A commit this member sent is merged if it is the
// pending one.
func (g *Group) ProcessMessage(m *MLSMessage) (*Received, error) {
	if g.removed {
		return nil, ErrNotMember
	}
	ac, err := g.unprotect(m)
	if err != nil {
		return nil, err
	}
	fc := &ac.Content
	r := &Received{ContentType: fc.ContentType, Sender: fc.Sender, Epoch: fc.Epoch, AuthenticatedData: fc.AuthenticatedData}
	switch fc.ContentType {
	case ContentApplication:
		r.ApplicationData = fc.ApplicationData
	case ContentProposal:
		ref, err := g.cacheProposal(ac)
		if err != nil {
			return nil, err
		}
		r.Proposal, r.ProposalRef = fc.Proposal, ref
	case ContentCommit:
		if fc.Sender.Type == SenderMember && leafIndex(fc.Sender.Index) == g.own {
			if g.pending == nil || !bytes.Equal(g.pending.content, ac.Bytes()) {
				return nil, fmt.Errorf("%w: own commit is not the pending one", ErrInvalidCommit)
			}
			r.Commit = g.pending.changes
			if err := g.MergePendingCommit(); err != nil {
				return nil, err
			}
			r.NewEpoch = true
			return r, nil
		}
		changes, err := g.processCommit(ac)
		if err != nil {
			return nil, err
		}
		r.Commit = changes
		g.discardPending()
		r.NewEpoch, r.Removed = !g.removed, g.removed
	}
	return r, nil
}

// unprotect checks a message's framing, removes its encryption, and
// verifies its signature and membership tag.
func (g *Group) unprotect(m *MLSMessage) (*AuthenticatedContent, error) {
	var ac *AuthenticatedContent
	switch {
	case m.WireFormat == WireFormatPublicMessage && m.PublicMessage != nil:
		pm := m.PublicMessage
		if err := g.checkEpoch(pm.Content.GroupID, pm.Content.Epoch); err != nil {
			return nil, err
		}
		if pm.Content.ContentType == ContentApplication {
			return nil, fmt.Errorf("%w: application data in a public message", ErrInvalidMessage)
		}
		if err := pm.checkMembershipTag(g.secrets.membership, &g.ctx); err != nil {
			return nil, err
		}
		ac = pm.authenticatedContent()
	case m.WireFormat == WireFormatPrivateMessage && m.PrivateMessage != nil:
		pm := m.PrivateMessage
		if err := g.checkEpoch(pm.GroupID, pm.Epoch); err != nil {
			if !bytes.Equal(pm.GroupID, g.ctx.GroupID) || pm.Epoch > g.ctx.Epoch {
				return nil, err
			}
			return g.unprotectPast(pm)
		}
		var err error
		if ac, err = decryptContent(pm, g.st, g.secrets.senderData); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
		}
	default:
		return nil, fmt.Errorf("%w: wire format %d is not a group message", ErrInvalidMessage, m.WireFormat)
	}
	fc := &ac.Content
	if fc.ContentType == ContentCommit && len(ac.Auth.ConfirmationTag) == 0 {
		return nil, fmt.Errorf("%w: commit without confirmation tag", ErrInvalidMessage)
	}
	key, err := g.senderKey(ac)
	if err != nil {
		return nil, err
	}
	if err := ac.verify(key, &g.ctx); err != nil {
		return nil, err
	}
	return ac, nil
}

func (g *Group) checkEpoch(groupID []byte, epoch uint64) error {
	if !bytes.Equal(groupID, g.ctx.GroupID) {
		return ErrWrongGroup
	}
	if epoch != g.ctx.Epoch {
		return fmt.Errorf("%w: epoch %d, group is at %d", ErrWrongEpoch, epoch, g.ctx.Epoch)
	}
	return nil
}

// senderKey returns the signature key that must have signed ac.
func (g *Group) senderKey(ac *AuthenticatedContent) ([]byte, error) {
	fc := &ac.Content
	switch fc.Sender.Type {
	case SenderMember:
		l := g.tree.Leaf(leafIndex(fc.Sender.Index))
		if l == nil {
			return nil, fmt.Errorf("%w: sender leaf %d is blank", ErrInvalidMessage, fc.Sender.Index)
		}
		return l.SignatureKey, nil
	case SenderExternal:
		if ac.WireFormat != WireFormatPublicMessage || fc.ContentType != ContentProposal {
			return nil, fmt.Errorf("%w: external sender may only send public proposals", ErrInvalidMessage)
		}
		senders, err := externalSenders(g.ctx.Extensions)
		if err != nil {
			return nil, err
		}
		if int(fc.Sender.Index) >= len(senders) {
			return nil, fmt.Errorf("%w: unknown external sender %d", ErrInvalidMessage, fc.Sender.Index)
		}
		return senders[fc.Sender.Index].SignatureKey, nil
	case SenderNewMemberCommit:
		if ac.WireFormat != WireFormatPublicMessage || fc.ContentType != ContentCommit || fc.Commit.Path == nil {
			return nil, fmt.Errorf("%w: malformed external commit", ErrInvalidMessage)
		}
		return fc.Commit.Path.LeafNode.SignatureKey, nil
	case SenderNewMemberProposal:
		if ac.WireFormat != WireFormatPublicMessage || fc.ContentType != ContentProposal ||
			fc.Proposal.Type != ProposalAdd {
			return nil, fmt.Errorf("%w: malformed new-member proposal", ErrInvalidMessage)
		}
		return fc.Proposal.Add.KeyPackage.LeafNode.SignatureKey, nil
	}
	return nil, fmt.Errorf("%w: sender type %d", ErrInvalidMessage, fc.Sender.Type)
}

// cacheProposal validates a received proposal enough to reference it and
// keeps it for the next commit, returning its reference.
func (g *Group) cacheProposal(ac *AuthenticatedContent) ([]byte, error) {
	fc := &ac.Content
	p := fc.Proposal
	if p.Type == ProposalUpdate {
		if fc.Sender.Type != SenderMember {
			return nil, fmt.Errorf("%w: update from a non-member", ErrInvalidMessage)
		}
		c := g.leafCheck(g.ctx.Extensions)
		c.Source, c.Leaf = LeafNodeSourceUpdate, leafIndex(fc.Sender.Index)
		if err := p.Update.LeafNode.Validate(c); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
		}
	}
	if p.Type == ProposalExternalInit {
		return nil, fmt.Errorf("%w: external init sent as a proposal", ErrInvalidMessage)
	}
	ref := MakeProposalRef(ac.Bytes())
	for _, cp := range g.proposals {
		if bytes.Equal(cp.ref, ref) {
			return ref, nil
		}
	}
	g.proposals = append(g.proposals, cachedProposal{ref: ref, proposal: p, sender: fc.Sender})
	return ref, nil
}

// DiscardProposal forgets a cached proposal, so that the next commit
// leaves it out (RFC 9420 §12.2 lets a committer omit proposals it judges
// invalid). It reports whether the proposal was cached.
func (g *Group) DiscardProposal(ref []byte) bool {
	for i, cp := range g.proposals {
		if bytes.Equal(cp.ref, ref) {
			g.proposals = append(g.proposals[:i], g.proposals[i+1:]...)
			return true
		}
	}
	return false
}

// ExternalSender is an entry of the external_senders extension.
type ExternalSender struct {
	SignatureKey []byte
	Credential   Credential
}

// externalSenders decodes the group's external_senders extension.
func externalSenders(ext Extensions) ([]ExternalSender, error) {
	b, ok := ext.Find(ExtensionExternalSenders)
	if !ok {
		return nil, nil
	}
	var out []ExternalSender
	err := decodeAll(b, func(d *Decoder) {
		d.ReadVector(func(d *Decoder) {
			var s ExternalSender
			s.SignatureKey = d.Opaque()
			s.Credential.Decode(d)
			out = append(out, s)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("external senders extension: %w", err)
	}
	return out, nil
}
