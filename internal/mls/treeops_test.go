package mls

import (
	"bytes"
	"errors"
	"testing"
)

func TestVectorsTreeOperations(t *testing.T) {
	var cases []struct {
		CipherSuite    uint16   `json:"cipher_suite"`
		TreeBefore     hexBytes `json:"tree_before"`
		Proposal       hexBytes `json:"proposal"`
		ProposalSender uint32   `json:"proposal_sender"`
		TreeHashBefore hexBytes `json:"tree_hash_before"`
		TreeAfter      hexBytes `json:"tree_after"`
		TreeHashAfter  hexBytes `json:"tree_hash_after"`
	}
	loadVectors(t, "tree-operations.json", &cases)
	vc := newVectorCount(t, "tree-operations.json")
	for i, tc := range cases {
		vc.run(i, tc.CipherSuite, func(t *testing.T) {
			tree, err := DecodeRatchetTree(tc.TreeBefore)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "tree hash before", tree.TreeHash(), tc.TreeHashBefore)
			var p Proposal
			if err := decodeAll(tc.Proposal, p.Decode); err != nil {
				t.Fatal(err)
			}
			switch p.Type {
			case ProposalAdd:
				_, err = tree.AddLeaf(&p.Add.KeyPackage.LeafNode)
			case ProposalUpdate:
				err = tree.UpdateLeaf(leafIndex(tc.ProposalSender), &p.Update.LeafNode)
			case ProposalRemove:
				err = tree.RemoveLeaf(leafIndex(p.Remove.Removed))
			default:
				t.Fatalf("proposal type %d is not a tree operation", p.Type)
			}
			if err != nil {
				t.Fatalf("apply proposal type %d: %v", p.Type, err)
			}
			if got := tree.Bytes(); !bytes.Equal(got, tc.TreeAfter) {
				t.Errorf("tree after proposal type %d differs:\n got %x\nwant %x", p.Type, got, tc.TreeAfter)
			}
			mustEqual(t, "tree hash after", tree.TreeHash(), tc.TreeHashAfter)
			// The cached hashes must agree with a tree built from scratch.
			fresh, err := DecodeRatchetTree(tc.TreeAfter)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "tree hash of the decoded tree after", fresh.TreeHash(), tc.TreeHashAfter)
		})
	}
}

func TestRemoveTruncatesAndBlankLeafErrors(t *testing.T) {
	leaf := func(b byte) *LeafNode {
		return &LeafNode{EncryptionKey: []byte{b}, SignatureKey: []byte{b}, Source: LeafNodeSourceKeyPackage,
			Credential: NewBasicCredential([]byte{b})}
	}
	tree := NewRatchetTree(leaf(0))
	for i := byte(1); i < 5; i++ {
		if got, err := tree.AddLeaf(leaf(i)); err != nil || got != leafIndex(i) {
			t.Fatalf("AddLeaf(%d) = %d, %v", i, got, err)
		}
	}
	if got := tree.NumLeaves(); got != 8 {
		t.Fatalf("NumLeaves() after 5 adds = %d; want 8", got)
	}
	if err := tree.RemoveLeaf(4); err != nil {
		t.Fatal(err)
	}
	if got := tree.NumLeaves(); got != 4 {
		t.Errorf("NumLeaves() after removing the last member = %d; want 4", got)
	}
	if err := tree.RemoveLeaf(3); err != nil {
		t.Fatal(err)
	}
	if err := tree.RemoveLeaf(2); err != nil {
		t.Fatal(err)
	}
	if got := tree.NumLeaves(); got != 2 {
		t.Errorf("NumLeaves() after removing leaves 2–4 = %d; want 2", got)
	}
	if err := tree.RemoveLeaf(2); !errors.Is(err, ErrBlankLeaf) {
		t.Errorf("RemoveLeaf(outside) = %v; want ErrBlankLeaf", err)
	}
	if err := tree.UpdateLeaf(7, leaf(9)); !errors.Is(err, ErrBlankLeaf) {
		t.Errorf("UpdateLeaf(outside) = %v; want ErrBlankLeaf", err)
	}
	// A freed slot is reused before the tree grows.
	if err := tree.RemoveLeaf(0); err != nil {
		t.Fatal(err)
	}
	if got, _ := tree.AddLeaf(leaf(7)); got != 0 {
		t.Errorf("AddLeaf after removing leaf 0 = %d; want 0", got)
	}
}

func TestZeroRatchetTree(t *testing.T) {
	var tree RatchetTree
	if h := tree.TreeHash(); h != nil {
		t.Errorf("TreeHash() of an empty tree = %x; want nil", h)
	}
	if err := tree.Validate(TreeCheck{}); err == nil {
		t.Error("Validate() accepted an empty tree")
	}
	if l := tree.Leaf(0); l != nil {
		t.Error("Leaf(0) of an empty tree is not nil")
	}
	if _, err := tree.AddLeaf(&LeafNode{}); err != nil {
		t.Fatalf("AddLeaf to an empty tree = %v", err)
	}
	if tree.NumLeaves() != 1 || tree.TreeHash() == nil {
		t.Errorf("after AddLeaf: NumLeaves() = %d, TreeHash() = %x", tree.NumLeaves(), tree.TreeHash())
	}
}

func TestDecodeRatchetTreeTooWide(t *testing.T) {
	leaf, _, _ := benchLeaf(t)
	var e Encoder
	e.Vector(func(e *Encoder) {
		for i := 0; i < int(nodeWidth(maxLeaves))+1; i++ {
			e.Uint8(0) // blank
		}
		e.Optional(true, func(e *Encoder) {
			e.Uint8(nodeTypeLeaf)
			leaf.Encode(e)
		})
	})
	if _, err := DecodeRatchetTree(e.Bytes()); !errors.Is(err, ErrDecode) {
		t.Errorf("DecodeRatchetTree(%d leaves) = %v; want ErrDecode", maxLeaves*2, err)
	}
}
