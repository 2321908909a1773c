package mls

import "testing"

func TestGroupExternalJoin(t *testing.T) {
	cfg := testConfig(false)
	alice, bob, carol := newTestMember(t, "alice"), newTestMember(t, "bob"), newTestMember(t, "carol")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("major-incident"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)

	giMsg, err := alice.g.GroupInfo(true)
	if err != nil {
		t.Fatal(err)
	}
	m, err := DecodeMLSMessage(giMsg)
	if err != nil || m.GroupInfo == nil {
		t.Fatalf("decode group info: %v", err)
	}
	carol.g, err = nil, nil
	g, commit, err := JoinExternal(cfg, m.GroupInfo, nil, carol.kp.LeafNode.Credential, carol.priv.SignaturePriv)
	if err != nil {
		t.Fatalf("JoinExternal: %v", err)
	}
	carol.g = g
	for _, o := range []*testMember{alice, bob} {
		r, err := o.g.Process(commit)
		if err != nil || !r.NewEpoch || r.Sender.Type != SenderNewMemberCommit {
			t.Fatalf("%s: Process(external commit) = %+v, %v", o.name, r, err)
		}
	}
	requireSameEpoch(t, alice, bob, carol)
	sendApp(t, carol, "joined from outside", alice, bob)
	commitAndDeliver(t, bob, CommitOptions{ForcePath: true}, alice, carol)
	requireSameEpoch(t, alice, bob, carol)

	// A GroupInfo signed by someone else is refused.
	m.GroupInfo.Signature[0] ^= 1
	if _, _, err := JoinExternal(cfg, m.GroupInfo, nil, carol.kp.LeafNode.Credential, carol.priv.SignaturePriv); err == nil {
		t.Error("JoinExternal accepted a GroupInfo with a bad signature")
	}
}
