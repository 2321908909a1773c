package mls

import (
	"bytes"
	"fmt"
	"testing"
)

// benchGroup is a synthetic group whose every parent node holds a key, the
// steady state of a group in which members commit regularly.
type benchGroup struct {
	tree     *RatchetTree
	sigPrivs [][]byte
	privs    map[nodeIndex][]byte
	groupID  []byte
}

func benchLeaf(b testing.TB) (leaf *LeafNode, encPriv, sigPriv []byte) {
	encPriv, encPub, err := GenerateHPKEKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	sigPriv, sigPub, err := GenerateSignatureKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	leaf = &LeafNode{
		EncryptionKey: encPub,
		SignatureKey:  sigPub,
		Credential:    NewBasicCredential(sigPub[:8]),
		Capabilities: Capabilities{
			Versions:     []uint16{ProtocolVersionMLS10},
			CipherSuites: []CipherSuite{CipherSuiteMLS128X25519},
			Extensions:   []ExtensionType{},
			Proposals:    []uint16{},
			Credentials:  []CredentialType{CredentialTypeBasic},
		},
		Source:     LeafNodeSourceKeyPackage,
		Lifetime:   Lifetime{NotAfter: 1 << 62},
		Extensions: Extensions{},
	}
	if err := leaf.Sign(sigPriv, nil, 0); err != nil {
		b.Fatal(err)
	}
	return leaf, encPriv, sigPriv
}

func newBenchGroup(b testing.TB, members int) *benchGroup {
	g := &benchGroup{privs: make(map[nodeIndex][]byte), groupID: []byte("bench group")}
	for i := 0; i < members; i++ {
		leaf, encPriv, sigPriv := benchLeaf(b)
		if i == 0 {
			g.tree = NewRatchetTree(leaf)
		} else if _, err := g.tree.AddLeaf(leaf); err != nil {
			b.Fatal(err)
		}
		g.privs[leafIndex(i).node()] = encPriv
		g.sigPrivs = append(g.sigPrivs, sigPriv)
	}
	for x := nodeIndex(1); int(x) < len(g.tree.nodes); x += 2 {
		priv, pub, err := GenerateHPKEKeyPair()
		if err != nil {
			b.Fatal(err)
		}
		g.tree.setParent(x, &ParentNode{EncryptionKey: pub, UnmergedLeaves: []leafIndex{}})
		g.privs[x] = priv
	}
	g.tree.TreeHash() // warm the hash cache, as a live group has it
	return g
}

// keysOf returns the private keys member i holds: its leaf and its
// direct path.
func (g *benchGroup) keysOf(b testing.TB, i leafIndex) *TreePrivateKeys {
	k, err := NewTreePrivateKeys(i, g.privs[i.node()])
	if err != nil {
		b.Fatal(err)
	}
	path, _ := directPath(i.node(), g.tree.NumLeaves())
	for _, x := range path {
		if priv, ok := g.privs[x]; ok && g.tree.nodes[x].parent != nil {
			k.keys[x] = nodeKeyPair{priv: bytes.Clone(priv), pub: g.tree.nodes[x].parent.EncryptionKey}
		}
	}
	return k
}

var benchSizes = []int{10, 100, 1000, 5000}

func benchGC(treeHash []byte) ([]byte, error) {
	gc := GroupContext{Version: ProtocolVersionMLS10, CipherSuite: CipherSuiteMLS128X25519,
		GroupID: []byte("bench group"), Epoch: 1, TreeHash: treeHash, ConfirmedTranscriptHash: make([]byte, 32)}
	return gc.Bytes(), nil
}

// BenchmarkTreeKEMCreatePath measures a committer building an UpdatePath.
func BenchmarkTreeKEMCreatePath(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			g := newBenchGroup(b, n)
			sender := leafIndex(n / 2)
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				tree := g.tree.Clone()
				b.StartTimer()
				_, keys, cs, err := tree.CreateUpdatePath(sender, tree.Leaf(sender), g.sigPrivs[sender], g.groupID, nil, benchGC)
				if err != nil {
					b.Fatal(err)
				}
				keys.Wipe()
				zero(cs)
			}
		})
	}
}

// BenchmarkTreeKEMProcessPath measures a member merging and decrypting an
// UpdatePath from a committer in the other half of the tree (the longest
// derivation: it decrypts at the root's child).
func BenchmarkTreeKEMProcessPath(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			g := newBenchGroup(b, n)
			sender, receiver := leafIndex(n-1), leafIndex(0)
			committed := g.tree.Clone()
			path, _, _, err := committed.CreateUpdatePath(sender, g.tree.Leaf(sender), g.sigPrivs[sender], g.groupID, nil, benchGC)
			if err != nil {
				b.Fatal(err)
			}
			gc, _ := benchGC(committed.TreeHash())
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				tree := g.tree.Clone()
				keys := g.keysOf(b, receiver)
				b.StartTimer()
				if err := tree.MergeUpdatePath(sender, path, nil, LeafNodeCheck{GroupID: g.groupID}); err != nil {
					b.Fatal(err)
				}
				cs, err := keys.DecryptUpdatePath(tree, sender, path, nil, gc)
				if err != nil {
					b.Fatal(err)
				}
				zero(cs)
			}
		})
	}
}

// BenchmarkRatchetTreeJoin measures what a joiner does with the tree in a
// Welcome: decode it, validate it (§12.4.3.1: every leaf signature, parent
// hashes, unmerged leaves, key uniqueness) and compute its tree hash. The
// tree is a new group's: leaves plus one committer's path.
func BenchmarkRatchetTreeJoin(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			g := newBenchGroup(b, n)
			for x := nodeIndex(1); int(x) < len(g.tree.nodes); x += 2 {
				g.tree.setParent(x, nil)
			}
			if _, _, _, err := g.tree.CreateUpdatePath(0, g.tree.Leaf(0), g.sigPrivs[0], g.groupID, nil, benchGC); err != nil {
				b.Fatal(err)
			}
			enc := g.tree.Bytes()
			b.SetBytes(int64(len(enc)))
			b.ResetTimer()
			for b.Loop() {
				tree, err := DecodeRatchetTree(enc)
				if err != nil {
					b.Fatal(err)
				}
				if err := tree.Validate(TreeCheck{GroupID: g.groupID}); err != nil {
					b.Fatal(err)
				}
				_ = tree.TreeHash()
			}
		})
	}
}
