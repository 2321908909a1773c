package mls

import (
	"bytes"
	"testing"
)

// Fuzz targets for every decoder of the package. The property: decoding
// never panics, and whatever decodes re-encodes to the same bytes (every
// MLS encoding is canonical: minimal length headers, strict booleans, no
// trailing blank nodes in a ratchet tree). Seeds taken from the IETF test
// vectors live in testdata/fuzz/<target>/.

// fuzzCodec runs the round-trip property for the structure mk returns.
func fuzzCodec(f *testing.F, mk func() codecBody) {
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRoundTrip(t, b, mk())
	})
}

func checkRoundTrip(t *testing.T, b []byte, v codecBody) {
	t.Helper()
	if err := decodeAll(b, v.Decode); err != nil {
		return
	}
	var e Encoder
	v.Encode(&e)
	if !bytes.Equal(e.Bytes(), b) {
		t.Fatalf("re-encoding differs:\n in  %x\n out %x", b, e.Bytes())
	}
}

func FuzzMLSMessage(f *testing.F) { fuzzCodec(f, func() codecBody { return new(MLSMessage) }) }

func FuzzKeyPackage(f *testing.F) { fuzzCodec(f, func() codecBody { return new(KeyPackage) }) }

func FuzzWelcome(f *testing.F) { fuzzCodec(f, func() codecBody { return new(Welcome) }) }

func FuzzGroupInfo(f *testing.F) { fuzzCodec(f, func() codecBody { return new(GroupInfo) }) }

func FuzzGroupSecrets(f *testing.F) { fuzzCodec(f, func() codecBody { return new(GroupSecrets) }) }

func FuzzGroupContext(f *testing.F) { fuzzCodec(f, func() codecBody { return new(GroupContext) }) }

func FuzzLeafNode(f *testing.F) { fuzzCodec(f, func() codecBody { return new(LeafNode) }) }

func FuzzProposal(f *testing.F) { fuzzCodec(f, func() codecBody { return new(Proposal) }) }

func FuzzCommit(f *testing.F) { fuzzCodec(f, func() codecBody { return new(Commit) }) }

func FuzzUpdatePath(f *testing.F) { fuzzCodec(f, func() codecBody { return new(UpdatePath) }) }

// FuzzRatchetTree also runs everything a joiner does with a received tree:
// hashing, validation, resolutions and filtered direct paths.
func FuzzRatchetTree(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRoundTrip(t, b, new(RatchetTree))
		tree, err := DecodeRatchetTree(b)
		if err != nil {
			return
		}
		_ = tree.TreeHash()
		_ = tree.Validate(TreeCheck{GroupID: []byte("group")})
		_ = tree.VerifyParentHashes()
		for x := range tree.nodes {
			_ = tree.resolution(nodeIndex(x), nil)
		}
		for _, m := range tree.Members() {
			if _, _, err := tree.filteredDirectPath(m); err != nil {
				t.Fatalf("filteredDirectPath(member %d) = %v", m, err)
			}
		}
	})
}

// FuzzMergeUpdatePath feeds an arbitrary tree, sender and UpdatePath to a
// receiver: merging and decrypting must fail cleanly, never panic.
func FuzzMergeUpdatePath(f *testing.F) {
	f.Fuzz(func(t *testing.T, treeBytes []byte, sender uint32, pathBytes, groupID []byte) {
		tree, err := DecodeRatchetTree(treeBytes)
		if err != nil {
			return
		}
		path, err := DecodeUpdatePath(pathBytes)
		if err != nil {
			return
		}
		before := tree.Clone()
		if err := tree.MergeUpdatePath(leafIndex(sender), path, nil, LeafNodeCheck{GroupID: groupID}); err != nil {
			return
		}
		// A merged path from a valid sender forms a parent-hash chain.
		if err := tree.VerifyParentHashes(); err != nil && before.VerifyParentHashes() == nil {
			t.Fatalf("merged path broke parent hashes: %v", err)
		}
		for _, m := range before.Members() {
			if m == leafIndex(sender) {
				continue
			}
			k := &TreePrivateKeys{leaf: m, keys: map[nodeIndex]nodeKeyPair{}}
			_, _ = k.DecryptUpdatePath(tree, leafIndex(sender), path, nil, nil)
		}

	})
}

func FuzzAuthenticatedContent(f *testing.F) {
	fuzzCodec(f, func() codecBody { return new(AuthenticatedContent) })
}
