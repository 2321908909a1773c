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

	// Bob loses his device state and rejoins, replacing his old leaf.
	bobLeaf := bob.g.OwnLeaf()
	giMsg, err = alice.g.GroupInfo(true)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := DecodeMLSMessage(giMsg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := RejoinExternal(cfg, m2.GroupInfo, nil, bob.kp.LeafNode.Credential, bob.priv.SignaturePriv, alice.g.OwnLeaf()); err == nil {
		t.Error("RejoinExternal removing someone else's leaf succeeded")
	}
	bob.g, commit, err = RejoinExternal(cfg, m2.GroupInfo, nil, bob.kp.LeafNode.Credential, bob.priv.SignaturePriv, bobLeaf)
	if err != nil {
		t.Fatalf("RejoinExternal: %v", err)
	}
	for _, o := range []*testMember{alice, carol} {
		r, err := o.g.Process(commit)
		if err != nil || r.Commit == nil || len(r.Commit.Removed) != 1 || r.Commit.Removed[0] != bobLeaf {
			t.Fatalf("%s: Process(resync commit) = %+v, %v", o.name, r, err)
		}
	}
	requireSameEpoch(t, alice, bob, carol)
	if n := len(alice.g.Members()); n != 3 {
		t.Errorf("members after resync = %d; want 3", n)
	}
	sendApp(t, bob, "back again", alice, carol)

	// A GroupInfo signed by someone else is refused.
	m.GroupInfo.Signature[0] ^= 1
	if _, _, err := JoinExternal(cfg, m.GroupInfo, nil, carol.kp.LeafNode.Credential, carol.priv.SignaturePriv); err == nil {
		t.Error("JoinExternal accepted a GroupInfo with a bad signature")
	}
}

func TestExternalSenderRemoveProposal(t *testing.T) {
	cfg := testConfig(true)
	dsPriv, dsPub, err := GenerateSignatureKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	ds := ExternalSender{SignatureKey: dsPub, Credential: NewBasicCredential([]byte("delivery service"))}
	alice, bob, carol := newTestMember(t, "alice"), newTestMember(t, "bob"), newTestMember(t, "carol")
	if alice.g, err = CreateGroup(cfg, []byte("revocations"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{
		SetExtensions: true, Extensions: Extensions{ExternalSendersExtension(ds)},
		Add: []*KeyPackage{bob.kp, carol.kp}, RatchetTreeInWelcome: true,
	})
	join(t, bob, out.Welcome, cfg)
	join(t, carol, out.Welcome, cfg)

	// The server revokes Carol's device: an external Remove proposal.
	prop, err := NewExternalRemove(alice.g.GroupID(), alice.g.Epoch(), 0, carol.g.OwnLeaf(), dsPriv)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*testMember{alice, bob, carol} {
		r, err := m.g.Process(prop)
		if err != nil || r.Sender.Type != SenderExternal || r.Proposal.Type != ProposalRemove {
			t.Fatalf("%s: Process(external remove) = %+v, %v", m.name, r, err)
		}
	}
	commitAndDeliver(t, bob, CommitOptions{}, alice, carol)
	if carol.g.Active() {
		t.Error("revoked device still in the group")
	}
	requireSameEpoch(t, alice, bob)

	// A proposal signed by anyone else is refused.
	otherPriv, _, _ := GenerateSignatureKeyPair()
	forged, err := NewExternalRemove(alice.g.GroupID(), alice.g.Epoch(), 0, bob.g.OwnLeaf(), otherPriv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.g.Process(forged); err == nil {
		t.Error("external proposal with a forged signature accepted")
	}
}

func TestNewMemberAddProposal(t *testing.T) {
	cfg := testConfig(false)
	alice, bob, carol := newTestMember(t, "alice"), newTestMember(t, "bob"), newTestMember(t, "carol")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("on-call"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)

	prop, err := NewMemberAddProposal(alice.g.GroupID(), alice.g.Epoch(), carol.kp, carol.priv.SignaturePriv)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*testMember{alice, bob} {
		r, err := m.g.Process(prop)
		if err != nil || r.Sender.Type != SenderNewMemberProposal || r.Proposal.Type != ProposalAdd {
			t.Fatalf("%s: Process(new member proposal) = %+v, %v", m.name, r, err)
		}
	}
	out = commitAndDeliver(t, bob, CommitOptions{RatchetTreeInWelcome: true}, alice)
	if out.Welcome == nil {
		t.Fatal("commit of a new member's proposal produced no Welcome")
	}
	join(t, carol, out.Welcome, cfg)
	requireSameEpoch(t, alice, bob, carol)

	// Signed by a key other than the KeyPackage's: refused.
	dave := newTestMember(t, "dave")
	forged, err := NewMemberAddProposal(alice.g.GroupID(), alice.g.Epoch(), dave.kp, carol.priv.SignaturePriv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.g.Process(forged); err == nil {
		t.Error("new member proposal signed with another key accepted")
	}
}

func TestExternalSenderAddProposal(t *testing.T) {
	cfg := testConfig(true)
	dsPriv, dsPub, err := GenerateSignatureKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	ds := ExternalSender{SignatureKey: dsPub, Credential: NewBasicCredential([]byte("delivery service"))}
	alice, bob, phone, stranger := newTestMember(t, "alice"), newTestMember(t, "bob"), newTestMember(t, "bob's phone"), newTestMember(t, "stranger")
	if alice.g, err = CreateGroup(cfg, []byte("new devices"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{
		SetExtensions: true, Extensions: Extensions{ExternalSendersExtension(ds)},
		Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true,
	})
	join(t, bob, out.Welcome, cfg)

	// The server proposes Bob's new phone; Alice commits it by reference
	// and the phone joins from the Welcome.
	kp := (&MLSMessage{Version: ProtocolVersionMLS10, WireFormat: WireFormatKeyPackage, KeyPackage: phone.kp}).Bytes()
	prop, err := NewExternalAdd(alice.g.GroupID(), alice.g.Epoch(), 0, kp, dsPriv)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*testMember{alice, bob} {
		r, err := m.g.Process(prop)
		if err != nil || r.Sender.Type != SenderExternal || r.Proposal.Type != ProposalAdd || len(r.ProposalRef) != HashLen {
			t.Fatalf("%s: Process(external add) = %+v, %v", m.name, r, err)
		}
	}
	out = commitAndDeliver(t, alice, CommitOptions{RatchetTreeInWelcome: true}, bob)
	if out.Welcome == nil {
		t.Fatal("commit of the server's Add produced no Welcome")
	}
	join(t, phone, out.Welcome, cfg)
	requireSameEpoch(t, alice, bob, phone)

	// A proposal the committer discards is left out of its commit.
	kp = (&MLSMessage{Version: ProtocolVersionMLS10, WireFormat: WireFormatKeyPackage, KeyPackage: stranger.kp}).Bytes()
	if prop, err = NewExternalAdd(alice.g.GroupID(), alice.g.Epoch(), 0, kp, dsPriv); err != nil {
		t.Fatal(err)
	}
	r, err := alice.g.Process(prop)
	if err != nil {
		t.Fatal(err)
	}
	if !alice.g.DiscardProposal(r.ProposalRef) {
		t.Fatal("DiscardProposal of a cached proposal = false")
	}
	if alice.g.DiscardProposal(r.ProposalRef) {
		t.Fatal("DiscardProposal twice = true")
	}
	before := len(alice.g.Members())
	out = commitAndDeliver(t, alice, CommitOptions{}, bob, phone)
	if out.Welcome != nil || len(alice.g.Members()) != before {
		t.Errorf("a discarded Add was committed: %d members, want %d", len(alice.g.Members()), before)
	}
}
