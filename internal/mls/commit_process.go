package mls

import (
	"bytes"
	"crypto/hpke"
	"fmt"
)

// commitInputs are what the key schedule of a new epoch needs from a
// commit: its signed content, its applied proposals, the commit secret
// of its path and this member's private keys for the new tree.
type commitInputs struct {
	ac           *AuthenticatedContent
	applied      *appliedProposals
	commitSecret []byte // nil: no path (all zero)
	keys         *TreePrivateKeys
}

// provisionalContext is the GroupContext an UpdatePath is encrypted under:
// the new epoch, tree hash and extensions with the old transcript hash.
func (g *Group) provisionalContext(treeHash []byte, ext Extensions) GroupContext {
	return GroupContext{
		Version: g.ctx.Version, CipherSuite: g.ctx.CipherSuite, GroupID: g.ctx.GroupID,
		Epoch: g.ctx.Epoch + 1, TreeHash: treeHash,
		ConfirmedTranscriptHash: g.ctx.ConfirmedTranscriptHash, Extensions: ext,
	}
}

// externalInitSecret recovers the init secret of an external commit from
// its KEM output and this epoch's external secret (RFC 9420 §8.3).
func externalInitSecret(externalSecret, kemOutput []byte) ([]byte, error) {
	priv, _, err := DeriveKeyPair(externalSecret)
	if err != nil {
		return nil, err
	}
	defer zero(priv)
	kem, kdf, aead := hpkeSuite()
	k, err := kem.NewPrivateKey(priv)
	if err != nil {
		return nil, ErrBadKey
	}
	r, err := hpke.NewRecipient(kemOutput, k, kdf, aead, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: external init", ErrInvalidCommit)
	}
	return r.Export("MLS 1.0 external init secret", HashLen)
}

// deriveNext runs the transcript and key schedule for a commit and returns
// the new epoch's state and the joiner secret and PSK secret (for a
// Welcome). The confirmation tag is not checked here.
func (g *Group) deriveNext(in commitInputs) (*epochState, []byte, []byte, error) {
	a := in.applied
	next := &epochState{tree: a.tree, keys: in.keys}
	confirmed := confirmedTranscriptHash(g.interim, in.ac.confirmedTranscriptInput())
	next.ctx = GroupContext{
		Version: g.ctx.Version, CipherSuite: g.ctx.CipherSuite, GroupID: bytes.Clone(g.ctx.GroupID),
		Epoch: g.ctx.Epoch + 1, TreeHash: a.tree.TreeHash(),
		ConfirmedTranscriptHash: confirmed, Extensions: a.extensions.clone(),
	}
	gcBytes := next.ctx.Bytes()
	initSecret := g.secrets.init
	if a.externalInit != nil {
		s, err := externalInitSecret(g.secrets.external, a.externalInit.KEMOutput)
		if err != nil {
			return nil, nil, nil, err
		}
		defer zero(s)
		initSecret = s
	}
	commitSecret := in.commitSecret
	if commitSecret == nil {
		commitSecret = make([]byte, HashLen)
	}
	psks, err := g.resolvePSKs(a.psks)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
	}
	pskSec, err := pskSecret(psks)
	if err != nil {
		return nil, nil, nil, err
	}
	joiner, err := joinerSecret(initSecret, commitSecret, gcBytes)
	if err != nil {
		return nil, nil, nil, err
	}
	if next.secrets, err = deriveEpochSecrets(joiner, pskSec, gcBytes); err != nil {
		return nil, nil, nil, err
	}
	next.confTag = confirmationTag(next.secrets.confirmation, confirmed)
	next.interim = interimTranscriptHash(confirmed, next.confTag)
	return next, joiner, pskSec, nil
}

// processCommit applies a verified commit from another member (or an
// external joiner) and moves the group to the next epoch.
func (g *Group) processCommit(ac *AuthenticatedContent) (*CommitChanges, error) {
	fc := &ac.Content
	c := fc.Commit
	props, err := g.resolveProposals(fc.Sender, c.Proposals)
	if err != nil {
		return nil, err
	}
	applied, err := g.applyProposals(fc.Sender, props)
	if err != nil {
		return nil, err
	}
	if applied.reinit != nil {
		return nil, commitErr("reinit is not supported")
	}
	if applied.pathRequired && c.Path == nil {
		return nil, commitErr("path required but absent")
	}
	var sender leafIndex
	switch fc.Sender.Type {
	case SenderMember:
		sender = leafIndex(fc.Sender.Index)
	case SenderNewMemberCommit:
		// An external commit may remove only the joiner's own old leaf.
		for _, r := range applied.removed {
			if old := g.tree.Leaf(r); old == nil || !old.Credential.Equal(&c.Path.LeafNode.Credential) {
				return nil, commitErr("external commit removes leaf %d of another member", r)
			}
		}
		// The joiner's leaf goes where an Add would put it; it is filled in
		// by MergeUpdatePath, which must not see its keys as reused.
		placeholder := c.Path.LeafNode.Clone()
		placeholder.EncryptionKey = nil
		i, err := applied.tree.AddLeaf(placeholder)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		sender = i
	default:
		return nil, commitErr("sender type %d cannot commit", fc.Sender.Type)
	}

	keys := g.keys.Clone()
	if applied.ownUpdateKey != nil {
		pub, err := HPKEPublicKeyOf(applied.ownUpdateKey)
		if err != nil {
			return nil, err
		}
		keys.set(g.own.node(), nodeKeyPair{priv: bytes.Clone(applied.ownUpdateKey), pub: pub})
	}
	var commitSecret []byte
	if c.Path != nil && !applied.selfRemoved {
		check := g.leafCheck(applied.extensions)
		if err := applied.tree.MergeUpdatePath(sender, c.Path, applied.joiners, check); err != nil {
			keys.Wipe()
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		keys.Prune(applied.tree)
		pgc := g.provisionalContext(applied.tree.TreeHash(), applied.extensions)
		commitSecret, err = keys.DecryptUpdatePath(applied.tree, sender, c.Path, applied.joiners, pgc.Bytes())
		if err != nil {
			keys.Wipe()
			return nil, fmt.Errorf("%w: %w", ErrInvalidCommit, err)
		}
		defer zero(commitSecret)
	}
	if applied.selfRemoved {
		keys.Wipe()
		g.epochState.wipe()
		g.wipePast()
		g.removed = true
		return applied.changes(sender), nil
	}
	keys.Prune(applied.tree)
	next, joiner, psk, err := g.deriveNext(commitInputs{ac: ac, applied: applied, commitSecret: commitSecret, keys: keys})
	if err != nil {
		keys.Wipe()
		return nil, err
	}
	zero(joiner)
	zero(psk)
	if !verifyMAC(next.secrets.confirmation, next.ctx.ConfirmedTranscriptHash, ac.Auth.ConfirmationTag) {
		next.wipe()
		return nil, commitErr("confirmation tag mismatch")
	}
	g.install(next)
	return applied.changes(sender), nil
}

// install replaces the current epoch with next.
func (g *Group) install(next *epochState) {
	g.retire()
	g.epochState.wipe()
	g.epochState = *next
	g.startEpoch()
}
