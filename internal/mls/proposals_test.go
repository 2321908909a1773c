package mls

import (
	"errors"
	"testing"
)

func TestCommitRejectsInvalidProposals(t *testing.T) {
	cfg := testConfig(false)
	alice, bob := newTestMember(t, "alice"), newTestMember(t, "bob")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)

	carol := newTestMember(t, "carol")
	expired := newTestMember(t, "expired")
	expired.kp.LeafNode.Lifetime.NotAfter = uint64(testNow.Add(-1).Unix())
	tampered := newTestMember(t, "tampered")
	tampered.kp.InitKey[0] ^= 1
	for _, tc := range []struct {
		name string
		opts CommitOptions
	}{
		{"same key package twice", CommitOptions{Add: []*KeyPackage{carol.kp, carol.kp}}},
		{"existing member again", CommitOptions{Add: []*KeyPackage{bob.kp}}},
		{"remove a blank leaf", CommitOptions{Remove: []uint32{5}}},
		{"remove oneself", CommitOptions{Remove: []uint32{alice.g.OwnLeaf()}}},
		{"remove twice", CommitOptions{Remove: []uint32{1, 1}}},
		{"expired key package", CommitOptions{Add: []*KeyPackage{expired.kp}}},
		{"bad key package signature", CommitOptions{Add: []*KeyPackage{tampered.kp}}},
		{"unsupported extension", CommitOptions{SetExtensions: true, Extensions: Extensions{{ExtensionType: 0xff00, Data: []byte{1}}}}},
		{"unknown external PSK", CommitOptions{ExternalPSKs: [][]byte{[]byte("nope")}}},
		{"malformed required capabilities", CommitOptions{SetExtensions: true, Extensions: Extensions{{ExtensionType: ExtensionRequiredCapabilities, Data: []byte{0xff}}}}},
		{"malformed external senders", CommitOptions{SetExtensions: true, Extensions: Extensions{{ExtensionType: ExtensionExternalSenders, Data: []byte{0x05, 0x01}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := alice.g.Epoch()
			if _, err := alice.g.Commit(tc.opts); !errors.Is(err, ErrInvalidCommit) {
				t.Errorf("Commit = %v; want ErrInvalidCommit", err)
			}
			if alice.g.pending != nil || alice.g.Epoch() != before {
				t.Error("a refused commit left state behind")
			}
		})
	}
	// The group still works after every refusal.
	commitAndDeliver(t, alice, CommitOptions{ForcePath: true}, bob)
	requireSameEpoch(t, alice, bob)
}

func TestExternalPSKCommit(t *testing.T) {
	psk := map[string][]byte{"records-keeper": []byte("a pre-shared secret")}
	cfg := testConfig(true)
	cfg.ExternalPSK = func(id []byte) ([]byte, bool) { s, ok := psk[string(id)]; return s, ok }
	alice, bob := newTestMember(t, "alice"), newTestMember(t, "bob")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, ExternalPSKs: [][]byte{[]byte("records-keeper")}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)
	requireSameEpoch(t, alice, bob)
	commitAndDeliver(t, bob, CommitOptions{ExternalPSKs: [][]byte{[]byte("records-keeper")}}, alice)
	requireSameEpoch(t, alice, bob)

	// A member without the PSK cannot follow.
	other := cfg
	other.ExternalPSK = nil
	bob.g.cfg = other
	c, err := alice.g.Commit(CommitOptions{ExternalPSKs: [][]byte{[]byte("records-keeper")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.g.Process(c.Commit); err == nil {
		t.Error("commit with an unknown PSK accepted")
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return len(b) > 0
}

func TestOldEpochSecretsAreZeroed(t *testing.T) {
	cfg := testConfig(false)
	alice, bob := newTestMember(t, "alice"), newTestMember(t, "bob")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)

	old := bob.g.secrets
	oldLeafKey := bob.g.keys.keys[bob.g.own.node()].priv
	ratchet, err := bob.g.st.ratchet(0, ApplicationRatchet)
	if err != nil {
		t.Fatal(err)
	}
	ratchetSecret := ratchet.secret
	commitAndDeliver(t, bob, CommitOptions{ForcePath: true}, alice)
	for name, b := range map[string][]byte{
		"exporter": old.exporter, "init": old.init, "membership": old.membership,
		"confirmation": old.confirmation, "sender data": old.senderData,
		"replaced leaf key": oldLeafKey, "ratchet secret": ratchetSecret,
	} {
		if !allZero(b) {
			t.Errorf("%s of the previous epoch not zeroed", name)
		}
	}
	live := bob.g.secrets.exporter
	bob.g.Close()
	if !allZero(live) {
		t.Error("Close left the exporter secret in memory")
	}
}

func TestCommitLeavesOutConflictingProposals(t *testing.T) {
	cfg := testConfig(false)
	alice, bob, carol := newTestMember(t, "alice"), newTestMember(t, "bob"), newTestMember(t, "carol")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp, carol.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)
	join(t, carol, out.Welcome, cfg)

	// Carol proposes an update, then Alice and Bob both propose removing
	// her: one removal is committed, the other and the update are not.
	upd, err := carol.g.ProposeUpdate()
	if err != nil {
		t.Fatal(err)
	}
	props := [][]byte{upd}
	for _, m := range []*testMember{alice, bob} {
		p, err := m.g.ProposeRemove(carol.g.OwnLeaf())
		if err != nil {
			t.Fatal(err)
		}
		props = append(props, p)
	}
	for _, p := range props {
		for _, m := range []*testMember{alice, bob, carol} {
			if _, err := m.g.Process(p); err != nil {
				t.Fatalf("%s: Process(proposal) = %v", m.name, err)
			}
		}
	}
	out, err = bob.g.Commit(CommitOptions{})
	if err != nil {
		t.Fatalf("Commit with conflicting cached proposals = %v", err)
	}
	if got := out.Changes; len(got.Removed) != 1 || got.Removed[0] != carol.g.OwnLeaf() || len(got.Updated) != 0 {
		t.Errorf("commit changes = %+v; want one removal of carol and no update", got)
	}
	for _, m := range []*testMember{alice, carol} {
		if _, err := m.g.Process(out.Commit); err != nil {
			t.Fatalf("%s: Process(commit) = %v", m.name, err)
		}
	}
	if err := bob.g.MergePendingCommit(); err != nil {
		t.Fatal(err)
	}
	requireSameEpoch(t, alice, bob)
	if carol.g.Active() {
		t.Error("carol still active")
	}
}

func TestMemberLeaves(t *testing.T) {
	cfg := testConfig(true)
	alice, bob, carol := newTestMember(t, "alice"), newTestMember(t, "bob"), newTestMember(t, "carol")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp, carol.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)
	join(t, carol, out.Welcome, cfg)

	// Bob asks to leave; he cannot commit his own removal, Carol does.
	leave, err := bob.g.ProposeRemove(bob.g.OwnLeaf())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*testMember{alice, carol} {
		if _, err := m.g.Process(leave); err != nil {
			t.Fatalf("%s: Process(leave proposal) = %v", m.name, err)
		}
	}
	if out, err := bob.g.Commit(CommitOptions{}); err != nil || len(out.Changes.Removed) != 0 {
		t.Errorf("Bob's own commit = %+v, %v; want one that does not remove him", out, err)
	}
	bob.g.DiscardPendingCommit()
	commitAndDeliver(t, carol, CommitOptions{}, alice, bob)
	if bob.g.Active() {
		t.Error("bob still active after leaving")
	}
	requireSameEpoch(t, alice, carol)
}
