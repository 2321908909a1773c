package mls

import (
	"bytes"
	"fmt"
)

// resolvedProposal is a proposal of a commit with its original sender and,
// if it was sent by reference, its ProposalRef.
type resolvedProposal struct {
	proposal *Proposal
	sender   Sender
	ref      []byte
}

// appliedProposals is the outcome of applying a commit's proposals to a
// copy of the tree (RFC 9420 §12.3).
type appliedProposals struct {
	tree         *RatchetTree
	updated      []leafIndex
	removed      []leafIndex
	extChanged   bool
	extensions   Extensions
	joiners      []leafIndex
	added        []*KeyPackage
	psks         []PreSharedKeyID
	externalInit *ExternalInitProposal
	reinit       *ReInitProposal
	pathRequired bool
	selfRemoved  bool
	ownUpdateKey []byte // new own leaf private key if an own Update is committed
}

// CommitChanges summarises what a commit changed, for display.
type CommitChanges struct {
	// Committer is the leaf of the member (or external joiner) that
	// committed.
	Committer uint32
	// Added, Removed and Updated list the leaves concerned.
	Added, Removed, Updated []uint32
	// ExtensionsChanged is set when the GroupContext extensions changed.
	ExtensionsChanged bool
	// PSKs counts the pre-shared keys injected.
	PSKs int
}

func (a *appliedProposals) changes(committer leafIndex) *CommitChanges {
	c := &CommitChanges{Committer: uint32(committer), ExtensionsChanged: a.extChanged, PSKs: len(a.psks)}
	for _, l := range a.joiners {
		c.Added = append(c.Added, uint32(l))
	}
	for _, l := range a.removed {
		c.Removed = append(c.Removed, uint32(l))
	}
	for _, l := range a.updated {
		c.Updated = append(c.Updated, uint32(l))
	}
	return c
}

func commitErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidCommit, fmt.Sprintf(format, args...))
}

// resolveProposals turns a commit's ProposalOrRef list into proposals,
// looking references up among this epoch's cached proposals.
func (g *Group) resolveProposals(committer Sender, list []ProposalOrRef) ([]resolvedProposal, error) {
	out := make([]resolvedProposal, 0, len(list))
	for _, por := range list {
		switch por.Type {
		case ProposalOrRefProposal:
			if por.Proposal == nil {
				return nil, commitErr("empty proposal")
			}
			out = append(out, resolvedProposal{proposal: por.Proposal, sender: committer})
		case ProposalOrRefReference:
			if committer.Type != SenderMember {
				return nil, commitErr("external commit refers to proposals")
			}
			var found *cachedProposal
			for i := range g.proposals {
				if bytes.Equal(g.proposals[i].ref, por.Reference) {
					found = &g.proposals[i]
					break
				}
			}
			if found == nil {
				return nil, commitErr("unknown proposal reference")
			}
			out = append(out, resolvedProposal{proposal: found.proposal, sender: found.sender, ref: found.ref})
		default:
			return nil, commitErr("invalid proposal-or-ref")
		}
	}
	return out, nil
}

// applyProposals checks a commit's proposals (RFC 9420 §12.2) and applies
// them, in the order the RFC prescribes, to a copy of the tree.
func (g *Group) applyProposals(committer Sender, props []resolvedProposal) (*appliedProposals, error) {
	a := &appliedProposals{tree: g.tree.Clone(), extensions: g.ctx.Extensions}
	external := committer.Type == SenderNewMemberCommit
	if len(props) == 0 {
		a.pathRequired = true
	}
	byType := make(map[ProposalType][]resolvedProposal)
	touched := make(map[leafIndex]bool)
	pskSeen := make(map[string]bool)
	for _, rp := range props {
		p := rp.proposal
		switch p.Type {
		case ProposalAdd, ProposalPreSharedKey, ProposalReInit:
		case ProposalUpdate, ProposalRemove, ProposalExternalInit, ProposalGroupContextExtensions:
			a.pathRequired = true
		default:
			return nil, commitErr("unsupported proposal type %d", p.Type)
		}
		if p.body() == nil {
			return nil, commitErr("proposal type %d without body", p.Type)
		}
		byType[p.Type] = append(byType[p.Type], rp)
		switch p.Type {
		case ProposalUpdate:
			if rp.sender.Type != SenderMember {
				return nil, commitErr("update from a non-member")
			}
			if committer.Type == SenderMember && rp.sender.Index == committer.Index {
				return nil, commitErr("committer updates its own leaf by proposal")
			}
			if touched[leafIndex(rp.sender.Index)] {
				return nil, commitErr("leaf %d updated or removed twice", rp.sender.Index)
			}
			touched[leafIndex(rp.sender.Index)] = true
		case ProposalRemove:
			r := leafIndex(p.Remove.Removed)
			if committer.Type == SenderMember && uint32(r) == committer.Index {
				return nil, commitErr("committer removes itself")
			}
			if touched[r] {
				return nil, commitErr("leaf %d updated or removed twice", r)
			}
			touched[r] = true
		case ProposalPreSharedKey:
			var e Encoder
			p.PreSharedKey.PSK.Encode(&e)
			if pskSeen[string(e.Bytes())] {
				return nil, commitErr("duplicate PSK")
			}
			pskSeen[string(e.Bytes())] = true
		}
	}
	if len(byType[ProposalGroupContextExtensions]) > 1 {
		return nil, commitErr("more than one group context extensions proposal")
	}
	if len(byType[ProposalReInit]) > 0 && len(props) != 1 {
		return nil, commitErr("reinit with other proposals")
	}
	if n := len(byType[ProposalExternalInit]); external != (n == 1) || n > 1 {
		return nil, commitErr("external init proposals do not match the sender")
	}
	if external {
		for _, rp := range props {
			switch rp.proposal.Type {
			case ProposalExternalInit, ProposalRemove, ProposalPreSharedKey:
			default:
				return nil, commitErr("proposal type %d in an external commit", rp.proposal.Type)
			}
		}
		if len(byType[ProposalRemove]) > 1 {
			return nil, commitErr("external commit removes more than one member")
		}
		a.externalInit = byType[ProposalExternalInit][0].proposal.ExternalInit
	}
	if r := byType[ProposalReInit]; len(r) == 1 {
		a.reinit = r[0].proposal.ReInit
	}

	for _, rp := range byType[ProposalGroupContextExtensions] {
		a.extensions = rp.proposal.GroupContextExtensions.Extensions
		a.extChanged = true
		if err := a.extensions.checkUnique(); err != nil {
			return nil, commitErr("group context extensions: %v", err)
		}
		if err := checkKnownExtensions(a.extensions); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		if err := g.checkExtensionsSupported(a.tree, a.extensions); err != nil {
			return nil, err
		}
	}
	check := g.leafCheck(a.extensions)
	for _, rp := range byType[ProposalUpdate] {
		i := leafIndex(rp.sender.Index)
		if a.tree.Leaf(i) == nil {
			return nil, commitErr("update of blank leaf %d", i)
		}
		c := check
		c.Source, c.Leaf = LeafNodeSourceUpdate, i
		leaf := &rp.proposal.Update.LeafNode
		if err := leaf.Validate(c); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		if err := a.tree.CheckNewLeaf(leaf, int64(i)); err != nil {
			return nil, fmt.Errorf("%w: update: %w", ErrInvalidCommit, err)
		}
		if err := a.tree.UpdateLeaf(i, leaf); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		a.updated = append(a.updated, i)
		if i == g.own {
			k, ok := g.updateKeys[string(rp.ref)]
			if !ok {
				return nil, commitErr("own update without its private key")
			}
			a.ownUpdateKey = k
		}
	}
	for _, rp := range byType[ProposalRemove] {
		r := leafIndex(rp.proposal.Remove.Removed)
		if err := a.tree.RemoveLeaf(r); err != nil {
			return nil, fmt.Errorf("%w: remove: %w", ErrInvalidCommit, err)
		}
		a.removed = append(a.removed, r)
		if r == g.own && !external {
			a.selfRemoved = true
		}
	}
	for _, rp := range byType[ProposalAdd] {
		kp := &rp.proposal.Add.KeyPackage
		c := check
		c.GroupID = nil
		if err := kp.Validate(c); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		if err := a.tree.CheckNewLeaf(&kp.LeafNode, -1); err != nil {
			return nil, fmt.Errorf("%w: add: %w", ErrInvalidCommit, err)
		}
		i, err := a.tree.AddLeaf(&kp.LeafNode)
		if err != nil {
			return nil, fmt.Errorf("%w: add: %w", ErrInvalidCommit, err)
		}
		a.joiners = append(a.joiners, i)
		a.added = append(a.added, kp)
	}
	for _, rp := range byType[ProposalPreSharedKey] {
		id := rp.proposal.PreSharedKey.PSK
		if id.Type == PSKResumption && id.Usage != ResumptionApplication {
			return nil, commitErr("resumption PSK with usage %d", id.Usage)
		}
		if len(id.Nonce) != HashLen {
			return nil, commitErr("PSK nonce of %d bytes", len(id.Nonce))
		}
		a.psks = append(a.psks, id)
	}
	return a, nil
}

// checkKnownExtensions fails if a GroupContext extension this package
// interprets is malformed.
func checkKnownExtensions(ext Extensions) error {
	if b, ok := ext.Find(ExtensionRequiredCapabilities); ok {
		if err := decodeAll(b, new(RequiredCapabilities).Decode); err != nil {
			return fmt.Errorf("required_capabilities: %w", err)
		}
	}
	if _, err := externalSenders(ext); err != nil {
		return err
	}
	return nil
}

// checkExtensionsSupported fails unless every member lists every
// non-default extension type of ext in its capabilities.
func (g *Group) checkExtensionsSupported(tree *RatchetTree, ext Extensions) error {
	for _, m := range tree.Members() {
		caps := &tree.Leaf(m).Capabilities
		for _, x := range ext {
			if x.ExtensionType.isDefault() {
				continue
			}
			supported := false
			for _, t := range caps.Extensions {
				if t == x.ExtensionType {
					supported = true
					break
				}
			}
			if !supported {
				return commitErr("member %d does not support extension %d", m, x.ExtensionType)
			}
		}
	}
	if rc, ok := requiredCapabilities(ext); ok {
		for _, m := range tree.Members() {
			if err := rc.supportedBy(&tree.Leaf(m).Capabilities); err != nil {
				return commitErr("member %d: %v", m, err)
			}
		}
	}
	return nil
}

// resolvePSKs looks up the secrets of the PSKs a commit or Welcome names.
func (g *Group) resolvePSKs(ids []PreSharedKeyID) ([]pskInput, error) {
	out := make([]pskInput, 0, len(ids))
	for _, id := range ids {
		var secret []byte
		switch id.Type {
		case PSKExternal:
			if g.cfg.ExternalPSK != nil {
				if s, ok := g.cfg.ExternalPSK(id.ID); ok {
					secret = s
				}
			}
		case PSKResumption:
			if bytes.Equal(id.GroupID, g.ctx.GroupID) {
				secret = g.resumption[id.Epoch]
			}
		}
		if secret == nil {
			return nil, ErrUnknownPSK
		}
		out = append(out, pskInput{ID: id, PSK: secret})
	}
	return out, nil
}
