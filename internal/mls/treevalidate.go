package mls

import (
	"bytes"
	"fmt"
	"slices"
)

// TreeCheck describes the group against which a whole ratchet tree is
// validated when joining (RFC 9420 §12.4.3.1).
type TreeCheck struct {
	// GroupID is the signature context of update and commit leaves.
	GroupID []byte
	// Required, if set, lists capabilities every member must support.
	Required *RequiredCapabilities
	// Now, if non-zero, rejects key-package leaves outside their lifetime.
	Now uint64
	// Credential, if set, validates each member's credential.
	Credential func(c *Credential, signatureKey []byte) error
}

// Validate checks the whole tree as a new member must before trusting it
// (RFC 9420 §12.4.3.1): every leaf is valid (§7.3), keys are unique, every
// member supports every credential type in use, unmerged leaves are
// consistent and every non-blank parent is parent-hash valid (§7.9.2).
// The caller compares TreeHash with the GroupInfo.
func (t *RatchetTree) Validate(c TreeCheck) error {
	n := t.NumLeaves()
	if !validLeafCount(n) || len(t.nodes) != int(nodeWidth(n)) {
		return fmt.Errorf("%w: malformed width", ErrInvalidTree)
	}
	members := t.Members()
	if len(members) == 0 {
		return fmt.Errorf("%w: no members", ErrInvalidTree)
	}
	encKeys := make(map[string]nodeIndex)
	sigKeys := make(map[string]leafIndex)
	var inUse []CredentialType
	for _, i := range members {
		leaf := t.nodes[i.node()].leaf
		err := leaf.Validate(LeafNodeCheck{
			GroupID: c.GroupID, Leaf: i, Required: c.Required, Now: c.Now, Credential: c.Credential,
		})
		if err != nil {
			return err
		}
		if j, dup := sigKeys[string(leaf.SignatureKey)]; dup {
			return fmt.Errorf("%w: leaves %d and %d share a signature key", ErrInvalidTree, j, i)
		}
		sigKeys[string(leaf.SignatureKey)] = i
		if !slices.Contains(inUse, leaf.Credential.Type) {
			inUse = append(inUse, leaf.Credential.Type)
		}
	}
	// Every member must support every credential type in use (§7.3).
	for _, i := range members {
		caps := t.nodes[i.node()].leaf.Capabilities.Credentials
		for _, ct := range inUse {
			if !slices.Contains(caps, ct) {
				return fmt.Errorf("%w: leaf %d does not support credential type %d, which is in use",
					ErrInvalidTree, i, ct)
			}
		}
	}
	for x := range t.nodes {
		key := t.nodes[x].encryptionKey()
		if key == nil {
			continue
		}
		if y, dup := encKeys[string(key)]; dup {
			return fmt.Errorf("%w: nodes %d and %d share an encryption key", ErrInvalidTree, y, x)
		}
		encKeys[string(key)] = nodeIndex(x)
	}
	// Sorted unmerged lists first, so that checkParent can binary-search
	// them whatever their length.
	for x := nodeIndex(1); uint32(x) < uint32(len(t.nodes)); x += 2 {
		p := t.nodes[x].parent
		if p == nil {
			continue
		}
		for k, l := range p.UnmergedLeaves {
			if k > 0 && p.UnmergedLeaves[k-1] >= l {
				return fmt.Errorf("%w: node %d: unmerged leaves not sorted", ErrInvalidTree, x)
			}
		}
	}
	for x := nodeIndex(1); uint32(x) < uint32(len(t.nodes)); x += 2 {
		if t.nodes[x].parent == nil {
			continue
		}
		if err := t.checkParent(x); err != nil {
			return err
		}
	}
	return nil
}

// checkParent validates one non-blank parent node.
func (t *RatchetTree) checkParent(x nodeIndex) error {
	p := t.nodes[x].parent
	if len(p.EncryptionKey) != hpkePubLen {
		return fmt.Errorf("%w: node %d: encryption key of %d bytes", ErrInvalidTree, x, len(p.EncryptionKey))
	}
	n := t.NumLeaves()
	for _, l := range p.UnmergedLeaves {
		if !isUnder(l.node(), x) || t.Leaf(l) == nil {
			return fmt.Errorf("%w: node %d: unmerged leaf %d is blank or not below it", ErrInvalidTree, x, l)
		}
		// Every non-blank parent between the leaf and x lists it too.
		path, _ := directPath(l.node(), n)
		for _, q := range path {
			if q == x {
				break
			}
			if qn := t.nodes[q].parent; qn != nil && !containsLeaf(qn.UnmergedLeaves, l) {
				return fmt.Errorf("%w: node %d lists unmerged leaf %d but node %d does not",
					ErrInvalidTree, x, l, q)
			}
		}
	}
	if c := t.parentHashValidCount(x); c != 1 {
		return fmt.Errorf("%w: node %d is not parent-hash valid (%d links)", ErrInvalidTree, x, c)
	}
	return nil
}

// VerifyParentHashes checks only that every non-blank parent node is
// parent-hash valid (RFC 9420 §7.9.2).
func (t *RatchetTree) VerifyParentHashes() error {
	for x := nodeIndex(1); uint32(x) < uint32(len(t.nodes)); x += 2 {
		if t.nodes[x].parent == nil {
			continue
		}
		if c := t.parentHashValidCount(x); c != 1 {
			return fmt.Errorf("%w: node %d is not parent-hash valid (%d links)", ErrInvalidTree, x, c)
		}
	}
	return nil
}

// containsLeaf reports whether the sorted list ls holds l.
func containsLeaf(ls []leafIndex, l leafIndex) bool {
	_, found := slices.BinarySearch(ls, l)
	return found
}

// CheckNewLeaf makes the checks of RFC 9420 §7.3 that relate a LeafNode
// entering the tree to the members already there: its encryption key is
// used by no node (including the leaf it replaces, for an Update or a
// commit's path), its signature key by no other member, every other
// member supports its credential type and it supports theirs. replaced is
// the leaf it replaces, or -1 for an Add. Validate the leaf on its own
// first (LeafNode.Validate).
func (t *RatchetTree) CheckNewLeaf(leaf *LeafNode, replaced int64) error {
	var inUse []CredentialType
	for x := range t.nodes {
		n := &t.nodes[x]
		if k := n.encryptionKey(); k != nil && bytes.Equal(k, leaf.EncryptionKey) {
			return fmt.Errorf("%w: encryption key already used by node %d", ErrInvalidLeafNode, x)
		}
		if n.leaf == nil || int64(x/2) == replaced {
			continue
		}
		if bytes.Equal(n.leaf.SignatureKey, leaf.SignatureKey) {
			return fmt.Errorf("%w: signature key already used by leaf %d", ErrInvalidLeafNode, x/2)
		}
		if !slices.Contains(n.leaf.Capabilities.Credentials, leaf.Credential.Type) {
			return fmt.Errorf("%w: leaf %d does not support credential type %d", ErrInvalidLeafNode, x/2, leaf.Credential.Type)
		}
		if ct := n.leaf.Credential.Type; !slices.Contains(inUse, ct) {
			inUse = append(inUse, ct)
		}
	}
	for _, ct := range inUse {
		if !slices.Contains(leaf.Capabilities.Credentials, ct) {
			return fmt.Errorf("%w: does not support credential type %d, which is in use", ErrInvalidLeafNode, ct)
		}
	}
	return nil
}
