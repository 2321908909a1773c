package mls

import (
	"bytes"
	"fmt"
)

// nodeKeyPair is an HPKE key pair held for one node of the tree.
type nodeKeyPair struct {
	priv []byte
	pub  []byte
}

// TreePrivateKeys holds a member's HPKE private keys: the one of its own
// leaf and those of the parent nodes above it whose path secrets it has
// learnt (the tree invariant of RFC 9420 §4.1.1). Keys are deleted as soon
// as the nodes they belong to change. It is not safe for concurrent use.
type TreePrivateKeys struct {
	leaf leafIndex
	keys map[nodeIndex]nodeKeyPair
}

// NewTreePrivateKeys returns the private state of the member at leaf whose
// leaf encryption private key is leafPriv.
func NewTreePrivateKeys(leaf leafIndex, leafPriv []byte) (*TreePrivateKeys, error) {
	pub, err := HPKEPublicKeyOf(leafPriv)
	if err != nil {
		return nil, fmt.Errorf("tree private keys: %w", err)
	}
	k := &TreePrivateKeys{leaf: leaf, keys: make(map[nodeIndex]nodeKeyPair)}
	k.keys[leaf.node()] = nodeKeyPair{priv: bytes.Clone(leafPriv), pub: pub}
	return k, nil
}

// Leaf returns the index of the member's own leaf.
func (k *TreePrivateKeys) Leaf() leafIndex { return k.leaf }

// Clone returns an independent copy of the keys.
func (k *TreePrivateKeys) Clone() *TreePrivateKeys {
	c := &TreePrivateKeys{leaf: k.leaf, keys: make(map[nodeIndex]nodeKeyPair, len(k.keys))}
	for x, kp := range k.keys {
		c.keys[x] = nodeKeyPair{priv: bytes.Clone(kp.priv), pub: bytes.Clone(kp.pub)}
	}
	return c
}

// Wipe overwrites and forgets every private key.
func (k *TreePrivateKeys) Wipe() {
	for x, kp := range k.keys {
		zero(kp.priv)
		delete(k.keys, x)
	}
}

// set stores a key pair for x, wiping any key it replaces.
func (k *TreePrivateKeys) set(x nodeIndex, kp nodeKeyPair) {
	if old, ok := k.keys[x]; ok {
		zero(old.priv)
	}
	k.keys[x] = kp
}

// privateKeyFor returns the private key for x if it matches the public key
// the tree holds there.
func (k *TreePrivateKeys) privateKeyFor(t *RatchetTree, x nodeIndex) ([]byte, bool) {
	kp, ok := k.keys[x]
	if !ok || !inTree(x, t.NumLeaves()) {
		return nil, false
	}
	pub := t.nodes[x].encryptionKey()
	if pub == nil || !bytes.Equal(pub, kp.pub) {
		return nil, false
	}
	return kp.priv, true
}

// Prune deletes every key that no longer matches the tree: keys of nodes
// that were blanked, replaced or truncated away.
func (k *TreePrivateKeys) Prune(t *RatchetTree) {
	for x, kp := range k.keys {
		if _, ok := k.privateKeyFor(t, x); !ok {
			zero(kp.priv)
			delete(k.keys, x)
		}
	}
}

// nodeKeyFromPathSecret derives the key pair of a node from its path
// secret (RFC 9420 §7.4).
func nodeKeyFromPathSecret(pathSecret []byte) (nodeKeyPair, error) {
	nodeSecret, err := DeriveSecret(pathSecret, "node")
	if err != nil {
		return nodeKeyPair{}, err
	}
	defer zero(nodeSecret)
	priv, pub, err := DeriveKeyPair(nodeSecret)
	if err != nil {
		return nodeKeyPair{}, err
	}
	return nodeKeyPair{priv: priv, pub: pub}, nil
}

// setPathSecret derives and stores the key of node x from its path secret.
func (k *TreePrivateKeys) setPathSecret(x nodeIndex, pathSecret []byte) error {
	kp, err := nodeKeyFromPathSecret(pathSecret)
	if err != nil {
		return err
	}
	k.set(x, kp)
	return nil
}

// ImportPathSecret installs the path secret a Welcome carries (RFC 9420
// §12.4.3.1): pathSecret belongs to the lowest common ancestor of this
// member's leaf and the committer's, and the secrets of the committer's
// filtered direct path above it follow from it. The derived public keys
// must match the tree.
func (k *TreePrivateKeys) ImportPathSecret(t *RatchetTree, committer leafIndex, pathSecret []byte) error {
	if t.Leaf(committer) == nil || committer == k.leaf {
		return fmt.Errorf("import path secret: %w", ErrBlankLeaf)
	}
	lca := commonAncestor(k.leaf.node(), committer.node())
	path, _, err := t.filteredDirectPath(committer)
	if err != nil {
		return fmt.Errorf("import path secret: %w", err)
	}
	start := -1
	for i, x := range path {
		if x == lca {
			start = i
			break
		}
	}
	if start < 0 {
		return fmt.Errorf("%w: common ancestor %d not on the committer's path", ErrInvalidTree, lca)
	}
	derived, err := derivePathKeys(t, path[start:], nil, pathSecret)
	if err != nil {
		return fmt.Errorf("import path secret: %w", err)
	}
	for x, kp := range derived {
		k.set(x, kp)
	}
	return nil
}

// derivePathKeys derives the key pairs of nodes along path from the path
// secret of path[0], checking each public key against the tree. If
// commitSecret is non-nil the path secret following the last node is
// written to it. Intermediate secrets are wiped.
func derivePathKeys(t *RatchetTree, path []nodeIndex, commitSecret *[]byte, pathSecret []byte) (map[nodeIndex]nodeKeyPair, error) {
	out := make(map[nodeIndex]nodeKeyPair, len(path))
	wipeAll := func() {
		for _, kp := range out {
			zero(kp.priv)
		}
	}
	ps := bytes.Clone(pathSecret)
	for _, x := range path {
		kp, err := nodeKeyFromPathSecret(ps)
		if err != nil {
			zero(ps)
			wipeAll()
			return nil, err
		}
		if !bytes.Equal(kp.pub, t.nodes[x].encryptionKey()) {
			zero(ps)
			zero(kp.priv)
			wipeAll()
			return nil, fmt.Errorf("%w: node %d: derived public key does not match", ErrInvalidTree, x)
		}
		out[x] = kp
		next, err := DeriveSecret(ps, "path")
		zero(ps)
		if err != nil {
			wipeAll()
			return nil, err
		}
		ps = next
	}
	if commitSecret != nil {
		*commitSecret = ps
	} else {
		zero(ps)
	}
	return out, nil
}
