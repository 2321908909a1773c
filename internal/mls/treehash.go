package mls

import (
	"bytes"
	"slices"
)

// Tree hashes (RFC 9420 §7.8) and parent hashes (§7.9).

// TreeHash returns the tree hash of the whole tree, the value carried in
// GroupContext.tree_hash.
func (t *RatchetTree) TreeHash() []byte {
	return bytes.Clone(t.treeHash(root(t.NumLeaves())))
}

// treeHash returns the (cached) tree hash of node x, which must be in the
// tree. The returned slice must not be modified.
func (t *RatchetTree) treeHash(x nodeIndex) []byte {
	if h := t.hashes[x]; h != nil {
		return h
	}
	var h []byte
	if x.isLeaf() {
		h = leafTreeHash(x, t.nodes[x].leaf)
	} else {
		l, _ := left(x)
		r, _ := right(x)
		h = parentTreeHash(t.nodes[x].parent, t.treeHash(l), t.treeHash(r))
	}
	t.hashes[x] = h
	return h
}

// leafTreeHash hashes a LeafNodeHashInput.
func leafTreeHash(x nodeIndex, leaf *LeafNode) []byte {
	var e Encoder
	e.Uint8(nodeTypeLeaf)
	e.Uint32(uint32(x / 2))
	e.Optional(leaf != nil, func(e *Encoder) { leaf.Encode(e) })
	return Hash(e.Bytes())
}

// parentTreeHash hashes a ParentNodeHashInput.
func parentTreeHash(p *ParentNode, leftHash, rightHash []byte) []byte {
	var e Encoder
	e.Uint8(nodeTypeParent)
	e.Optional(p != nil, func(e *Encoder) { p.Encode(e) })
	e.Opaque(leftHash)
	e.Opaque(rightHash)
	return Hash(e.Bytes())
}

// subtreeLeaves returns the first and last leaf under x.
func subtreeLeaves(x nodeIndex) (first, last leafIndex) {
	k := level(x)
	span := uint64(1)<<k - 1
	return leafIndex((uint64(x) - span) / 2), leafIndex((uint64(x) + span) / 2)
}

// anyUnder reports whether some leaf in ls lies under x.
func anyUnder(x nodeIndex, ls []leafIndex) bool {
	first, last := subtreeLeaves(x)
	for _, l := range ls {
		if l >= first && l <= last {
			return true
		}
	}
	return false
}

// originalTreeHash returns the tree hash of x in the tree with the leaves
// of exclude blanked and removed from every unmerged_leaves list: the
// original_sibling_tree_hash of §7.9.
func (t *RatchetTree) originalTreeHash(x nodeIndex, exclude []leafIndex) []byte {
	if !anyUnder(x, exclude) {
		return t.treeHash(x)
	}
	if x.isLeaf() {
		return leafTreeHash(x, nil)
	}
	p := t.nodes[x].parent
	if p != nil {
		q := *p
		q.UnmergedLeaves = slices.DeleteFunc(slices.Clone(p.UnmergedLeaves), func(l leafIndex) bool {
			return slices.Contains(exclude, l)
		})
		p = &q
	}
	l, _ := left(x)
	r, _ := right(x)
	return parentTreeHash(p, t.originalTreeHash(l, exclude), t.originalTreeHash(r, exclude))
}

// parentHash computes the parent hash of parent node p with copath child s
// (ParentHashInput, §7.9).
func (t *RatchetTree) parentHash(p, s nodeIndex) []byte {
	pn := t.nodes[p].parent
	var e Encoder
	e.Opaque(pn.EncryptionKey)
	e.Opaque(pn.ParentHash)
	e.Opaque(t.originalTreeHash(s, pn.UnmergedLeaves))
	return Hash(e.Bytes())
}

// nodeParentHash returns the parent_hash field of a non-blank node and
// whether it has one (leaves only when their source is commit).
func (n *treeNode) parentHashField() ([]byte, bool) {
	switch {
	case n.parent != nil:
		return n.parent.ParentHash, true
	case n.leaf != nil && n.leaf.Source == LeafNodeSourceCommit:
		return n.leaf.ParentHash, true
	}
	return nil, false
}

// setPathParentHashes fills the parent_hash fields along a filtered direct
// path (path[i] with copath child copathNodes[i]) from the root down, and
// returns the parent hash the leaf below path[0] must carry. The nodes of
// path must be non-blank.
func (t *RatchetTree) setPathParentHashes(path, copathNodes []nodeIndex) []byte {
	var ph []byte
	for i := len(path) - 1; i >= 0; i-- {
		p := t.nodes[path[i]].parent
		p.ParentHash = ph
		t.invalidate(path[i])
		ph = t.parentHash(path[i], copathNodes[i])
	}
	return ph
}

// parentHashValid reports whether exactly one node below the non-blank
// parent p has a parent hash that is valid with respect to p (§7.9.2).
func (t *RatchetTree) parentHashValidCount(p nodeIndex) int {
	pn := t.nodes[p].parent
	l, _ := left(p)
	r, _ := right(p)
	count := 0
	for _, c := range [2][2]nodeIndex{{l, r}, {r, l}} {
		child, sib := c[0], c[1]
		want := t.parentHash(p, sib)
		res := t.resolution(child, nil)
		// The leaves of p's unmerged list that lie under child, as nodes.
		var unmerged []nodeIndex
		for _, u := range pn.UnmergedLeaves {
			if anyUnder(child, []leafIndex{u}) {
				unmerged = append(unmerged, u.node())
			}
		}
		for _, d := range res {
			got, ok := t.nodes[d].parentHashField()
			if !ok || !bytes.Equal(got, want) {
				continue
			}
			rest := slices.DeleteFunc(slices.Clone(res), func(x nodeIndex) bool { return x == d })
			if sameNodeSet(rest, unmerged) {
				count++
			}
		}
	}
	return count
}

// sameNodeSet reports whether a and b hold the same nodes.
func sameNodeSet(a, b []nodeIndex) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
