package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// MessagingStore is a store that keeps identities and messages, as every
// backend does: messaging rows refer to devices.
type MessagingStore interface {
	identity.Store
	messaging.Store
	messaging.MembershipLister
}

// Messaging runs the messaging.Store contract against stores made by open.
func Messaging(t *testing.T, open func(t *testing.T) MessagingStore) {
	tests := []struct {
		name string
		f    func(*testing.T, context.Context, MessagingStore)
	}{
		{"service keys", messagingServiceKeys},
		{"credentials and KeyPackages", messagingKeyPackages},
		{"KeyPackages claimed concurrently", messagingClaimConcurrent},
		{"conversations and commits", messagingCommits},
		{"one commit per epoch", messagingCommitRace},
		{"sends", messagingSends},
		{"sends concurrently", messagingSendRace},
		{"proposals and cursors", messagingProposals},
		{"people and joining devices", messagingPeople},
		{"attachments and push subscriptions", messagingBlobs},
		{"patient-data warning counts", messagingPIDCounts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, context.Background(), open(t))
		})
	}
}

// seedDevices makes org o1 with users u1…un, each signed in on device dN.
func seedDevices(t *testing.T, ctx context.Context, s MessagingStore, n int) {
	t.Helper()
	w := seedWorld(t, ctx, s)
	for i := 1; i <= n; i++ {
		u := w.user
		if i > 1 {
			u = newUser(fmt.Sprint("u", i), "o1", fmt.Sprintf("user%d@example.nhs.uk", i), fmt.Sprint("User ", i))
			must(t, "CreateUser", s.CreateUser(ctx, u, nil, event("o1", "user.create", u.ID, i)))
		}
		signIn(t, ctx, s, world{org: w.org, user: u}, fmt.Sprint("s", i), fmt.Sprint("d", i), 1, 10+i)
	}
}

func messagingServiceKeys(t *testing.T, ctx context.Context, s MessagingStore) {
	first := messaging.ServiceKeys{SigningSeed: []byte("seed-one-32-bytes..............."), VAPIDPublic: "pub1", VAPIDPrivate: "priv1"}
	got, err := s.ServiceKeys(ctx, func() (messaging.ServiceKeys, error) { return first, nil })
	must(t, "ServiceKeys", err)
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("ServiceKeys on first use differs (-want +got):\n%s", diff)
	}
	got, err = s.ServiceKeys(ctx, func() (messaging.ServiceKeys, error) {
		return messaging.ServiceKeys{SigningSeed: []byte("other"), VAPIDPublic: "pub2", VAPIDPrivate: "priv2"}, nil
	})
	must(t, "ServiceKeys again", err)
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("ServiceKeys later returned other keys (-first +got):\n%s", diff)
	}
}

func messagingKeyPackages(t *testing.T, ctx context.Context, s MessagingStore) {
	seedDevices(t, ctx, s, 1)
	_, err := s.Credential(ctx, "d1")
	wantFault(t, "Credential before PutCredential", err, fault.NotFound, "")
	cred := &messaging.Credential{Device: "d1", SignatureKey: []byte("key-1"), Identity: []byte(`{"id":"d1"}`), CreatedAt: at(20)}
	must(t, "PutCredential", s.PutCredential(ctx, cred, event("o1", "device.credential", "d1", 20)))
	got, err := s.Credential(ctx, "d1")
	must(t, "Credential", err)
	want := *cred
	want.CreatedAt = us(cred.CreatedAt)
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("Credential differs (-want +got):\n%s", diff)
	}

	kp := func(name string, lastResort bool) *messaging.KeyPackage {
		return &messaging.KeyPackage{Ref: []byte("ref-" + name), Device: "d1", LastResort: lastResort, Data: []byte("kp-" + name), CreatedAt: at(len(name))}
	}
	n, err := s.AddKeyPackages(ctx, "d1", []*messaging.KeyPackage{kp("a", false), kp("bb", false), kp("ccc", false)}, kp("last", true))
	if err != nil || n != 3 {
		t.Fatalf("AddKeyPackages = %d, %v; want a stock of 3", n, err)
	}
	for i, want := range []string{"kp-a", "kp-bb", "kp-ccc", "kp-last", "kp-last"} {
		data, stock, err := s.ClaimKeyPackage(ctx, "d1", at(30+i))
		if err != nil || string(data) != want || stock != max(0, 2-i) {
			t.Errorf("ClaimKeyPackage %d = %q, %d, %v; want %q, %d (oldest first, then the last resort, kept)", i, data, stock, err, want, max(0, 2-i))
		}
	}
	if d, err := s.KeyPackageDevice(ctx, []byte("ref-a")); err != nil || d != "d1" {
		t.Errorf("KeyPackageDevice(claimed) = %q, %v; want d1", d, err)
	}
	_, _, err = s.ClaimKeyPackage(ctx, "nobody", at(40))
	wantFault(t, "ClaimKeyPackage for a device with none", err, fault.NotFound, "")

	// A new signature key drops the unclaimed KeyPackages made with the old.
	if n, err := s.AddKeyPackages(ctx, "d1", []*messaging.KeyPackage{kp("dddd", false)}, nil); err != nil || n != 1 {
		t.Fatalf("AddKeyPackages = %d, %v; want 1", n, err)
	}
	_, err = s.KeyPackageDevice(ctx, []byte("ref-dddd"))
	wantFault(t, "KeyPackageDevice(unclaimed)", err, fault.NotFound, "")
	cred.SignatureKey = []byte("key-2")
	must(t, "PutCredential with a new key", s.PutCredential(ctx, cred, event("o1", "device.credential", "d1", 41)))
	if n, err := s.KeyPackageStock(ctx, "d1"); err != nil || n != 0 {
		t.Errorf("KeyPackageStock after a key change = %d, %v; want 0", n, err)
	}
	if d, err := s.KeyPackageDevice(ctx, []byte("ref-a")); err != nil || d != "d1" {
		t.Errorf("KeyPackageDevice(claimed, after a key change) = %q, %v; want d1 (claimed ones stay traceable)", d, err)
	}
}

func messagingClaimConcurrent(t *testing.T, ctx context.Context, s MessagingStore) {
	seedDevices(t, ctx, s, 1)
	const n = 6
	var kps []*messaging.KeyPackage
	for i := range n {
		kps = append(kps, &messaging.KeyPackage{Ref: fmt.Append(nil, "ref", i), Device: "d1", Data: fmt.Append(nil, "kp", i), CreatedAt: at(i)})
	}
	if _, err := s.AddKeyPackages(ctx, "d1", kps, nil); err != nil {
		t.Fatal(err)
	}
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			data, _, err := s.ClaimKeyPackage(ctx, "d1", at(100))
			if err != nil {
				t.Errorf("ClaimKeyPackage %d: %v", i, err)
			}
			got[i] = string(data)
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, d := range got {
		if seen[d] {
			t.Errorf("KeyPackage %q was handed out twice to concurrent claims", d)
		}
		seen[d] = true
	}
}

func commitRecord(conv string, epoch uint64, n int) *messaging.CommitRecord {
	return &messaging.CommitRecord{Epoch: epoch, Message: &messaging.Message{Conversation: conv, Kind: messaging.KindCommit, Device: "d1",
		Epoch: epoch, SentAt: at(n), Data: fmt.Append(nil, "commit", n)}}
}

func messagingCommits(t *testing.T, ctx context.Context, s MessagingStore) {
	seedDevices(t, ctx, s, 3)
	c := &messaging.Conversation{ID: "c1", OrgID: "o1", CreatedAt: at(50)}
	must(t, "CreateConversation", s.CreateConversation(ctx, c, messaging.Member{Device: "d1"}))
	r := commitRecord("c1", 0, 51)
	r.Added = []messaging.Member{{Device: "d2", Leaf: 1}, {Device: "d3", Leaf: 2}}
	r.Welcomes = []*messaging.Welcome{{ID: "w1", Device: "d2", Conversation: "c1", Welcome: []byte("welcome"), RatchetTree: []byte("tree"), CreatedAt: at(51)}}
	r.Joined = []string{"u2", "u3"}
	if seq, err := s.Commit(ctx, r); err != nil || seq != 1 {
		t.Fatalf("Commit = %d, %v; want seq 1", seq, err)
	}
	got, err := s.Conversation(ctx, "c1")
	must(t, "Conversation", err)
	want := &messaging.Conversation{ID: "c1", OrgID: "o1", Epoch: 1, LastSeq: 1, CreatedAt: us(at(50)), Kind: "clinical", Members: []messaging.Member{
		{Device: "d1", User: "u1", Email: "ann@example.nhs.uk", Leaf: 0},
		{Device: "d2", User: "u2", Email: "user2@example.nhs.uk", Leaf: 1, JoinedSeq: 1, Cursor: 1},
		{Device: "d3", User: "u3", Email: "user3@example.nhs.uk", Leaf: 2, JoinedSeq: 1, Cursor: 1},
	}, Admins: []string{"u1"}, People: []string{"u1", "u2", "u3"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Conversation after a commit differs (-want +got):\n%s", diff)
	}
	_, err = s.Conversation(ctx, "missing")
	wantFault(t, "Conversation(missing)", err, fault.NotFound, "")
	if cs, err := s.ListConversations(ctx, "d2"); err != nil || len(cs) != 1 || len(cs[0].Members) != 3 {
		t.Errorf("ListConversations(d2) = %v, %v; want c1 with 3 members", cs, err)
	}
	ms, err := s.Memberships(ctx, "d2")
	must(t, "Memberships", err)
	if diff := cmp.Diff([]messaging.Membership{{Conversation: "c1", LastSeq: 1, JoinedSeq: 1, Cursor: 1}}, ms); diff != "" {
		t.Errorf("Memberships(d2) differs (-want +got):\n%s", diff)
	}
	if ms, err := s.Memberships(ctx, "nobody"); err != nil || len(ms) != 0 {
		t.Errorf("Memberships(nobody) = %v, %v; want none", ms, err)
	}
	ws, err := s.Welcomes(ctx, "d2")
	must(t, "Welcomes", err)
	if len(ws) != 1 || ws[0].Seq != 1 || string(ws[0].RatchetTree) != "tree" {
		t.Errorf("Welcomes(d2) = %+v; want w1 at seq 1 with its tree", ws)
	}
	wantFault(t, "DeleteWelcome by another device", s.DeleteWelcome(ctx, "d3", "w1"), fault.NotFound, "")
	must(t, "DeleteWelcome", s.DeleteWelcome(ctx, "d2", "w1"))
	wantFault(t, "DeleteWelcome again", s.DeleteWelcome(ctx, "d2", "w1"), fault.NotFound, "")

	// Removing d3 in epoch 1; a commit still made in epoch 0 is stale.
	r = commitRecord("c1", 1, 52)
	r.Removed = []uint32{2}
	if seq, err := s.Commit(ctx, r); err != nil || seq != 2 {
		t.Fatalf("Commit removing leaf 2 = %d, %v; want seq 2", seq, err)
	}
	_, err = s.Commit(ctx, commitRecord("c1", 0, 53))
	wantFault(t, "Commit in an old epoch", err, fault.Conflict, "The conversation has moved on to a newer epoch; fetch its messages, merge and try again.")
	var stale *messaging.StaleEpoch
	if !errors.As(err, &stale) || stale.Epoch != 2 {
		t.Errorf("Commit in an old epoch = %v; want a StaleEpoch naming epoch 2", err)
	}
	if cs, err := s.ListConversations(ctx, "d3"); err != nil || len(cs) != 0 {
		t.Errorf("ListConversations(removed d3) = %v, %v; want none", cs, err)
	}
	_, err = s.Commit(ctx, commitRecord("missing", 0, 54))
	wantFault(t, "Commit to a missing conversation", err, fault.NotFound, "")

	// A commit that names the admins replaces them; one without leaves them.
	r = commitRecord("c1", 2, 55)
	r.Admins = []string{"u1", "u2"}
	if _, err := s.Commit(ctx, r); err != nil {
		t.Fatalf("Commit setting admins: %v", err)
	}
	if _, err := s.Commit(ctx, commitRecord("c1", 3, 56)); err != nil {
		t.Fatalf("Commit leaving admins alone: %v", err)
	}
	if c, err := s.Conversation(ctx, "c1"); err != nil || !slices.Equal(c.Admins, []string{"u1", "u2"}) {
		t.Errorf("admins after two commits = %v, %v; want [u1 u2]", c, err)
	}

	must(t, "RevokeDevice", s.RevokeDevice(ctx, "d2", at(60), event("o1", "device.revoke", "d2", 60)))
	rm, err := s.DepartingMembers(ctx, "c1")
	must(t, "DepartingMembers", err)
	if len(rm) != 1 || rm[0].Device != "d2" || rm[0].Leaf != 1 {
		t.Errorf("DepartingMembers = %+v; want d2 at leaf 1", rm)
	}
	// Leaving marks the user's devices; they then depart too, and cannot send.
	must(t, "Leave", s.Leave(ctx, "c1", "u1"))
	must(t, "Leave again", s.Leave(ctx, "c1", "u1"))
	rm, err = s.DepartingMembers(ctx, "c1")
	must(t, "DepartingMembers after leaving", err)
	if len(rm) != 2 || rm[0].Device != "d1" || rm[0].Leaf != 0 || rm[1].Device != "d2" {
		t.Errorf("DepartingMembers after u1 left = %+v; want d1 at leaf 0 and d2", rm)
	}
	if c, err := s.Conversation(ctx, "c1"); err != nil || !c.Members[0].Leaving || c.Members[1].Leaving {
		t.Errorf("members after u1 left = %+v, %v; want d1 leaving and d2 not", c, err)
	}
	res, err := s.AppendMessages(ctx, []messaging.Send{{Message: &messaging.Message{Conversation: "c1", Kind: messaging.KindApplication,
		Device: "d1", ClientID: "after-leaving", Epoch: 4, SentAt: at(61), Data: []byte("x")}}})
	must(t, "AppendMessages after leaving", err)
	wantFault(t, "a send from a device that left", res[0].Err, fault.Forbidden, fault.Message(messaging.ErrLeft))
	must(t, "AddAdmin", s.AddAdmin(ctx, "c1", "u3"))
	must(t, "AddAdmin again", s.AddAdmin(ctx, "c1", "u3"))
	if c, err := s.Conversation(ctx, "c1"); err != nil || !slices.Equal(c.Admins, []string{"u1", "u2", "u3"}) {
		t.Errorf("admins after AddAdmin = %v, %v; want [u1 u2 u3]", c, err)
	}
}

func messagingCommitRace(t *testing.T, ctx context.Context, s MessagingStore) {
	seedDevices(t, ctx, s, 1)
	must(t, "CreateConversation", s.CreateConversation(ctx, &messaging.Conversation{ID: "c1", OrgID: "o1", CreatedAt: at(50)}, messaging.Member{Device: "d1"}))
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = s.Commit(ctx, commitRecord("c1", 0, i)) })
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !fault.Is(err, fault.Conflict) || !errors.As(err, new(*messaging.StaleEpoch)):
			t.Errorf("concurrent Commit %d = %v; want success or a stale-epoch conflict", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent commits in one epoch were accepted; want exactly 1", ok, n)
	}
}

func messagingPIDCounts(t *testing.T, ctx context.Context, s MessagingStore) {
	seedDevices(t, ctx, s, 1)
	must(t, "AddPIDOverrides", s.AddPIDOverrides(ctx, "o1", "2026-11-30", []string{"NHS number", "postcode"}))
	must(t, "AddPIDOverrides again", s.AddPIDOverrides(ctx, "o1", "2026-11-30", []string{"NHS number"}))
	must(t, "AddPIDOverrides next day", s.AddPIDOverrides(ctx, "o1", "2026-12-01", []string{"phone number"}))
	must(t, "AddPIDOverrides out of range", s.AddPIDOverrides(ctx, "o1", "2026-12-08", []string{"phone number"}))
	got, err := s.PIDOverrides(ctx, "o1", "2026-11-30", "2026-12-07")
	must(t, "PIDOverrides", err)
	want := []messaging.PIDOverride{{Day: "2026-11-30", Kind: "NHS number", Count: 2}, {Day: "2026-11-30", Kind: "postcode", Count: 1},
		{Day: "2026-12-01", Kind: "phone number", Count: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("PIDOverrides = %+v; want %+v", got, want)
	}
	if got, err := s.PIDOverrides(ctx, "another-org", "2026-01-01", "2026-12-31"); err != nil || len(got) != 0 {
		t.Errorf("PIDOverrides of another organisation = %+v, %v; want none", got, err)
	}
}
