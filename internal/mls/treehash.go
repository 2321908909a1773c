package mls

import (
	"bytes"
	"slices"
)

// Tree hashes (RFC 9420 §7.8) and parent hashes (§7.9).

// TreeHash returns the tree hash of the whole tree, the value carried in
// GroupContext.tree_hash, or nil for a tree without nodes.
func (t *RatchetTree) TreeHash() []byte {
	if len(t.nodes) == 0 {
		return nil
	}
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

// anyUnder reports whether some leaf of the sorted list ls lies under x.
func anyUnder(x nodeIndex, ls []leafIndex) bool {
	first, last := subtreeLeaves(x)
	i, _ := slices.BinarySearch(ls, first)
	return i < len(ls) && ls[i] <= last
}

// sortedLeaves returns ls sorted, copying it only if it is not already.
func sortedLeaves(ls []leafIndex) []leafIndex {
	if slices.IsSorted(ls) {
		return ls
	}
	c := slices.Clone(ls)
	slices.Sort(c)
	return c
}

// originalTreeHash returns the tree hash of x in the tree with the leaves
// of exclude (sorted) blanked and removed from every unmerged_leaves list:
// the original_sibling_tree_hash of §7.9.
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
			_, found := slices.BinarySearch(exclude, l)
			return found
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
	e.Opaque(t.originalTreeHash(s, sortedLeaves(pn.UnmergedLeaves)))
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

// parentHashValidCount returns how many nodes below the non-blank parent
// p have a parent hash that is valid with respect to p (§7.9.2); a
// parent-hash valid node has exactly one.
//
// For a child C of p, a node D is valid only if the resolution of C minus
// D equals the unmerged leaves of p under C, so D can only be the single
// node of the resolution that is not such a leaf. That keeps the check
// linear in the size of the resolution, however hostile the tree.
func (t *RatchetTree) parentHashValidCount(p nodeIndex) int {
	pn := t.nodes[p].parent
	l, _ := left(p)
	r, _ := right(p)
	count := 0
	for _, c := range [2][2]nodeIndex{{l, r}, {r, l}} {
		child, sib := c[0], c[1]
		unmerged := make(map[nodeIndex]bool)
		for _, u := range pn.UnmergedLeaves {
			if x := u.node(); isUnder(x, child) {
				unmerged[x] = true
			}
		}
		inRes := make(map[nodeIndex]bool)
		var candidate []nodeIndex
		for _, x := range t.resolution(child, nil) {
			if inRes[x] {
				continue
			}
			inRes[x] = true
			if !unmerged[x] {
				candidate = append(candidate, x)
			}
		}
		if len(candidate) != 1 || len(inRes) != len(unmerged)+1 {
			continue
		}
		got, ok := t.nodes[candidate[0]].parentHashField()
		if ok && bytes.Equal(got, t.parentHash(p, sib)) {
			count++
		}
	}
	return count
}

// isUnder reports whether x is in the subtree rooted at a.
func isUnder(x, a nodeIndex) bool {
	first, last := subtreeLeaves(a)
	return x >= first.node() && x <= last.node()
}
