package mls

import (
	"bytes"
)

// Protect encrypts application data for the group as a PrivateMessage
// and returns the encoded MLSMessage. authenticatedData travels
// unencrypted but authenticated.
func (g *Group) Protect(plaintext, authenticatedData []byte) ([]byte, error) {
	if g.removed {
		return nil, ErrNotMember
	}
	ac := &AuthenticatedContent{WireFormat: WireFormatPrivateMessage, Content: FramedContent{
		GroupID: g.ctx.GroupID, Epoch: g.ctx.Epoch,
		Sender:            Sender{Type: SenderMember, Index: uint32(g.own)},
		AuthenticatedData: authenticatedData, ContentType: ContentApplication,
		ApplicationData: plaintext,
	}}
	if err := ac.sign(g.signingKey(), &g.ctx); err != nil {
		return nil, err
	}
	pm, err := encryptContent(ac, g.st, g.secrets.senderData, g.cfg.PaddingBlock)
	if err != nil {
		return nil, err
	}
	return (&MLSMessage{Version: ProtocolVersionMLS10, WireFormat: WireFormatPrivateMessage, PrivateMessage: pm}).Bytes(), nil
}

// propose signs and frames a proposal, caches it for this member's own
// next commit and returns the encoded MLSMessage and its reference.
func (g *Group) propose(p *Proposal) ([]byte, []byte, error) {
	if g.removed {
		return nil, nil, ErrNotMember
	}
	wire := WireFormatPublicMessage
	if !g.cfg.PublicHandshake {
		wire = WireFormatPrivateMessage
	}
	self := Sender{Type: SenderMember, Index: uint32(g.own)}
	ac := &AuthenticatedContent{WireFormat: wire, Content: FramedContent{
		GroupID: g.ctx.GroupID, Epoch: g.ctx.Epoch, Sender: self,
		AuthenticatedData: []byte{}, ContentType: ContentProposal, Proposal: p,
	}}
	if err := ac.sign(g.signingKey(), &g.ctx); err != nil {
		return nil, nil, err
	}
	msg := &MLSMessage{Version: ProtocolVersionMLS10, WireFormat: wire}
	if wire == WireFormatPublicMessage {
		msg.PublicMessage = newPublicMessage(ac, g.secrets.membership, &g.ctx)
	} else {
		pm, err := encryptContent(ac, g.st, g.secrets.senderData, g.cfg.PaddingBlock)
		if err != nil {
			return nil, nil, err
		}
		msg.PrivateMessage = pm
	}
	ref := MakeProposalRef(ac.Bytes())
	g.proposals = append(g.proposals, cachedProposal{ref: ref, proposal: p, sender: self})
	return msg.Bytes(), ref, nil
}

// ProposeAdd proposes adding the holder of kp and returns the encoded
// proposal message.
func (g *Group) ProposeAdd(kp *KeyPackage) ([]byte, error) {
	if g.removed {
		return nil, ErrNotMember
	}
	c := g.leafCheck(g.ctx.Extensions)
	c.GroupID = nil
	if err := kp.Validate(c); err != nil {
		return nil, err
	}
	msg, _, err := g.propose(&Proposal{Type: ProposalAdd, Add: &AddProposal{KeyPackage: *kp}})
	return msg, err
}

// ProposeRemove proposes removing the member at leaf.
func (g *Group) ProposeRemove(leaf uint32) ([]byte, error) {
	if g.removed {
		return nil, ErrNotMember
	}
	if g.tree.Leaf(leafIndex(leaf)) == nil {
		return nil, ErrBlankLeaf
	}
	msg, _, err := g.propose(&Proposal{Type: ProposalRemove, Remove: &RemoveProposal{Removed: leaf}})
	return msg, err
}

// ProposeUpdate proposes replacing this member's leaf with one holding a
// fresh encryption key. Another member must commit it.
func (g *Group) ProposeUpdate() ([]byte, error) {
	if g.removed {
		return nil, ErrNotMember
	}
	priv, pub, err := GenerateHPKEKeyPair()
	if err != nil {
		return nil, err
	}
	leaf := g.tree.Leaf(g.own).Clone()
	leaf.EncryptionKey = pub
	leaf.Source = LeafNodeSourceUpdate
	leaf.Lifetime = Lifetime{}
	leaf.ParentHash = nil
	if err := leaf.Sign(g.signingKey(), g.ctx.GroupID, g.own); err != nil {
		zero(priv)
		return nil, err
	}
	msg, ref, err := g.propose(&Proposal{Type: ProposalUpdate, Update: &UpdateProposal{LeafNode: *leaf}})
	if err != nil {
		zero(priv)
		return nil, err
	}
	g.updateKeys[string(ref)] = bytes.Clone(priv)
	zero(priv)
	return msg, nil
}
