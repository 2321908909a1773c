package mls

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// Errors returned by ratchet tree operations.
var (
	// ErrInvalidTree reports a ratchet tree that breaks an invariant of
	// RFC 9420 (parent hashes, unmerged leaves, duplicate keys, ...).
	ErrInvalidTree = errors.New("mls: invalid ratchet tree")
	// ErrBlankLeaf reports an operation on a leaf that holds no member.
	ErrBlankLeaf = errors.New("mls: leaf is blank")
)

// ParentNode is the content of a non-blank parent node (RFC 9420 §7.1).
type ParentNode struct {
	EncryptionKey  []byte
	ParentHash     []byte
	UnmergedLeaves []leafIndex // sorted increasing
}

// Encode appends the ParentNode to e.
func (p *ParentNode) Encode(e *Encoder) {
	e.Opaque(p.EncryptionKey)
	e.Opaque(p.ParentHash)
	e.Vector(func(e *Encoder) {
		for _, l := range p.UnmergedLeaves {
			e.Uint32(uint32(l))
		}
	})
}

// Decode reads a ParentNode from d.
func (p *ParentNode) Decode(d *Decoder) {
	p.EncryptionKey = d.Opaque()
	p.ParentHash = d.Opaque()
	p.UnmergedLeaves = []leafIndex{}
	d.ReadVector(func(d *Decoder) {
		p.UnmergedLeaves = append(p.UnmergedLeaves, leafIndex(d.Uint32()))
	})
}

func (p *ParentNode) clone() *ParentNode {
	if p == nil {
		return nil
	}
	return &ParentNode{
		EncryptionKey:  bytes.Clone(p.EncryptionKey),
		ParentHash:     bytes.Clone(p.ParentHash),
		UnmergedLeaves: slices.Clone(p.UnmergedLeaves),
	}
}

// Node types of the ratchet_tree encoding.
const (
	nodeTypeLeaf   uint8 = 1
	nodeTypeParent uint8 = 2
)

// treeNode is one slot of the array: a leaf at even indices, a parent at
// odd ones, or blank when both pointers are nil.
type treeNode struct {
	leaf   *LeafNode
	parent *ParentNode
}

func (n *treeNode) blank() bool { return n.leaf == nil && n.parent == nil }

// encryptionKey returns the node's HPKE public key, or nil if blank.
func (n *treeNode) encryptionKey() []byte {
	switch {
	case n.leaf != nil:
		return n.leaf.EncryptionKey
	case n.parent != nil:
		return n.parent.EncryptionKey
	}
	return nil
}

// RatchetTree is the public ratchet tree of a group (RFC 9420 §7): a full
// binary tree whose width is a power of two, kept as an array of nodes.
// A RatchetTree is not safe for concurrent use.
type RatchetTree struct {
	nodes []treeNode
	// hashes caches the tree hash of each node; nil entries are stale.
	hashes [][]byte
}

// NewRatchetTree returns a one-member tree holding leaf at index 0.
func NewRatchetTree(leaf *LeafNode) *RatchetTree {
	return &RatchetTree{
		nodes:  []treeNode{{leaf: leaf.Clone()}},
		hashes: make([][]byte, 1),
	}
}

// NumLeaves returns the width of the tree in leaves (a power of two),
// counting blank leaves.
func (t *RatchetTree) NumLeaves() uint32 { return uint32(len(t.nodes)+1) / 2 }

// Leaf returns the LeafNode at index i, or nil if it is blank or outside
// the tree. The caller must not modify it.
func (t *RatchetTree) Leaf(i leafIndex) *LeafNode {
	x := i.node()
	if !inTree(x, t.NumLeaves()) {
		return nil
	}
	return t.nodes[x].leaf
}

// Members returns the indices of the non-blank leaves in increasing order.
func (t *RatchetTree) Members() []leafIndex {
	var m []leafIndex
	for i := leafIndex(0); uint32(i) < t.NumLeaves(); i++ {
		if t.nodes[i.node()].leaf != nil {
			m = append(m, i)
		}
	}
	return m
}

// invalidate marks the cached hashes of x and its ancestors stale.
func (t *RatchetTree) invalidate(x nodeIndex) {
	n := t.NumLeaves()
	for {
		t.hashes[x] = nil
		p, ok := parent(x, n)
		if !ok {
			return
		}
		x = p
	}
}

// setLeaf replaces leaf i (nil blanks it).
func (t *RatchetTree) setLeaf(i leafIndex, leaf *LeafNode) {
	x := i.node()
	t.nodes[x] = treeNode{leaf: leaf}
	t.invalidate(x)
}

// setParent replaces parent node x (nil blanks it).
func (t *RatchetTree) setParent(x nodeIndex, p *ParentNode) {
	t.nodes[x] = treeNode{parent: p}
	t.invalidate(x)
}

// Clone returns a deep copy of the tree.
func (t *RatchetTree) Clone() *RatchetTree {
	c := &RatchetTree{nodes: make([]treeNode, len(t.nodes)), hashes: make([][]byte, len(t.hashes))}
	for i, n := range t.nodes {
		c.nodes[i] = treeNode{leaf: n.leaf.Clone(), parent: n.parent.clone()}
	}
	copy(c.hashes, t.hashes) // cached hashes are never mutated in place
	return c
}

// Encode appends the tree as the body of a ratchet_tree extension
// (`optional<Node> ratchet_tree<V>`), without trailing blank nodes.
func (t *RatchetTree) Encode(e *Encoder) {
	end := len(t.nodes)
	for end > 0 && t.nodes[end-1].blank() {
		end--
	}
	e.Vector(func(e *Encoder) {
		for i := range t.nodes[:end] {
			n := &t.nodes[i]
			e.Optional(!n.blank(), func(e *Encoder) {
				if n.leaf != nil {
					e.Uint8(nodeTypeLeaf)
					n.leaf.Encode(e)
				} else {
					e.Uint8(nodeTypeParent)
					n.parent.Encode(e)
				}
			})
		}
	})
}

// Bytes returns the ratchet_tree encoding of the tree.
func (t *RatchetTree) Bytes() []byte {
	var e Encoder
	t.Encode(&e)
	return e.Bytes()
}

// Decode reads a tree in ratchet_tree encoding and pads it with blank nodes
// to a full tree. Node types must match their positions and the last node
// must not be blank. Only syntax is checked; see Validate.
func (t *RatchetTree) Decode(d *Decoder) {
	var nodes []treeNode
	d.ReadVector(func(d *Decoder) {
		var n treeNode
		d.Optional(func(d *Decoder) {
			typ := d.Uint8()
			isLeaf := len(nodes)%2 == 0
			switch {
			case typ == nodeTypeLeaf && isLeaf:
				n.leaf = new(LeafNode)
				n.leaf.Decode(d)
			case typ == nodeTypeParent && !isLeaf:
				n.parent = new(ParentNode)
				n.parent.Decode(d)
			default:
				d.Fail("node %d: type %d at the wrong position", len(nodes), typ)
			}
		})
		if len(nodes) >= int(nodeWidth(maxLeaves)) {
			d.Fail("tree too large")
		}
		nodes = append(nodes, n)
	})
	if d.Err() != nil {
		return
	}
	if len(nodes) == 0 || nodes[len(nodes)-1].blank() {
		d.Fail("ratchet tree empty or ending in a blank node")
		return
	}
	leaves := uint32(1)
	for nodeWidth(leaves) < uint32(len(nodes)) {
		leaves *= 2
	}
	nodes = append(nodes, make([]treeNode, int(nodeWidth(leaves))-len(nodes))...)
	t.nodes = nodes
	t.hashes = make([][]byte, len(nodes))
}

// DecodeRatchetTree decodes a ratchet_tree extension body that must fill b.
func DecodeRatchetTree(b []byte) (*RatchetTree, error) {
	t := new(RatchetTree)
	if err := decodeAll(b, t.Decode); err != nil {
		return nil, fmt.Errorf("decode ratchet tree: %w", err)
	}
	return t, nil
}

// resolution returns the resolution of x (RFC 9420 §4.1.2), leaving out
// the leaves in exclude and any node outside the tree.
func (t *RatchetTree) resolution(x nodeIndex, exclude []leafIndex) []nodeIndex {
	return t.appendResolution(nil, x, exclude)
}

func (t *RatchetTree) appendResolution(out []nodeIndex, x nodeIndex, exclude []leafIndex) []nodeIndex {
	if !inTree(x, t.NumLeaves()) {
		return out
	}
	n := &t.nodes[x]
	switch {
	case n.leaf != nil:
		if l, _ := x.leaf(); !slices.Contains(exclude, l) {
			out = append(out, x)
		}
	case n.parent != nil:
		out = append(out, x)
		for _, l := range n.parent.UnmergedLeaves {
			if !slices.Contains(exclude, l) {
				out = append(out, l.node())
			}
		}
	case !x.isLeaf():
		l, _ := left(x)
		r, _ := right(x)
		out = t.appendResolution(out, l, exclude)
		out = t.appendResolution(out, r, exclude)
	}
	return out
}

// filteredDirectPath returns the direct path of leaf without the nodes
// whose copath child has an empty resolution, with those copath children.
func (t *RatchetTree) filteredDirectPath(leaf leafIndex) (path, copathNodes []nodeIndex, err error) {
	n := t.NumLeaves()
	x := leaf.node()
	if !inTree(x, n) {
		return nil, nil, errNodeOutOfRange
	}
	for {
		p, ok := parent(x, n)
		if !ok {
			return path, copathNodes, nil
		}
		s, _ := sibling(x, n)
		if len(t.resolution(s, nil)) > 0 {
			path = append(path, p)
			copathNodes = append(copathNodes, s)
		}
		x = p
	}
}
