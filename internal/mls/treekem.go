package mls

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
)

// TreeKEM: creating and processing UpdatePaths (RFC 9420 §7.4–§7.6).

// ErrInvalidUpdatePath reports an UpdatePath that does not fit the tree or
// whose secrets do not match its public keys.
var ErrInvalidUpdatePath = errors.New("mls: invalid update path")

const labelUpdatePathNode = "UpdatePathNode"

// UpdatePathNode carries the new public key of one node of the committer's
// filtered direct path and its path secret encrypted to each node of the
// copath child's resolution.
type UpdatePathNode struct {
	EncryptionKey       []byte
	EncryptedPathSecret []HPKECiphertext
}

// UpdatePath is the path a committer sends to refresh its leaf and its
// filtered direct path (RFC 9420 §7.6).
type UpdatePath struct {
	LeafNode LeafNode
	Nodes    []UpdatePathNode
}

// Encode appends the UpdatePath to e.
func (p *UpdatePath) Encode(e *Encoder) {
	p.LeafNode.Encode(e)
	e.Vector(func(e *Encoder) {
		for i := range p.Nodes {
			n := &p.Nodes[i]
			e.Opaque(n.EncryptionKey)
			e.Vector(func(e *Encoder) {
				for j := range n.EncryptedPathSecret {
					n.EncryptedPathSecret[j].Encode(e)
				}
			})
		}
	})
}

// Decode reads an UpdatePath from d.
func (p *UpdatePath) Decode(d *Decoder) {
	p.LeafNode.Decode(d)
	p.Nodes = []UpdatePathNode{}
	d.ReadVector(func(d *Decoder) {
		n := UpdatePathNode{EncryptionKey: d.Opaque(), EncryptedPathSecret: []HPKECiphertext{}}
		d.ReadVector(func(d *Decoder) {
			var c HPKECiphertext
			c.Decode(d)
			n.EncryptedPathSecret = append(n.EncryptedPathSecret, c)
		})
		p.Nodes = append(p.Nodes, n)
	})
}

// DecodeUpdatePath decodes an UpdatePath that must fill b.
func DecodeUpdatePath(b []byte) (*UpdatePath, error) {
	p := new(UpdatePath)
	if err := decodeAll(b, p.Decode); err != nil {
		return nil, fmt.Errorf("decode update path: %w", err)
	}
	return p, nil
}

// CreateUpdatePath refreshes the committer's leaf and filtered direct path
// in t (which must already reflect the commit's proposals) and returns the
// UpdatePath to send, the committer's new private keys and the commit
// secret (RFC 9420 §7.4, §7.5, §12.4.1).
//
// leaf is the template of the committer's new LeafNode (credential,
// capabilities, extensions); its encryption key, source, parent hash and
// signature are set here. exclude lists the leaves added by this commit,
// which receive no ciphertexts. groupContext returns the encoded
// provisional GroupContext for the new tree hash.
//
// t is modified even if an error is returned; callers work on a copy.
func (t *RatchetTree) CreateUpdatePath(own leafIndex, leaf *LeafNode, sigPriv, groupID []byte,
	exclude []leafIndex, groupContext func(treeHash []byte) ([]byte, error),
) (*UpdatePath, *TreePrivateKeys, []byte, error) {
	path, keys, commitSecret, joiners, err := t.CreateUpdatePathWithJoiners(own, leaf, sigPriv, groupID, exclude, groupContext)
	for _, s := range joiners {
		zero(s)
	}
	return path, keys, commitSecret, err
}

// CreateUpdatePathWithJoiners is CreateUpdatePath that also returns, for
// each leaf in exclude (the members this commit adds), the path secret of
// the lowest common ancestor of the committer and that leaf: the
// GroupSecrets.path_secret of its Welcome (RFC 9420 §12.4.3.1). The caller
// wipes those secrets once the Welcome is encrypted.
func (t *RatchetTree) CreateUpdatePathWithJoiners(own leafIndex, leaf *LeafNode, sigPriv, groupID []byte,
	exclude []leafIndex, groupContext func(treeHash []byte) ([]byte, error),
) (*UpdatePath, *TreePrivateKeys, []byte, map[leafIndex][]byte, error) {
	up, keys, commitSecret, secrets, path, err := t.createUpdatePath(own, leaf, sigPriv, groupID, exclude, groupContext)
	defer func() {
		for _, s := range secrets {
			zero(s)
		}
	}()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	joiners := make(map[leafIndex][]byte, len(exclude))
	for _, j := range exclude {
		lca := commonAncestor(own.node(), j.node())
		for i, x := range path {
			if x == lca {
				joiners[j] = bytes.Clone(secrets[i])
			}
		}
		if joiners[j] == nil {
			for _, s := range joiners {
				zero(s)
			}
			keys.Wipe()
			zero(commitSecret)
			return nil, nil, nil, nil, fmt.Errorf("%w: joiner %d is not below the committer's path", ErrInvalidUpdatePath, j)
		}
	}
	return up, keys, commitSecret, joiners, nil
}

// createUpdatePath does the work of CreateUpdatePath and also returns the
// path secrets of the filtered direct path (for the caller to wipe) and
// that path.
func (t *RatchetTree) createUpdatePath(own leafIndex, leaf *LeafNode, sigPriv, groupID []byte,
	exclude []leafIndex, groupContext func(treeHash []byte) ([]byte, error),
) (up *UpdatePath, keys *TreePrivateKeys, commitSecret []byte, secrets [][]byte, path []nodeIndex, err error) {
	if t.Leaf(own) == nil {
		return nil, nil, nil, nil, nil, fmt.Errorf("create update path: %w", ErrBlankLeaf)
	}
	if leaf == nil || groupContext == nil {
		return nil, nil, nil, nil, nil, fmt.Errorf("create update path: %w: no leaf template or group context", ErrInvalidUpdatePath)
	}
	path, copathNodes, err := t.filteredDirectPath(own)
	if err != nil {
		return nil, nil, nil, nil, nil, fmt.Errorf("create update path: %w", err)
	}
	leafPriv, leafPub, err := GenerateHPKEKeyPair()
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	keys = &TreePrivateKeys{leaf: own, keys: make(map[nodeIndex]nodeKeyPair, len(path)+1)}
	keys.keys[own.node()] = nodeKeyPair{priv: leafPriv, pub: leafPub}

	// One path secret per filtered-direct-path node, then the commit
	// secret. On failure every secret is wiped here; on success the caller
	// wipes secrets[:len(path)].
	all := make([][]byte, len(path)+1)
	fail := func(err error) (*UpdatePath, *TreePrivateKeys, []byte, [][]byte, []nodeIndex, error) {
		for _, s := range all {
			zero(s)
		}
		keys.Wipe()
		return nil, nil, nil, nil, nil, err
	}
	all[0] = make([]byte, HashLen)
	if _, err := rand.Read(all[0]); err != nil {
		return fail(fmt.Errorf("create update path: %w", err))
	}
	t.blankDirectPath(own)
	for i, x := range path {
		kp, err := nodeKeyFromPathSecret(all[i])
		if err != nil {
			return fail(err)
		}
		keys.keys[x] = kp
		t.setParent(x, &ParentNode{EncryptionKey: kp.pub, UnmergedLeaves: []leafIndex{}})
		if all[i+1], err = DeriveSecret(all[i], "path"); err != nil {
			return fail(err)
		}
	}

	newLeaf := leaf.Clone()
	newLeaf.EncryptionKey = bytes.Clone(leafPub)
	newLeaf.Source = LeafNodeSourceCommit
	newLeaf.Lifetime = Lifetime{}
	newLeaf.ParentHash = t.setPathParentHashes(path, copathNodes)
	if err := newLeaf.Sign(sigPriv, groupID, own); err != nil {
		return fail(err)
	}
	t.setLeaf(own, newLeaf)

	gc, err := groupContext(t.TreeHash())
	if err != nil {
		return fail(fmt.Errorf("create update path: %w", err))
	}
	up = &UpdatePath{LeafNode: *newLeaf.Clone(), Nodes: make([]UpdatePathNode, len(path))}
	for i, x := range path {
		res := t.resolution(copathNodes[i], exclude)
		n := UpdatePathNode{
			EncryptionKey:       bytes.Clone(t.nodes[x].parent.EncryptionKey),
			EncryptedPathSecret: make([]HPKECiphertext, len(res)),
		}
		for j, r := range res {
			kem, ct, err := EncryptWithLabel(t.nodes[r].encryptionKey(), labelUpdatePathNode, gc, all[i])
			if err != nil {
				return fail(fmt.Errorf("create update path: encrypt to node %d: %w", r, err))
			}
			n.EncryptedPathSecret[j] = HPKECiphertext{KEMOutput: kem, Ciphertext: ct}
		}
		up.Nodes[i] = n
	}
	return up, keys, all[len(path)], all[:len(path)], path, nil
}

// MergeUpdatePath applies the public part of an UpdatePath from sender to
// t (RFC 9420 §7.5): it validates the new leaf (check.GroupID and the
// other fields; Source and Leaf are set here), checks that the path fits
// the sender's filtered direct path and that the ciphertext counts match
// the resolutions without exclude, installs the new keys and verifies the
// leaf's parent hash. t is modified even if an error is returned.
func (t *RatchetTree) MergeUpdatePath(sender leafIndex, p *UpdatePath, exclude []leafIndex, check LeafNodeCheck) error {
	if p == nil {
		return fmt.Errorf("merge update path: %w: none given", ErrInvalidUpdatePath)
	}
	if t.Leaf(sender) == nil {
		return fmt.Errorf("merge update path: %w", ErrBlankLeaf)
	}
	path, copathNodes, err := t.filteredDirectPath(sender)
	if err != nil {
		return fmt.Errorf("merge update path: %w", err)
	}
	if len(p.Nodes) != len(path) {
		return fmt.Errorf("%w: %d nodes for a filtered direct path of %d", ErrInvalidUpdatePath, len(p.Nodes), len(path))
	}
	for i := range path {
		if got, want := len(p.Nodes[i].EncryptedPathSecret), len(t.resolution(copathNodes[i], exclude)); got != want {
			return fmt.Errorf("%w: node %d: %d ciphertexts for a resolution of %d", ErrInvalidUpdatePath, path[i], got, want)
		}
		if len(p.Nodes[i].EncryptionKey) != hpkePubLen {
			return fmt.Errorf("%w: node %d: malformed public key", ErrInvalidUpdatePath, path[i])
		}
	}
	check.Source = LeafNodeSourceCommit
	check.Leaf = sender
	if err := p.LeafNode.Validate(check); err != nil {
		return err
	}
	if err := t.checkNewKeys(sender, p); err != nil {
		return err
	}

	t.blankDirectPath(sender)
	for i, x := range path {
		t.setParent(x, &ParentNode{EncryptionKey: bytes.Clone(p.Nodes[i].EncryptionKey), UnmergedLeaves: []leafIndex{}})
	}
	ph := t.setPathParentHashes(path, copathNodes)
	if !bytes.Equal(ph, p.LeafNode.ParentHash) {
		return fmt.Errorf("%w: leaf parent hash does not match the path", ErrInvalidUpdatePath)
	}
	t.setLeaf(sender, p.LeafNode.Clone())
	return nil
}

// checkNewKeys fails if an UpdatePath's leaf does not fit among the
// members (CheckNewLeaf) or its path reuses an encryption key found in the
// tree or twice in itself. It makes one pass over the tree with lookups
// that do not allocate.
func (t *RatchetTree) checkNewKeys(sender leafIndex, p *UpdatePath) error {
	if err := t.CheckNewLeaf(&p.LeafNode, int64(sender)); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidUpdatePath, err)
	}
	fresh := make(map[string]bool, len(p.Nodes)+1)
	for _, k := range append([][]byte{p.LeafNode.EncryptionKey}, nodeKeys(p)...) {
		if fresh[string(k)] {
			return fmt.Errorf("%w: encryption key repeated", ErrInvalidUpdatePath)
		}
		fresh[string(k)] = true
	}
	for x := range t.nodes {
		if k := t.nodes[x].encryptionKey(); k != nil && fresh[string(k)] {
			return fmt.Errorf("%w: encryption key already in use", ErrInvalidUpdatePath)
		}
	}
	return nil
}

func nodeKeys(p *UpdatePath) [][]byte {
	keys := make([][]byte, len(p.Nodes))
	for i := range p.Nodes {
		keys[i] = p.Nodes[i].EncryptionKey
	}
	return keys
}

// DecryptUpdatePath recovers the path secrets of an UpdatePath that
// MergeUpdatePath has applied to t, installs the private keys this member
// is entitled to and returns the commit secret (RFC 9420 §7.5, §12.4.2).
// groupContext is the encoded provisional GroupContext; exclude is the
// list given to MergeUpdatePath. k is unchanged if an error is returned.
func (k *TreePrivateKeys) DecryptUpdatePath(t *RatchetTree, sender leafIndex, p *UpdatePath,
	exclude []leafIndex, groupContext []byte,
) ([]byte, error) {
	pathSecret, commitSecret, err := k.decryptUpdatePath(t, sender, p, exclude, groupContext)
	zero(pathSecret)
	return commitSecret, err
}

// decryptUpdatePath is DecryptUpdatePath that also returns the path
// secret it decrypted (at the common ancestor of sender and this member).
func (k *TreePrivateKeys) decryptUpdatePath(t *RatchetTree, sender leafIndex, p *UpdatePath,
	exclude []leafIndex, groupContext []byte,
) (pathSecret, commitSecret []byte, err error) {
	if p == nil || sender == k.leaf {
		return nil, nil, fmt.Errorf("%w: none given, or our own", ErrInvalidUpdatePath)
	}
	path, copathNodes, err := t.filteredDirectPath(sender)
	if err != nil {
		return nil, nil, fmt.Errorf("decrypt update path: %w", err)
	}
	if len(p.Nodes) != len(path) {
		return nil, nil, fmt.Errorf("%w: path does not fit the tree", ErrInvalidUpdatePath)
	}
	i := -1
	for m, c := range copathNodes {
		if isUnder(k.leaf.node(), c) {
			i = m
			break
		}
	}
	if i < 0 {
		return nil, nil, fmt.Errorf("%w: member is not below the sender's path", ErrInvalidUpdatePath)
	}
	res := t.resolution(copathNodes[i], exclude)
	cts := p.Nodes[i].EncryptedPathSecret
	if len(cts) != len(res) {
		return nil, nil, fmt.Errorf("%w: ciphertext count does not match the resolution", ErrInvalidUpdatePath)
	}
	for j, r := range res {
		priv, ok := k.privateKeyFor(t, r)
		if !ok {
			continue
		}
		pathSecret, err = DecryptWithLabel(priv, labelUpdatePathNode, groupContext, cts[j].KEMOutput, cts[j].Ciphertext)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: path secret for node %d: %w", ErrInvalidUpdatePath, path[i], err)
		}
		derived, err := derivePathKeys(t, path[i:], &commitSecret, pathSecret)
		if err != nil {
			zero(pathSecret)
			return nil, nil, fmt.Errorf("%w: %w", ErrInvalidUpdatePath, err)
		}
		for x, kp := range derived {
			k.set(x, kp)
		}
		k.Prune(t)
		return pathSecret, commitSecret, nil
	}
	return nil, nil, fmt.Errorf("%w: no private key for the resolution of node %d", ErrInvalidUpdatePath, copathNodes[i])
}
