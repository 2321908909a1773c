package mls

import (
	"errors"
	"testing"
)

// treeWithParents returns a suite-1 tree with at least one
// non-blank parent, and its group ID.
func treeWithParents(t *testing.T) (*RatchetTree, []byte) {
	t.Helper()
	var cases []struct {
		CipherSuite uint16   `json:"cipher_suite"`
		Tree        hexBytes `json:"tree"`
		GroupID     hexBytes `json:"group_id"`
	}
	loadVectors(t, "tree-validation.json", &cases)
	for _, tc := range cases {
		if CipherSuite(tc.CipherSuite) != CipherSuiteMLS128X25519 {
			continue
		}
		tree, err := DecodeRatchetTree(tc.Tree)
		if err != nil {
			t.Fatal(err)
		}
		parents := 0
		for x := 1; x < len(tree.nodes); x += 2 {
			if tree.nodes[x].parent != nil {
				parents++
			}
		}
		if parents >= 2 && len(tree.Members()) >= 4 {
			return tree, tc.GroupID
		}
	}
	t.Fatal("no suitable tree in tree-validation.json")
	return nil, nil
}

func firstParent(t *RatchetTree) nodeIndex {
	for x := 1; x < len(t.nodes); x += 2 {
		if t.nodes[x].parent != nil {
			return nodeIndex(x)
		}
	}
	return 0
}

func TestValidateRejectsTamperedTrees(t *testing.T) {
	base, groupID := treeWithParents(t)
	if err := base.Validate(TreeCheck{GroupID: groupID}); err != nil {
		t.Fatalf("Validate(untouched) = %v", err)
	}
	members := base.Members()
	tests := []struct {
		name   string
		tamper func(tr *RatchetTree)
	}{
		{"parent hash changed", func(tr *RatchetTree) {
			x := firstParent(tr)
			p := tr.nodes[x].parent.clone()
			p.ParentHash = append(p.ParentHash, 0)
			tr.setParent(x, p)
		}},
		{"parent key changed", func(tr *RatchetTree) {
			x := firstParent(tr)
			p := tr.nodes[x].parent.clone()
			p.EncryptionKey[0] ^= 1
			tr.setParent(x, p)
		}},
		{"leaf signature broken", func(tr *RatchetTree) {
			l := tr.Leaf(members[1]).Clone()
			l.Signature[0] ^= 1
			tr.setLeaf(members[1], l)
		}},
		{"wrong group", func(tr *RatchetTree) {}},
		{"duplicate signature key", func(tr *RatchetTree) {
			l := tr.Leaf(members[1]).Clone()
			l.SignatureKey = tr.Leaf(members[0]).SignatureKey
			tr.setLeaf(members[1], l)
		}},
		{"unmerged leaf that is blank", func(tr *RatchetTree) {
			x := root(tr.NumLeaves())
			p := tr.nodes[x].parent
			if p == nil {
				p = &ParentNode{EncryptionKey: make([]byte, 32)}
			}
			p = p.clone()
			p.UnmergedLeaves = append(p.UnmergedLeaves, leafIndex(tr.NumLeaves()-1)+1)
			tr.setParent(x, p)
		}},
		{"blank parent gains a key", func(tr *RatchetTree) {
			for x := 1; x < len(tr.nodes); x += 2 {
				if tr.nodes[x].parent == nil {
					tr.setParent(nodeIndex(x), &ParentNode{EncryptionKey: make([]byte, 32)})
					return
				}
			}
			tr.setParent(firstParent(tr), &ParentNode{EncryptionKey: make([]byte, 32)})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := base.Clone()
			tt.tamper(tr)
			gid := groupID
			if tt.name == "wrong group" {
				gid = append([]byte{1}, groupID...)
			}
			if err := tr.Validate(TreeCheck{GroupID: gid}); err == nil {
				t.Errorf("Validate() accepted a tree with %s", tt.name)
			}
		})
	}
}

func TestDecodeRatchetTreeRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", []byte{0}},
		{"trailing blank", []byte{1, 0}},
		{"parent at leaf position", []byte{3, 1, 2, 0}},
		{"bad presence byte", []byte{1, 2}},
	}
	for _, tt := range tests {
		if _, err := DecodeRatchetTree(tt.in); !errors.Is(err, ErrDecode) {
			t.Errorf("DecodeRatchetTree(%s) = %v; want ErrDecode", tt.name, err)
		}
	}
}

func TestUpdatePathRejections(t *testing.T) {
	var cases []treeKEMVector
	loadVectors(t, "treekem.json", &cases)
	var tc *treeKEMVector
	for i := range cases {
		if CipherSuite(cases[i].CipherSuite) == CipherSuiteMLS128X25519 && len(cases[i].LeavesPrivate) >= 4 {
			tc = &cases[i]
			break
		}
	}
	if tc == nil {
		t.Fatal("no suitable treekem case")
	}
	base, err := DecodeRatchetTree(tc.RatchetTree)
	if err != nil {
		t.Fatal(err)
	}
	up := tc.UpdatePaths[0]
	sender := leafIndex(up.Sender)
	check := LeafNodeCheck{GroupID: tc.GroupID}

	t.Run("leaf parent hash", func(t *testing.T) {
		p, _ := DecodeUpdatePath(up.UpdatePath)
		p.Nodes[len(p.Nodes)-1].EncryptionKey[0] ^= 1 // breaks the parent-hash chain
		if err := base.Clone().MergeUpdatePath(sender, p, nil, check); err == nil {
			t.Error("MergeUpdatePath accepted a path whose keys do not match the leaf's parent hash")
		}
	})
	t.Run("node count", func(t *testing.T) {
		p, _ := DecodeUpdatePath(up.UpdatePath)
		p.Nodes = p.Nodes[:len(p.Nodes)-1]
		if err := base.Clone().MergeUpdatePath(sender, p, nil, check); !errors.Is(err, ErrInvalidUpdatePath) {
			t.Errorf("MergeUpdatePath(short path) = %v; want ErrInvalidUpdatePath", err)
		}
	})
	t.Run("wrong sender", func(t *testing.T) {
		p, _ := DecodeUpdatePath(up.UpdatePath)
		other := leafIndex(tc.LeavesPrivate[1].Index)
		if other == sender {
			other = leafIndex(tc.LeavesPrivate[0].Index)
		}
		if err := base.Clone().MergeUpdatePath(other, p, nil, check); err == nil {
			t.Error("MergeUpdatePath accepted a path signed for another leaf")
		}
	})
	t.Run("tampered ciphertext leaves keys unchanged", func(t *testing.T) {
		p, _ := DecodeUpdatePath(up.UpdatePath)
		tree := base.Clone()
		if err := tree.MergeUpdatePath(sender, p, nil, check); err != nil {
			t.Fatal(err)
		}
		for _, n := range p.Nodes {
			for j := range n.EncryptedPathSecret {
				n.EncryptedPathSecret[j].Ciphertext[0] ^= 1
			}
		}
		for leaf, k := range tc.privateKeys(t) {
			if leaf == sender {
				continue
			}
			before := len(k.keys)
			if _, err := k.DecryptUpdatePath(tree, sender, p, nil, tc.groupContext(tree.TreeHash())); !errors.Is(err, ErrInvalidUpdatePath) {
				t.Errorf("receiver %d: DecryptUpdatePath(tampered) = %v; want ErrInvalidUpdatePath", leaf, err)
			}
			if len(k.keys) != before {
				t.Errorf("receiver %d: keys changed after a failed decryption", leaf)
			}
		}
	})
	t.Run("wrong group context", func(t *testing.T) {
		p, _ := DecodeUpdatePath(up.UpdatePath)
		tree := base.Clone()
		if err := tree.MergeUpdatePath(sender, p, nil, check); err != nil {
			t.Fatal(err)
		}
		for leaf, k := range tc.privateKeys(t) {
			if leaf == sender {
				continue
			}
			if _, err := k.DecryptUpdatePath(tree, sender, p, nil, tc.groupContext(nil)); err == nil {
				t.Errorf("receiver %d: DecryptUpdatePath under another group context succeeded", leaf)
			}
		}
	})
}

func TestCheckNewLeaf(t *testing.T) {
	g := newBenchGroup(t, 4)
	fresh, _, _ := benchLeaf(t)
	if err := g.tree.CheckNewLeaf(fresh, -1); err != nil {
		t.Fatalf("CheckNewLeaf(fresh leaf) = %v", err)
	}
	tests := []struct {
		name     string
		replaced int64
		edit     func(l *LeafNode)
	}{
		{"encryption key of another member", -1, func(l *LeafNode) { l.EncryptionKey = g.tree.Leaf(2).EncryptionKey }},
		{"encryption key of a parent", -1, func(l *LeafNode) { l.EncryptionKey = g.tree.nodes[1].parent.EncryptionKey }},
		{"update keeping its encryption key", 1, func(l *LeafNode) { l.EncryptionKey = g.tree.Leaf(1).EncryptionKey }},
		{"signature key of another member", 1, func(l *LeafNode) { l.SignatureKey = g.tree.Leaf(3).SignatureKey }},
		{"credential type members lack", -1, func(l *LeafNode) {
			l.Credential = Credential{Type: CredentialTypeX509, Certificates: [][]byte{{1}}}
			l.Capabilities.Credentials = []CredentialType{CredentialTypeBasic, CredentialTypeX509}
		}},
		{"lacks a credential type in use", -1, func(l *LeafNode) {
			l.Capabilities.Credentials = []CredentialType{CredentialTypeX509}
		}},
	}
	for _, tt := range tests {
		l := fresh.Clone()
		tt.edit(l)
		if err := g.tree.CheckNewLeaf(l, tt.replaced); !errors.Is(err, ErrInvalidLeafNode) {
			t.Errorf("CheckNewLeaf(%s) = %v; want ErrInvalidLeafNode", tt.name, err)
		}
	}
	// An Update may keep its own signature key.
	l := fresh.Clone()
	l.SignatureKey = g.tree.Leaf(1).SignatureKey
	if err := g.tree.CheckNewLeaf(l, 1); err != nil {
		t.Errorf("CheckNewLeaf(update keeping its signature key) = %v", err)
	}
}
