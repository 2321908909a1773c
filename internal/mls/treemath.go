package mls

import (
	"errors"
	"math/bits"
)

// Array-based tree arithmetic (RFC 9420 §4.2 and Appendix C).
//
// Nodes of a tree with n leaves are numbered 0 .. 2n-2 in left-to-right order;
// leaves have even indices and the level of a node is the number of trailing
// one bits of its index. Every function here is total: an index outside the
// tree yields ok == false or an error, never a panic.

// maxLeaves bounds the width of a ratchet tree. Switchboard's groups are
// teams, rotas and incident cascades, far below this; the bound keeps a
// hostile ratchet_tree extension (a long run of one-byte blank nodes) from
// making a client, possibly a browser tab, allocate tens of bytes of tree
// per byte received.
const maxLeaves = 1 << 17

// errNodeOutOfRange is returned when a node or leaf index lies outside the tree.
var errNodeOutOfRange = errors.New("mls: node index outside the tree")

// nodeIndex is the position of a node in the array representation of a tree.
type nodeIndex uint32

// leafIndex is the position of a leaf among the leaves of a tree.
type leafIndex uint32

// node returns the node index of the leaf.
func (l leafIndex) node() nodeIndex { return nodeIndex(2 * uint64(l)) }

// isLeaf reports whether x is a leaf node.
func (x nodeIndex) isLeaf() bool { return x&1 == 0 }

// leaf returns the leaf index of x; ok is false if x is not a leaf.
func (x nodeIndex) leaf() (leafIndex, bool) {
	if !x.isLeaf() {
		return 0, false
	}
	return leafIndex(x >> 1), true
}

// level returns the level of x in the tree: 0 for leaves.
func level(x nodeIndex) uint {
	return uint(bits.TrailingZeros32(^uint32(x)))
}

// nodeWidth returns the number of nodes in a tree with n leaves.
func nodeWidth(nLeaves uint32) uint32 {
	if nLeaves == 0 {
		return 0
	}
	return 2*(nLeaves-1) + 1
}

// validLeafCount reports whether n is a permitted number of leaves for an
// MLS tree: a power of two no larger than maxLeaves.
func validLeafCount(nLeaves uint32) bool {
	return nLeaves != 0 && nLeaves <= maxLeaves && nLeaves&(nLeaves-1) == 0
}

// inTree reports whether x is a node of a tree with n leaves.
func inTree(x nodeIndex, nLeaves uint32) bool {
	return nLeaves != 0 && uint32(x) < nodeWidth(nLeaves)
}

// root returns the root of a tree with n leaves (n > 0).
func root(nLeaves uint32) nodeIndex {
	w := nodeWidth(nLeaves)
	if w == 0 {
		return 0
	}
	return nodeIndex(1<<(bits.Len32(w)-1) - 1)
}

// left returns the left child of x; ok is false for a leaf.
func left(x nodeIndex) (nodeIndex, bool) {
	k := level(x)
	if k == 0 {
		return 0, false
	}
	return x ^ (1 << (k - 1)), true
}

// right returns the right child of x; ok is false for a leaf.
func right(x nodeIndex) (nodeIndex, bool) {
	k := level(x)
	if k == 0 {
		return 0, false
	}
	return x ^ (3 << (k - 1)), true
}

// parent returns the parent of x in a tree with n leaves; ok is false for
// the root and for nodes outside the tree.
func parent(x nodeIndex, nLeaves uint32) (nodeIndex, bool) {
	if !inTree(x, nLeaves) || x == root(nLeaves) {
		return 0, false
	}
	k := level(x)
	b := (uint64(x) >> (k + 1)) & 1
	p := (uint64(x) | 1<<k) ^ (b << (k + 1))
	return nodeIndex(p), true
}

// sibling returns the other child of x's parent; ok is false for the root and
// for nodes outside the tree.
func sibling(x nodeIndex, nLeaves uint32) (nodeIndex, bool) {
	p, ok := parent(x, nLeaves)
	if !ok {
		return 0, false
	}
	l, _ := left(p)
	r, _ := right(p)
	if x < p {
		return r, true
	}
	return l, true
}

// directPath returns the parents of x from x's parent up to the root, in a
// tree with n leaves. It is empty for the root.
func directPath(x nodeIndex, nLeaves uint32) ([]nodeIndex, error) {
	if !inTree(x, nLeaves) {
		return nil, errNodeOutOfRange
	}
	var d []nodeIndex
	for {
		p, ok := parent(x, nLeaves)
		if !ok {
			return d, nil
		}
		d = append(d, p)
		x = p
	}
}

// copath returns the siblings of x and of each node of its direct path
// except the root, in a tree with n leaves.
func copath(x nodeIndex, nLeaves uint32) ([]nodeIndex, error) {
	if !inTree(x, nLeaves) {
		return nil, errNodeOutOfRange
	}
	var c []nodeIndex
	for {
		s, ok := sibling(x, nLeaves)
		if !ok {
			return c, nil
		}
		c = append(c, s)
		x, _ = parent(x, nLeaves)
	}
}

// commonAncestor returns the lowest node that is an ancestor of (or equal
// to) both x and y. In a tree with n leaves it is inside the tree whenever x
// and y are.
func commonAncestor(x, y nodeIndex) nodeIndex {
	lx, ly := level(x)+1, level(y)+1
	if lx <= ly && uint64(x)>>ly == uint64(y)>>ly {
		return y
	}
	if ly <= lx && uint64(x)>>lx == uint64(y)>>lx {
		return x
	}
	xn, yn := uint64(x), uint64(y)
	k := uint(0)
	for xn != yn {
		xn >>= 1
		yn >>= 1
		k++
	}
	return nodeIndex((xn << k) + (1<<(k-1) - 1))
}
