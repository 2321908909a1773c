package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// messagingPeople checks that a conversation's people outlast their
// devices: a device of theirs that is not a member is listed as joining
// until the server proposes it in the current epoch, and leaving or an
// admin's removal ends it.
func messagingPeople(t *testing.T, ctx context.Context, s MessagingStore) {
	seedDevices(t, ctx, s, 3)
	must(t, "CreateConversation", s.CreateConversation(ctx, &messaging.Conversation{ID: "c1", OrgID: "o1", CreatedAt: at(50)}, messaging.Member{Device: "d1"}))
	people := func(want ...string) {
		t.Helper()
		c, err := s.Conversation(ctx, "c1")
		must(t, "Conversation", err)
		if diff := cmp.Diff(want, c.People); diff != "" {
			t.Errorf("People differ (-want +got):\n%s", diff)
		}
	}
	joining := func(want ...string) {
		t.Helper()
		got, err := s.JoiningDevices(ctx, "c1")
		must(t, "JoiningDevices", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("JoiningDevices differ (-want +got):\n%s", diff)
		}
	}
	people("u1")
	r := commitRecord("c1", 0, 51)
	r.Added = []messaging.Member{{Device: "d2", Leaf: 1}}
	r.Joined = []string{"u2"}
	if _, err := s.Commit(ctx, r); err != nil {
		t.Fatal(err)
	}
	people("u1", "u2")
	joining()

	// u2 signs in on a second device: it joins once it can be added, that
	// is once it has a credential and a KeyPackage.
	u2, err := s.UserByID(ctx, "u2")
	must(t, "UserByID", err)
	org, err := s.OrgByID(ctx, "o1")
	must(t, "OrgByID", err)
	signIn(t, ctx, s, world{org: org, user: u2}, "s22", "d22", 2, 60)
	joining()
	must(t, "PutCredential", s.PutCredential(ctx, &messaging.Credential{Device: "d22", SignatureKey: []byte("k22"), Identity: []byte("{}"), CreatedAt: at(61)},
		event("o1", "device.credential", "d22", 61)))
	joining()
	_, err = s.AddKeyPackages(ctx, "d22", []*messaging.KeyPackage{{Ref: []byte("kp22"), Device: "d22", Data: []byte("kp"), CreatedAt: at(62)}}, nil)
	must(t, "AddKeyPackages", err)
	joining("d22")
	if convs, err := s.PersonConversations(ctx, "u2"); err != nil || !cmp.Equal(convs, []string{"c1"}) {
		t.Errorf("PersonConversations(u2) = %v, %v; want [c1]", convs, err)
	}

	// Proposed in this epoch: not listed again until the epoch moves on.
	_, err = s.AppendProposal(ctx, &messaging.Message{Conversation: "c1", Kind: messaging.KindProposal, Epoch: 1, SentAt: at(63), Data: []byte("add")},
		messaging.ServerProposal{Ref: []byte("add-d22"), AddedDevice: "d22", KeyPackageRef: []byte("kp22")})
	must(t, "AppendProposal", err)
	joining()
	if _, err := s.Commit(ctx, commitRecord("c1", 1, 64)); err != nil {
		t.Fatal(err)
	}
	joining("d22")

	// Its removal signs a device out, not the person: still people.
	must(t, "PutCredential", s.PutCredential(ctx, &messaging.Credential{Device: "d2", SignatureKey: []byte("k2"), Identity: []byte("{}"), CreatedAt: at(64)},
		event("o1", "device.credential", "d2", 64)))
	_, err = s.AddKeyPackages(ctx, "d2", nil, &messaging.KeyPackage{Ref: []byte("kp2"), Device: "d2", LastResort: true, Data: []byte("kp"), CreatedAt: at(64)})
	must(t, "AddKeyPackages", err)
	r = commitRecord("c1", 2, 65)
	r.Removed = []uint32{1}
	if _, err := s.Commit(ctx, r); err != nil {
		t.Fatal(err)
	}
	people("u1", "u2")
	joining("d2", "d22")
	must(t, "RevokeDevice", s.RevokeDevice(ctx, "d2", at(66), event("o1", "device.revoke", "d2", 66)))
	joining("d22")

	// Someone with no device yet can be one of the people: their first
	// device joins.
	must(t, "AddPerson", s.AddPerson(ctx, "c1", "u3"))
	must(t, "AddPerson again", s.AddPerson(ctx, "c1", "u3"))
	people("u1", "u2", "u3")
	must(t, "PutCredential", s.PutCredential(ctx, &messaging.Credential{Device: "d3", SignatureKey: []byte("k3"), Identity: []byte("{}"), CreatedAt: at(66)},
		event("o1", "device.credential", "d3", 66)))
	_, err = s.AddKeyPackages(ctx, "d3", []*messaging.KeyPackage{{Ref: []byte("kp3"), Device: "d3", Data: []byte("kp"), CreatedAt: at(66)}}, nil)
	must(t, "AddKeyPackages", err)
	joining("d22", "d3")
	must(t, "Leave", s.Leave(ctx, "c1", "u3"))

	// An admin's removal, or leaving, ends it.
	r = commitRecord("c1", 3, 67)
	r.Gone = []string{"u2"}
	if _, err := s.Commit(ctx, r); err != nil {
		t.Fatal(err)
	}
	people("u1")
	joining()
	must(t, "Leave", s.Leave(ctx, "c1", "u1"))
	people()
	if convs, err := s.PersonConversations(ctx, "u1"); err != nil || len(convs) != 0 {
		t.Errorf("PersonConversations(u1) after leaving = %v, %v; want none", convs, err)
	}
}
