package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

func send(conv, device, clientID string, epoch uint64, n int) messaging.Send {
	return messaging.Send{Message: &messaging.Message{Conversation: conv, Kind: messaging.KindApplication, Device: device,
		ClientID: clientID, Epoch: epoch, SentAt: at(n), Data: fmt.Append(nil, "ciphertext ", clientID)}}
}

// twoConversations makes c1 (d1, d2 at epoch 1) and c2 (d1 alone, epoch 0).
func twoConversations(t *testing.T, ctx context.Context, s MessagingStore) {
	t.Helper()
	seedDevices(t, ctx, s, 3)
	for _, id := range []string{"c1", "c2"} {
		must(t, "CreateConversation", s.CreateConversation(ctx, &messaging.Conversation{ID: id, OrgID: "o1", CreatedAt: at(50)}, messaging.Member{Device: "d1"}))
	}
	r := commitRecord("c1", 0, 51)
	r.Added = []messaging.Member{{Device: "d2", Leaf: 1}}
	if _, err := s.Commit(ctx, r); err != nil {
		t.Fatal(err)
	}
}

func messagingSends(t *testing.T, ctx context.Context, s MessagingStore) {
	twoConversations(t, ctx, s)
	res, err := s.AppendMessages(ctx, []messaging.Send{
		send("c1", "d1", "a", 1, 60),
		send("c1", "d2", "b", 1, 61),
		send("c1", "d1", "a", 1, 62), // a resend within the batch
		send("c1", "d3", "c", 1, 63), // not a member
		send("c1", "d1", "d", 0, 64), // stale
		send("c9", "d1", "e", 0, 65), // no such conversation
		send("c2", "d1", "f", 0, 66),
	})
	must(t, "AppendMessages", err)
	type result struct {
		Seq       int64
		Duplicate bool
		Epoch     uint64
		Kind      string
	}
	var got []result
	for _, r := range res {
		k := ""
		if r.Err != nil {
			k = fault.KindOf(r.Err).String()
		}
		got = append(got, result{r.Seq, r.Duplicate, r.Epoch, k})
	}
	want := []result{{2, false, 0, ""}, {3, false, 0, ""}, {2, true, 0, ""}, {0, false, 0, "not found"}, {0, false, 1, "conflict"},
		{0, false, 0, "not found"}, {1, false, 0, ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AppendMessages results differ (-want +got):\n%s", diff)
	}
	// A resend in a later batch gets the first sequence number back.
	res, err = s.AppendMessages(ctx, []messaging.Send{send("c1", "d2", "b", 1, 70), send("c1", "d2", "g", 1, 71)})
	must(t, "AppendMessages", err)
	if res[0].Seq != 3 || !res[0].Duplicate || res[1].Seq != 4 || res[1].Duplicate {
		t.Errorf("AppendMessages with a resend = %+v; want 3 (duplicate), 4", res)
	}
	ms, err := s.Messages(ctx, "c1", 1, 10)
	must(t, "Messages", err)
	var seqs []int64
	for _, m := range ms {
		seqs = append(seqs, m.Seq)
	}
	if diff := cmp.Diff([]int64{2, 3, 4}, seqs); diff != "" {
		t.Errorf("Messages(c1, after 1) sequence numbers differ (-want +got):\n%s", diff)
	}
	if len(ms) == 3 {
		wantMsg := send("c1", "d2", "b", 1, 61).Message
		wantMsg.Seq, wantMsg.SentAt = 3, us(wantMsg.SentAt)
		if diff := cmp.Diff(wantMsg, ms[1]); diff != "" {
			t.Errorf("message 3 differs (-want +got):\n%s", diff)
		}
	}
	if ms, err := s.Messages(ctx, "c1", 0, 2); err != nil || len(ms) != 2 || ms[0].Kind != messaging.KindCommit {
		t.Errorf("Messages(c1, after 0, limit 2) = %d messages, %v; want the commit and one more", len(ms), err)
	}
	c, err := s.Conversation(ctx, "c1")
	must(t, "Conversation", err)
	if c.LastSeq != 4 {
		t.Errorf("Conversation(c1).LastSeq = %d; want 4", c.LastSeq)
	}
}

func messagingSendRace(t *testing.T, ctx context.Context, s MessagingStore) {
	twoConversations(t, ctx, s)
	// Batches naming both conversations in opposite orders, all at once.
	const batches = 8
	var wg sync.WaitGroup
	for i := range batches {
		wg.Go(func() {
			a, b := send("c1", "d1", fmt.Sprint("x", i), 1, i), send("c2", "d1", fmt.Sprint("y", i), 0, i)
			if i%2 == 1 {
				a, b = b, a
			}
			res, err := s.AppendMessages(ctx, []messaging.Send{a, b})
			if err != nil {
				t.Errorf("AppendMessages batch %d: %v", i, err)
				return
			}
			for _, r := range res {
				if r.Err != nil {
					t.Errorf("AppendMessages batch %d: %v", i, r.Err)
				}
			}
		})
	}
	wg.Wait()
	for conv, first := range map[string]int64{"c1": 2, "c2": 1} {
		ms, err := s.Messages(ctx, conv, 0, 100)
		must(t, "Messages", err)
		next := first
		for _, m := range ms {
			if m.Kind != messaging.KindApplication {
				continue
			}
			if m.Seq != next {
				t.Errorf("%s: message %d follows %d; want sequence numbers without gaps or repeats", conv, m.Seq, next-1)
			}
			next = m.Seq + 1
		}
		if got := next - first; got != batches {
			t.Errorf("%s holds %d sends; want %d", conv, got, batches)
		}
	}
}

func messagingProposals(t *testing.T, ctx context.Context, s MessagingStore) {
	twoConversations(t, ctx, s)
	p := &messaging.Message{Conversation: "c1", Kind: messaging.KindProposal, Epoch: 1, SentAt: at(70), Data: []byte("remove")}
	if seq, err := s.AppendProposal(ctx, p, messaging.ServerProposal{Ref: []byte("pref"), RemovedLeaf: 1}); err != nil || seq != 2 {
		t.Fatalf("AppendProposal = %d, %v; want seq 2", seq, err)
	}
	add := &messaging.Message{Conversation: "c1", Kind: messaging.KindProposal, Epoch: 1, SentAt: at(70), Data: []byte("add")}
	addP := messaging.ServerProposal{Ref: []byte("aref"), AddedDevice: "d3", KeyPackageRef: []byte("kpref")}
	if seq, err := s.AppendProposal(ctx, add, addP); err != nil || seq != 3 {
		t.Fatalf("AppendProposal(add) = %d, %v; want seq 3", seq, err)
	}
	if got, err := s.Proposal(ctx, "c1", 1, []byte("pref")); err != nil || got.RemovedLeaf != 1 || got.AddedDevice != "" {
		t.Errorf("Proposal(remove) = %+v, %v; want removed leaf 1", got, err)
	}
	got, err := s.Proposal(ctx, "c1", 1, []byte("aref"))
	must(t, "Proposal(add)", err)
	if diff := cmp.Diff(&addP, got); diff != "" {
		t.Errorf("Proposal(add) differs (-want +got):\n%s", diff)
	}
	_, err = s.Proposal(ctx, "c1", 0, []byte("pref"))
	wantFault(t, "Proposal in another epoch", err, fault.NotFound, "")
	_, err = s.AppendProposal(ctx, &messaging.Message{Conversation: "c1", Kind: messaging.KindProposal, Epoch: 0, SentAt: at(71)},
		messaging.ServerProposal{Ref: []byte("old"), RemovedLeaf: 1})
	wantFault(t, "AppendProposal in an old epoch", err, fault.Conflict, "")
	if _, err := s.Commit(ctx, commitRecord("c1", 1, 72)); err != nil {
		t.Fatal(err)
	}
	_, err = s.Proposal(ctx, "c1", 1, []byte("pref"))
	wantFault(t, "Proposal after the epoch's commit", err, fault.NotFound, "")

	// Cursors only move forward.
	cursor := func() int64 {
		t.Helper()
		c, err := s.Conversation(ctx, "c1")
		must(t, "Conversation", err)
		return c.Members[1].Cursor
	}
	must(t, "SetCursor", s.SetCursor(ctx, "c1", "d2", 3))
	must(t, "SetCursor back", s.SetCursor(ctx, "c1", "d2", 2))
	if got := cursor(); got != 3 {
		t.Errorf("cursor after moving to 3 then 2 = %d; want 3", got)
	}
	must(t, "SetCursors", s.SetCursors(ctx, []messaging.Cursor{{Conversation: "c1", Device: "d2", Seq: 1}, {Conversation: "c1", Device: "d2", Seq: 5}}))
	if got := cursor(); got != 5 {
		t.Errorf("cursor after SetCursors(1, 5) = %d; want 5", got)
	}
}

func messagingBlobs(t *testing.T, ctx context.Context, s MessagingStore) {
	twoConversations(t, ctx, s)
	a := &messaging.Attachment{ID: "a1", Conversation: "c1", Device: "d1", Size: 5, Data: []byte{0, 1, 2, 0xff, 0}, CreatedAt: at(80)}
	roomy := messaging.Quota{User: "u1", Org: "o1", PersonBytes: 1 << 20, OrgBytes: 1 << 20}
	must(t, "PutAttachment", s.PutAttachment(ctx, a, roomy))
	got, err := s.Attachment(ctx, "a1")
	must(t, "Attachment", err)
	want := *a
	want.CreatedAt = us(a.CreatedAt)
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("Attachment differs (-want +got):\n%s", diff)
	}
	wantFault(t, "PutAttachment with a taken ID", s.PutAttachment(ctx, a, roomy), fault.Conflict, "")
	// Quotas: 5 bytes stored; 5 more fit in 12, 5 more again do not.
	blob := func(id string) *messaging.Attachment {
		return &messaging.Attachment{ID: id, Conversation: "c1", Device: "d1", Size: 5, Data: []byte("12345"), CreatedAt: at(82)}
	}
	must(t, "PutAttachment within the quota", s.PutAttachment(ctx, blob("a2"), messaging.Quota{User: "u1", Org: "o1", PersonBytes: 12, OrgBytes: 100}))
	var over *messaging.OverQuota
	err = s.PutAttachment(ctx, blob("a3"), messaging.Quota{User: "u1", Org: "o1", PersonBytes: 12, OrgBytes: 100})
	if !errors.As(err, &over) || over.Org || over.Limit != 12 {
		t.Errorf("PutAttachment over the person's quota = %v; want OverQuota for the person", err)
	}
	err = s.PutAttachment(ctx, blob("a3"), messaging.Quota{User: "u1", Org: "o1", PersonBytes: 100, OrgBytes: 14})
	if !errors.As(err, &over) || !over.Org {
		t.Errorf("PutAttachment over the organisation's quota = %v; want OverQuota for the organisation", err)
	}
	if _, err := s.Attachment(ctx, "a3"); !fault.Is(err, fault.NotFound) {
		t.Errorf("an attachment refused for its quota was stored (%v)", err)
	}
	_, err = s.Attachment(ctx, "missing")
	wantFault(t, "Attachment(missing)", err, fault.NotFound, "")

	sub := &messaging.PushSubscription{Device: "d1", Endpoint: "https://push.example/1", P256DH: "key", Auth: "auth"}
	must(t, "PutPushSubscription", s.PutPushSubscription(ctx, sub, at(81)))
	sub.Endpoint = "https://push.example/2"
	must(t, "PutPushSubscription again", s.PutPushSubscription(ctx, sub, at(82)))
	gotSub, err := s.PushSubscription(ctx, "d1")
	must(t, "PushSubscription", err)
	if *gotSub != *sub {
		t.Errorf("PushSubscription = %+v; want the replacement %+v", gotSub, sub)
	}
	must(t, "DeletePushSubscription", s.DeletePushSubscription(ctx, "d1"))
	_, err = s.PushSubscription(ctx, "d1")
	wantFault(t, "PushSubscription after deletion", err, fault.NotFound, "")
}
