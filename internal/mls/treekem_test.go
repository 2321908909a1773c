package mls

import (
	"bytes"
	"errors"
	"testing"
)

type treeKEMVector struct {
	CipherSuite             uint16   `json:"cipher_suite"`
	GroupID                 hexBytes `json:"group_id"`
	Epoch                   uint64   `json:"epoch"`
	ConfirmedTranscriptHash hexBytes `json:"confirmed_transcript_hash"`
	RatchetTree             hexBytes `json:"ratchet_tree"`
	LeavesPrivate           []struct {
		Index          uint32   `json:"index"`
		EncryptionPriv hexBytes `json:"encryption_priv"`
		SignaturePriv  hexBytes `json:"signature_priv"`
		PathSecrets    []struct {
			Node       uint32   `json:"node"`
			PathSecret hexBytes `json:"path_secret"`
		} `json:"path_secrets"`
	} `json:"leaves_private"`
	UpdatePaths []struct {
		Sender        uint32     `json:"sender"`
		UpdatePath    hexBytes   `json:"update_path"`
		PathSecrets   []hexBytes `json:"path_secrets"`
		CommitSecret  hexBytes   `json:"commit_secret"`
		TreeHashAfter hexBytes   `json:"tree_hash_after"`
	} `json:"update_paths"`
}

// groupContextFor builds the provisional GroupContext of a treekem case.
func (v *treeKEMVector) groupContext(treeHash []byte) []byte {
	gc := GroupContext{
		Version:                 ProtocolVersionMLS10,
		CipherSuite:             CipherSuite(v.CipherSuite),
		GroupID:                 v.GroupID,
		Epoch:                   v.Epoch,
		TreeHash:                treeHash,
		ConfirmedTranscriptHash: v.ConfirmedTranscriptHash,
		Extensions:              Extensions{},
	}
	return gc.Bytes()
}

// privateKeys loads the private state of every leaf the case provides.
func (v *treeKEMVector) privateKeys(t *testing.T) map[leafIndex]*TreePrivateKeys {
	t.Helper()
	out := make(map[leafIndex]*TreePrivateKeys)
	for _, lp := range v.LeavesPrivate {
		k, err := NewTreePrivateKeys(leafIndex(lp.Index), lp.EncryptionPriv)
		if err != nil {
			t.Fatal(err)
		}
		for _, ps := range lp.PathSecrets {
			if err := k.setPathSecret(nodeIndex(ps.Node), ps.PathSecret); err != nil {
				t.Fatal(err)
			}
		}
		out[leafIndex(lp.Index)] = k
	}
	return out
}

func TestVectorsTreeKEM(t *testing.T) {
	var cases []treeKEMVector
	loadVectors(t, "treekem.json", &cases)
	vc := newVectorCount(t, "treekem.json")
	for i := range cases {
		tc := &cases[i]
		vc.run(i, tc.CipherSuite, func(t *testing.T) { runTreeKEMCase(t, tc) })
	}
}

func runTreeKEMCase(t *testing.T, tc *treeKEMVector) {
	base, err := DecodeRatchetTree(tc.RatchetTree)
	if err != nil {
		t.Fatal(err)
	}
	if err := base.Validate(TreeCheck{GroupID: tc.GroupID}); err != nil {
		t.Fatalf("Validate(ratchet_tree) = %v", err)
	}
	for _, up := range tc.UpdatePaths {
		sender := leafIndex(up.Sender)
		path, err := DecodeUpdatePath(up.UpdatePath)
		if err != nil {
			t.Fatal(err)
		}
		var e Encoder
		path.Encode(&e)
		mustEqual(t, "re-encoded update path", e.Bytes(), up.UpdatePath)

		tree := base.Clone()
		if err := tree.MergeUpdatePath(sender, path, nil, LeafNodeCheck{GroupID: tc.GroupID}); err != nil {
			t.Fatalf("sender %d: MergeUpdatePath = %v", sender, err)
		}
		mustEqual(t, "tree hash after merge", tree.TreeHash(), up.TreeHashAfter)
		if err := tree.VerifyParentHashes(); err != nil {
			t.Errorf("sender %d: parent hashes after merge: %v", sender, err)
		}
		gc := tc.groupContext(tree.TreeHash())
		for leaf, k := range tc.privateKeys(t) {
			if leaf == sender {
				continue
			}
			ps, cs, err := k.decryptUpdatePath(tree, sender, path, nil, gc)
			if err != nil {
				t.Fatalf("sender %d, receiver %d: %v", sender, leaf, err)
			}
			mustEqual(t, "path secret", ps, up.PathSecrets[leaf])
			mustEqual(t, "commit secret", cs, up.CommitSecret)
		}

		// The same sender creates a fresh path; every other member must
		// reach the same commit secret and tree.
		checkCreatedPath(t, tc, base, sender)
	}
}

func checkCreatedPath(t *testing.T, tc *treeKEMVector, base *RatchetTree, sender leafIndex) {
	t.Helper()
	var sigPriv []byte
	for _, lp := range tc.LeavesPrivate {
		if leafIndex(lp.Index) == sender {
			sigPriv = lp.SignaturePriv
		}
	}
	if sigPriv == nil {
		t.Fatalf("no signature key for sender %d", sender)
	}
	tree := base.Clone()
	path, _, commitSecret, err := tree.CreateUpdatePath(sender, base.Leaf(sender), sigPriv, tc.GroupID, nil,
		func(th []byte) ([]byte, error) { return tc.groupContext(th), nil })
	if err != nil {
		t.Fatalf("CreateUpdatePath(%d) = %v", sender, err)
	}
	if err := tree.VerifyParentHashes(); err != nil {
		t.Errorf("parent hashes after CreateUpdatePath(%d): %v", sender, err)
	}
	wire := func() *UpdatePath {
		var e Encoder
		path.Encode(&e)
		p, err := DecodeUpdatePath(e.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return p
	}()
	for leaf, k := range tc.privateKeys(t) {
		if leaf == sender {
			continue
		}
		theirs := base.Clone()
		if err := theirs.MergeUpdatePath(sender, wire, nil, LeafNodeCheck{GroupID: tc.GroupID}); err != nil {
			t.Fatalf("receiver %d: MergeUpdatePath(own path) = %v", leaf, err)
		}
		if !bytes.Equal(theirs.TreeHash(), tree.TreeHash()) {
			t.Errorf("receiver %d: tree hash differs from the committer's", leaf)
		}
		cs, err := k.DecryptUpdatePath(theirs, sender, wire, nil, tc.groupContext(theirs.TreeHash()))
		if err != nil {
			t.Fatalf("receiver %d: DecryptUpdatePath(own path) = %v", leaf, err)
		}
		mustEqual(t, "commit secret of a created path", cs, commitSecret)
	}
}

func TestCreateUpdatePathWithJoiners(t *testing.T) {
	g := newBenchGroup(t, 6)
	joinerLeaf, joinerPriv, _ := benchLeaf(t)
	tree := g.tree.Clone()
	joiner, err := tree.AddLeaf(joinerLeaf)
	if err != nil {
		t.Fatal(err)
	}
	before := tree.Clone()
	const committer = leafIndex(1)
	gc := func(th []byte) ([]byte, error) { return benchGC(th) }
	path, _, commitSecret, secrets, err := tree.CreateUpdatePathWithJoiners(committer, tree.Leaf(committer),
		g.sigPrivs[committer], g.groupID, []leafIndex{joiner}, gc)
	if err != nil {
		t.Fatal(err)
	}
	if len(secrets) != 1 || secrets[joiner] == nil {
		t.Fatalf("joiner secrets = %d entries; want one for leaf %d", len(secrets), joiner)
	}
	// The joiner, knowing only the secret its Welcome would carry, holds
	// keys matching the new tree.
	k, err := NewTreePrivateKeys(joiner, joinerPriv)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.ImportPathSecret(tree, committer, secrets[joiner]); err != nil {
		t.Fatalf("ImportPathSecret = %v", err)
	}
	root := root(tree.NumLeaves())
	if _, ok := k.privateKeyFor(tree, root); !ok {
		t.Errorf("joiner has no key for the root after ImportPathSecret")
	}
	wrong, _ := NewTreePrivateKeys(joiner, joinerPriv)
	if err := wrong.ImportPathSecret(tree, committer, make([]byte, HashLen)); !errors.Is(err, ErrInvalidTree) {
		t.Errorf("ImportPathSecret(wrong secret) = %v; want ErrInvalidTree", err)
	}
	if len(wrong.keys) != 1 {
		t.Errorf("a refused path secret left %d keys; want only the leaf's", len(wrong.keys))
	}
	// Existing members decrypt the path; the joiner's leaf got no ciphertext.
	theirs := before.Clone()
	if err := theirs.MergeUpdatePath(committer, path, []leafIndex{joiner}, LeafNodeCheck{GroupID: g.groupID}); err != nil {
		t.Fatalf("MergeUpdatePath = %v", err)
	}
	if err := before.Clone().MergeUpdatePath(committer, path, nil, LeafNodeCheck{GroupID: g.groupID}); !errors.Is(err, ErrInvalidUpdatePath) {
		t.Errorf("MergeUpdatePath without the joiner excluded = %v; want ErrInvalidUpdatePath", err)
	}
	other := g.keysOf(t, 4)
	gcBytes, _ := benchGC(theirs.TreeHash())
	cs, err := other.DecryptUpdatePath(theirs, committer, path, []leafIndex{joiner}, gcBytes)
	if err != nil {
		t.Fatalf("DecryptUpdatePath = %v", err)
	}
	mustEqual(t, "commit secret", cs, commitSecret)
}
