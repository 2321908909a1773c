package mls

import (
	"fmt"
	"slices"
)

// Membership changes to the ratchet tree (RFC 9420 §7.7, §12.1).

// AddLeaf places leaf in the leftmost blank leaf, extending the tree if
// it is full, records it as unmerged in every non-blank parent above it,
// and returns its index (RFC 9420 §12.1.1).
func (t *RatchetTree) AddLeaf(leaf *LeafNode) (leafIndex, error) {
	if leaf == nil {
		return 0, fmt.Errorf("add leaf: %w", ErrInvalidLeafNode)
	}
	n := t.NumLeaves()
	i := leafIndex(0)
	for ; uint32(i) < n; i++ {
		if t.nodes[i.node()].leaf == nil {
			break
		}
	}
	if uint32(i) == n {
		if n >= maxLeaves {
			return 0, fmt.Errorf("%w: tree full", ErrInvalidTree)
		}
		t.extend()
	}
	t.setLeaf(i, leaf.Clone())
	path, _ := directPath(i.node(), t.NumLeaves())
	for _, p := range path {
		pn := t.nodes[p].parent
		if pn == nil {
			continue
		}
		pos, found := slices.BinarySearch(pn.UnmergedLeaves, i)
		if !found {
			pn.UnmergedLeaves = slices.Insert(pn.UnmergedLeaves, pos, i)
		}
		t.invalidate(p)
	}
	return i, nil
}

// extend doubles the width of the tree, adding a blank right subtree.
func (t *RatchetTree) extend() {
	w := len(t.nodes)
	t.nodes = append(t.nodes, make([]treeNode, w+1)...)
	// Every cached hash stays valid except the old root's ancestors; the
	// leaf indices below the old root do not change.
	t.hashes = append(t.hashes, make([][]byte, w+1)...)
}

// UpdateLeaf replaces the LeafNode of member i and blanks the parents on
// its direct path (RFC 9420 §12.1.2).
func (t *RatchetTree) UpdateLeaf(i leafIndex, leaf *LeafNode) error {
	if leaf == nil {
		return fmt.Errorf("update leaf %d: %w", i, ErrInvalidLeafNode)
	}
	if t.Leaf(i) == nil {
		return fmt.Errorf("update leaf %d: %w", i, ErrBlankLeaf)
	}
	t.blankDirectPath(i)
	t.setLeaf(i, leaf.Clone())
	return nil
}

// RemoveLeaf blanks member i and its direct path, then truncates the tree
// while its right half is empty (RFC 9420 §12.1.3).
func (t *RatchetTree) RemoveLeaf(i leafIndex) error {
	if t.Leaf(i) == nil {
		return fmt.Errorf("remove leaf %d: %w", i, ErrBlankLeaf)
	}
	t.blankDirectPath(i)
	t.setLeaf(i, nil)
	t.truncate()
	return nil
}

// blankDirectPath blanks every parent on the direct path of leaf i.
func (t *RatchetTree) blankDirectPath(i leafIndex) {
	path, _ := directPath(i.node(), t.NumLeaves())
	for _, p := range path {
		if !t.nodes[p].blank() {
			t.setParent(p, nil)
		}
	}
}

// truncate halves the tree while every leaf of its right half is blank,
// keeping at least one leaf.
func (t *RatchetTree) truncate() {
	for t.NumLeaves() > 1 {
		n := t.NumLeaves()
		for i := n / 2; i < n; i++ {
			if t.nodes[leafIndex(i).node()].leaf != nil {
				return
			}
		}
		w := nodeWidth(n / 2)
		clear(t.nodes[w:])
		t.nodes = t.nodes[:w]
		t.hashes = t.hashes[:w]
	}
}
