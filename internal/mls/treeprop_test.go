package mls

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// treeModel drives a ratchet tree through a sequence of membership changes
// and commits, keeping every member's private keys, and checks the
// invariants that must hold after each step.
type treeModel struct {
	t        *testing.T
	tree     *RatchetTree
	keys     map[leafIndex]*TreePrivateKeys
	sigPrivs map[leafIndex][]byte
	groupID  []byte
	largest  int // most members seen at once
}

func newTreeModel(t *testing.T) *treeModel {
	leaf, encPriv, sigPriv := benchLeaf(t)
	k, err := NewTreePrivateKeys(0, encPriv)
	if err != nil {
		t.Fatal(err)
	}
	return &treeModel{
		t: t, tree: NewRatchetTree(leaf), groupID: []byte("model group"),
		keys:     map[leafIndex]*TreePrivateKeys{0: k},
		sigPrivs: map[leafIndex][]byte{0: sigPriv},
	}
}

// pick returns the member chosen by b.
func (m *treeModel) pick(b byte) leafIndex {
	members := m.tree.Members()
	return members[int(b)%len(members)]
}

func (m *treeModel) add() {
	leaf, encPriv, sigPriv := benchLeaf(m.t)
	i, err := m.tree.AddLeaf(leaf)
	if err != nil {
		m.t.Fatal(err)
	}
	if m.keys[i], err = NewTreePrivateKeys(i, encPriv); err != nil {
		m.t.Fatal(err)
	}
	m.sigPrivs[i] = sigPriv
}

func (m *treeModel) update(i leafIndex) {
	leaf, encPriv, sigPriv := benchLeaf(m.t)
	leaf.Source, leaf.Lifetime = LeafNodeSourceUpdate, Lifetime{}
	if err := leaf.Sign(sigPriv, m.groupID, i); err != nil {
		m.t.Fatal(err)
	}
	if err := m.tree.CheckNewLeaf(leaf, int64(i)); err != nil {
		m.t.Fatalf("CheckNewLeaf(update of %d) = %v", i, err)
	}
	if err := m.tree.UpdateLeaf(i, leaf); err != nil {
		m.t.Fatal(err)
	}
	m.keys[i].Wipe()
	var err error
	if m.keys[i], err = NewTreePrivateKeys(i, encPriv); err != nil {
		m.t.Fatal(err)
	}
	m.sigPrivs[i] = sigPriv
	m.prune()
}

func (m *treeModel) remove(i leafIndex) {
	if err := m.tree.RemoveLeaf(i); err != nil {
		m.t.Fatal(err)
	}
	m.keys[i].Wipe()
	delete(m.keys, i)
	delete(m.sigPrivs, i)
	m.prune()
}

func (m *treeModel) prune() {
	for _, k := range m.keys {
		k.Prune(m.tree)
	}
}

// commit has member s send an UpdatePath that every other member merges
// into its own copy of the tree and decrypts.
func (m *treeModel) commit(s leafIndex) {
	before := m.tree.Clone()
	path, keys, commitSecret, err := m.tree.CreateUpdatePath(s, m.tree.Leaf(s), m.sigPrivs[s], m.groupID, nil, benchGC)
	if err != nil {
		m.t.Fatalf("CreateUpdatePath(%d) = %v", s, err)
	}
	m.keys[s].Wipe()
	m.keys[s] = keys
	gc, _ := benchGC(m.tree.TreeHash())
	for i, k := range m.keys {
		if i == s {
			continue
		}
		theirs := before.Clone()
		if err := theirs.MergeUpdatePath(s, path, nil, LeafNodeCheck{GroupID: m.groupID}); err != nil {
			m.t.Fatalf("member %d: MergeUpdatePath(from %d) = %v", i, s, err)
		}
		if !bytes.Equal(theirs.TreeHash(), m.tree.TreeHash()) {
			m.t.Fatalf("member %d: tree hash after merge differs from the committer's", i)
		}
		cs, err := k.DecryptUpdatePath(theirs, s, path, nil, gc)
		if err != nil {
			m.t.Fatalf("member %d: DecryptUpdatePath(from %d) = %v", i, s, err)
		}
		if !bytes.Equal(cs, commitSecret) {
			m.t.Fatalf("member %d: commit secret differs from the committer's", i)
		}
	}
}

// check verifies the tree's invariants: the cached hash equals that of a
// tree decoded afresh, the tree validates as a joiner would see it, and
// every private key a member holds belongs to a node above its leaf.
func (m *treeModel) check(step int) {
	fresh, err := DecodeRatchetTree(m.tree.Bytes())
	if err != nil {
		m.t.Fatalf("step %d: decode own encoding: %v", step, err)
	}
	if !bytes.Equal(fresh.TreeHash(), m.tree.TreeHash()) {
		m.t.Fatalf("step %d: cached tree hash differs from a fresh computation", step)
	}
	if err := fresh.Validate(TreeCheck{GroupID: m.groupID}); err != nil {
		m.t.Fatalf("step %d: Validate = %v", step, err)
	}
	for i, k := range m.keys {
		for x := range k.keys {
			if _, ok := k.privateKeyFor(m.tree, x); !ok {
				m.t.Fatalf("step %d: member %d holds a stale key for node %d", step, i, x)
			}
			if x != i.node() && !isUnder(i.node(), x) {
				m.t.Fatalf("step %d: member %d holds a key for node %d, not above it", step, i, x)
			}
		}
	}
}

// run interprets ops two bytes at a time, an operation and a member, for
// at most maxSteps steps.
func (m *treeModel) run(ops []byte, maxSteps int) {
	for step := 0; step+1 < len(ops) && step/2 < maxSteps; step += 2 {
		op, who := ops[step]%4, ops[step+1]
		switch {
		case op == 0 || len(m.tree.Members()) == 1 && op == 1:
			m.add()
		case op == 1:
			m.remove(m.pick(who))
		case op == 2:
			m.update(m.pick(who))
		default:
			m.commit(m.pick(who))
		}
		m.check(step / 2)
		m.largest = max(m.largest, len(m.tree.Members()))
	}
}

// FuzzTreeOperations checks the ratchet tree's invariants across random
// sequences of Add, Remove, Update and commits with an UpdatePath.
func FuzzTreeOperations(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 3, 1, 0, 0, 3, 2, 1, 1, 3, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 3, 0, 2, 2, 1, 4, 3, 1, 0, 0, 3, 3})
	f.Add([]byte{3, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 3, 5, 1, 2, 1, 3, 3, 0, 0, 0, 3, 2})
	f.Fuzz(func(t *testing.T, ops []byte) {
		newTreeModel(t).run(ops, 24)
	})
}

// TestTreeOperationsLongSequence runs one long pseudo-random sequence, in
// which the group grows past 16 members and shrinks again.
func TestTreeOperationsLongSequence(t *testing.T) {
	r := rand.New(rand.NewPCG(9420, 7))
	ops := make([]byte, 0, 240)
	for i := 0; i < 120; i++ {
		op := byte(r.IntN(4))
		if i < 40 && op == 1 {
			op = 0 // grow first
		}
		if i >= 80 && op == 0 {
			op = 1 // then shrink
		}
		ops = append(ops, op, byte(r.IntN(256)))
	}
	m := newTreeModel(t)
	m.run(ops, 120)
	if m.largest <= 16 || len(m.tree.Members()) >= m.largest {
		t.Fatalf("sequence peaked at %d members and ended at %d; want growth past 16 then shrinkage",
			m.largest, len(m.tree.Members()))
	}
}
