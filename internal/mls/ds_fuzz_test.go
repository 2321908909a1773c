package mls

import (
	"bytes"
	"testing"
)

// Fuzz targets for what a delivery service decodes from clients it cannot
// trust. Seeds: the IETF message vectors in testdata/fuzz.

// FuzzInspectCommit reads a commit's proposals as the server does; what
// it accepts must be a commit that re-encodes to the same bytes.
func FuzzInspectCommit(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := InspectCommit(b)
		if err != nil {
			return
		}
		m, err := DecodeMLSMessage(b)
		if err != nil {
			t.Fatalf("InspectCommit accepted what DecodeMLSMessage refuses: %v", err)
		}
		if !bytes.Equal(m.Bytes(), b) || len(info.Proposals) != len(m.PublicMessage.Content.Commit.Proposals) {
			t.Fatal("InspectCommit disagrees with the message it read")
		}
		for _, p := range info.Proposals {
			if (p.Reference == nil) == (p.Proposal == nil) {
				t.Fatal("a proposal is neither by value nor by reference")
			}
		}
	})
}

// FuzzInspectKeyPackage reads an uploaded KeyPackage.
func FuzzInspectKeyPackage(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		kp, err := InspectKeyPackage(b)
		if err != nil {
			return
		}
		_ = kp.Validate(LeafNodeCheck{})
		if len(kp.Ref()) != HashLen {
			t.Fatal("KeyPackageRef of the wrong length")
		}
	})
}

// FuzzExternalRemove checks that the server's Remove proposals decode,
// verify and name the leaf asked for, for any group ID and leaf.
func FuzzExternalRemove(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), uint64(3), uint32(7))
	priv, pub, err := GenerateSignatureKeyPair()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, gid []byte, epoch uint64, leaf uint32) {
		b, err := NewExternalRemove(gid, epoch, 0, leaf, priv)
		if err != nil {
			t.Fatal(err)
		}
		m, err := DecodeMLSMessage(b)
		if err != nil {
			t.Fatalf("decode own proposal: %v", err)
		}
		pm := m.PublicMessage
		if err := VerifyExternalProposal(pm, pub); err != nil {
			t.Fatalf("verify own proposal: %v", err)
		}
		if pm.Content.Proposal.Remove.Removed != leaf || pm.Content.Epoch != epoch || !bytes.Equal(pm.Content.GroupID, gid) {
			t.Fatal("proposal names another leaf, epoch or group")
		}
		if len(ProposalRefOf(pm)) != HashLen {
			t.Fatal("ProposalRef of the wrong length")
		}
	})
}
