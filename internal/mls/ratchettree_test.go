package mls

import (
	"bytes"
	"slices"
	"testing"
)

func TestVectorsTreeValidation(t *testing.T) {
	var cases []struct {
		CipherSuite uint16     `json:"cipher_suite"`
		Tree        hexBytes   `json:"tree"`
		GroupID     hexBytes   `json:"group_id"`
		TreeHashes  []hexBytes `json:"tree_hashes"`
		Resolutions [][]uint32 `json:"resolutions"`
	}
	loadVectors(t, "tree-validation.json", &cases)
	vc := newVectorCount(t, "tree-validation.json")
	for i, tc := range cases {
		vc.run(i, tc.CipherSuite, func(t *testing.T) {
			tree, err := DecodeRatchetTree(tc.Tree)
			if err != nil {
				t.Fatal(err)
			}
			if got := tree.Bytes(); !bytes.Equal(got, tc.Tree) {
				t.Errorf("re-encoded tree differs")
			}
			if len(tc.TreeHashes) != len(tree.nodes) {
				t.Fatalf("tree has %d nodes; vector has %d tree hashes", len(tree.nodes), len(tc.TreeHashes))
			}
			for x := range tree.nodes {
				mustEqual(t, "treeHash", tree.treeHash(nodeIndex(x)), tc.TreeHashes[x])
				var want []nodeIndex
				for _, r := range tc.Resolutions[x] {
					want = append(want, nodeIndex(r))
				}
				if got := tree.resolution(nodeIndex(x), nil); !slices.Equal(got, want) {
					t.Errorf("resolution(%d) = %v; want %v", x, got, want)
				}
			}
			if err := tree.VerifyParentHashes(); err != nil {
				t.Errorf("VerifyParentHashes() = %v", err)
			}
			if err := tree.Validate(TreeCheck{GroupID: tc.GroupID}); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}
