package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/records"
)

// RecordsStore is what the records contract needs: the records store, and
// the messaging store whose streams it deletes from.
type RecordsStore interface {
	MessagingStore
	records.Store
}

// Records runs the records.Store contract, and messaging.Store's Expunge,
// against stores made by open.
func Records(t *testing.T, open func(t *testing.T) RecordsStore) {
	tests := []struct {
		name string
		f    func(*testing.T, context.Context, RecordsStore)
	}{
		{"retention rules", recordsRules},
		{"holds", recordsHolds},
		{"filings and receipts", recordsFilings},
		{"expunge", recordsExpunge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, t.Context(), open(t))
		})
	}
}

func recordsRules(t *testing.T, ctx context.Context, s RecordsStore) {
	seedDevices(t, ctx, s, 1)
	if rs, err := s.Rules(ctx, "o1"); err != nil || len(rs) != 0 {
		t.Errorf("Rules of a new organisation = %v, %v; want none", rs, err)
	}
	if g, err := s.FiledGrace(ctx, "o1"); err != nil || g != 24*time.Hour {
		t.Errorf("FiledGrace of a new organisation = %v, %v; want 24h", g, err)
	}
	must(t, "SetRule", s.SetRule(ctx, &records.Rule{OrgID: "o1", Kind: "team", MaxAge: 30 * 24 * time.Hour, UpdatedAt: at(20)}, event("o1", "retention.set", "team", 20)))
	must(t, "SetRule", s.SetRule(ctx, &records.Rule{OrgID: "o1", Kind: "team", MaxAge: 90 * 24 * time.Hour, UpdatedAt: at(21)}, event("o1", "retention.set", "team", 21)))
	must(t, "SetRule", s.SetRule(ctx, &records.Rule{OrgID: "o1", Kind: "incident", Reason: "inquiry", UpdatedAt: at(22)}, event("o1", "retention.set", "incident", 22)))
	rs, err := s.Rules(ctx, "o1")
	must(t, "Rules", err)
	want := []*records.Rule{
		{OrgID: "o1", Kind: "incident", Reason: "inquiry", UpdatedAt: us(at(22))},
		{OrgID: "o1", Kind: "team", MaxAge: 90 * 24 * time.Hour, UpdatedAt: us(at(21))},
	}
	if diff := cmp.Diff(want, rs); diff != "" {
		t.Errorf("Rules differ (-want +got):\n%s", diff)
	}
	must(t, "SetFiledGrace", s.SetFiledGrace(ctx, "o1", 0, event("o1", "retention.filed_grace", "o1", 23)))
	if g, err := s.FiledGrace(ctx, "o1"); err != nil || g != 0 {
		t.Errorf("FiledGrace = %v, %v; want 0", g, err)
	}
	wantFault(t, "SetFiledGrace of no organisation", s.SetFiledGrace(ctx, "o9", time.Hour, event("o9", "x", "o9", 24)), fault.NotFound, "")
	must(t, "CreateConversation", s.CreateConversation(ctx, &messaging.Conversation{ID: "c1", OrgID: "o1", Kind: "team", CreatedAt: at(30)}, messaging.Member{Device: "d1"}))
	must(t, "SetConversationKind", s.SetConversationKind(ctx, "c1", "incident", event("o1", "conversation.kind", "c1", 31)))
	if c, err := s.Conversation(ctx, "c1"); err != nil || c.Kind != "incident" {
		t.Errorf("Conversation after SetConversationKind = %+v, %v; want incident", c, err)
	}
	wantFault(t, "SetConversationKind of none", s.SetConversationKind(ctx, "c9", "team", event("o1", "x", "c9", 32)), fault.NotFound, "")
}

func recordsHolds(t *testing.T, ctx context.Context, s RecordsStore) {
	seedDevices(t, ctx, s, 2)
	h1 := &records.Hold{ID: "h1", OrgID: "o1", Conversation: "c1", Case: "FOI-1", PlacedBy: "u1", PlacedAt: at(10)}
	h2 := &records.Hold{ID: "h2", OrgID: "o1", From: at(0), To: at(100), Case: "SAR-2", PlacedBy: "cli", PlacedAt: at(11)}
	must(t, "PutHold", s.PutHold(ctx, h1, event("o1", "hold.place", "h1", 10)))
	must(t, "PutHold", s.PutHold(ctx, h2, event("o1", "hold.place", "h2", 11)))
	if err := s.PutHold(ctx, h1, event("o1", "hold.place", "h1", 12)); !fault.Is(err, fault.Conflict) {
		t.Errorf("PutHold of an ID again: %v; want Conflict", err)
	}
	got, err := s.Hold(ctx, "h2")
	must(t, "Hold", err)
	if diff := cmp.Diff(&records.Hold{ID: "h2", OrgID: "o1", From: us(at(0)), To: us(at(100)), Case: "SAR-2", PlacedBy: "cli", PlacedAt: us(at(11))}, got); diff != "" {
		t.Errorf("Hold differs (-want +got):\n%s", diff)
	}
	must(t, "ReleaseHold", s.ReleaseHold(ctx, "h1", "u1", at(20), event("o1", "hold.release", "h1", 20)))
	wantFault(t, "ReleaseHold again", s.ReleaseHold(ctx, "h1", "u1", at(21), event("o1", "hold.release", "h1", 21)), fault.Conflict, "")
	ids := func(released bool) []string {
		hs, err := s.Holds(ctx, "o1", released)
		must(t, "Holds", err)
		var out []string
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return out
	}
	if got := ids(false); !slices.Equal(got, []string{"h2"}) {
		t.Errorf("Holds in force = %v; want [h2]", got)
	}
	if got := ids(true); !slices.Equal(got, []string{"h2", "h1"}) {
		t.Errorf("all Holds = %v; want [h2 h1], newest first", got)
	}
	if _, err := s.Hold(ctx, "h9"); !fault.Is(err, fault.NotFound) {
		t.Errorf("Hold of none: %v; want NotFound", err)
	}
}

func recordsFilings(t *testing.T, ctx context.Context, s RecordsStore) {
	twoConversations(t, ctx, s)
	_, err := s.AppendMessages(ctx, []messaging.Send{send("c1", "d1", "a", 1, 60), send("c1", "d2", "b", 1, 61), send("c1", "d1", "c", 1, 62)})
	must(t, "AppendMessages", err)
	f := &records.Filing{ID: "f1", OrgID: "o1", Conversation: "c1", Device: "d1", User: "u1", Seqs: []int64{2, 4}, Attachments: []string{"att1"},
		FiledAt: at(70), DueAt: at(80)}
	bad := *f
	bad.ID, bad.Seqs = "f0", []int64{1, 2} // 1 is a commit
	wantFault(t, "PutFiling of a commit", s.PutFiling(ctx, &bad, event("o1", "record.file", "f0", 69)), fault.Invalid, "")
	must(t, "PutFiling", s.PutFiling(ctx, f, event("o1", "record.file", "f1", 70)))
	if !f.FirstSent.Equal(us(at(60))) || !f.LastSent.Equal(us(at(62))) {
		t.Errorf("PutFiling set the span %v–%v; want %v–%v", f.FirstSent, f.LastSent, us(at(60)), us(at(62)))
	}
	got, err := s.Filing(ctx, "f1")
	must(t, "Filing", err)
	want := &records.Filing{ID: "f1", OrgID: "o1", Conversation: "c1", Device: "d1", User: "u1", Seqs: []int64{2, 4}, Attachments: []string{"att1"},
		FirstSent: us(at(60)), LastSent: us(at(62)), FiledAt: us(at(70)), DueAt: us(at(80))}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Filing differs (-want +got):\n%s", diff)
	}
	due := func(n int) []string {
		fs, err := s.DueFilings(ctx, at(n), "", 10)
		must(t, "DueFilings", err)
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	if got := due(79); len(got) != 0 {
		t.Errorf("DueFilings before due = %v", got)
	}
	if got := due(80); !slices.Equal(got, []string{"f1"}) {
		t.Errorf("DueFilings when due = %v; want [f1]", got)
	}
	must(t, "FilingDeleted", s.FilingDeleted(ctx, "f1", at(81), 5, []string{"d1", "d2"}, event("o1", "record.delete", "f1", 81)))
	must(t, "FilingDeleted again", s.FilingDeleted(ctx, "f1", at(82), 6, []string{"d3"}, event("o1", "record.delete", "f1", 82)))
	if got := due(90); len(got) != 0 {
		t.Errorf("DueFilings after deletion = %v", got)
	}
	must(t, "ConfirmDeletion", s.ConfirmDeletion(ctx, "f1", "d2", at(83)))
	must(t, "ConfirmDeletion again", s.ConfirmDeletion(ctx, "f1", "d2", at(84)))
	if err := s.ConfirmDeletion(ctx, "f1", "d3", at(85)); !fault.Is(err, fault.NotFound) {
		t.Errorf("ConfirmDeletion by a device never told: %v; want NotFound", err)
	}
	cs, err := s.Confirmations(ctx, "f1")
	must(t, "Confirmations", err)
	wantCs := []records.Confirmation{
		{Device: "d1", Email: "ann@example.nhs.uk", DeviceName: "Laptop d1"},
		{Device: "d2", Email: "user2@example.nhs.uk", DeviceName: "Laptop d2", ConfirmedAt: us(at(83))},
	}
	if diff := cmp.Diff(wantCs, cs); diff != "" {
		t.Errorf("Confirmations differ (-want +got):\n%s", diff)
	}
	if got, err := s.Filing(ctx, "f1"); err != nil || !got.DeletedAt.Equal(us(at(81))) || got.DeletionSeq != 5 {
		t.Errorf("Filing after deletion = %+v, %v; want deleted at 81, entry 5", got, err)
	}
}

func recordsExpunge(t *testing.T, ctx context.Context, s RecordsStore) {
	twoConversations(t, ctx, s)
	// c1: 1 commit, 2–4 messages at 60–62, then a commit at 63 and a
	// message at 64.
	_, err := s.AppendMessages(ctx, []messaging.Send{send("c1", "d1", "a", 1, 60), send("c1", "d2", "b", 1, 61), send("c1", "d1", "c", 1, 62)})
	must(t, "AppendMessages", err)
	_, err = s.Commit(ctx, commitRecord("c1", 1, 63))
	must(t, "Commit", err)
	_, err = s.AppendMessages(ctx, []messaging.Send{send("c1", "d1", "d", 2, 64)})
	must(t, "AppendMessages", err)
	must(t, "PutAttachment", s.PutAttachment(ctx, &messaging.Attachment{ID: "att1", Conversation: "c1", Device: "d1", Size: 4, Data: []byte("blob"), CreatedAt: at(60)},
		messaging.Quota{User: "u1", Org: "o1", PersonBytes: 1 << 20, OrgBytes: 1 << 20}))
	must(t, "SetRule", s.SetRule(ctx, &records.Rule{OrgID: "o1", Kind: "clinical", MaxAge: time.Minute, UpdatedAt: at(20)}, event("o1", "retention.set", "clinical", 20)))

	dues, err := s.RetentionDue(ctx, at(121))
	must(t, "RetentionDue", err)
	if len(dues) != 1 || dues[0].Conversation != "c1" || !dues[0].Before.Equal(at(61)) {
		t.Fatalf("RetentionDue at 121 = %+v; want c1 before 61", dues)
	}
	var gotDeleted, gotKept []int64
	entry := func(deleted, kept []int64) (*messaging.Message, error) {
		gotDeleted, gotKept = deleted, kept
		return &messaging.Message{Conversation: "c1", Kind: messaging.KindDeletion, SentAt: at(122), Data: []byte("signed")}, nil
	}
	// Retention before 64, keeping what was sent from 61 to 62.
	m, err := s.Expunge(ctx, &messaging.Expunge{Conversation: "c1", Before: at(64), Keep: []messaging.Span{{From: us(at(61)), To: us(at(62))}}, Entry: entry})
	must(t, "Expunge", err)
	if m == nil || m.Seq != 7 || !slices.Equal(gotDeleted, []int64{2, 4}) || !slices.Equal(gotKept, []int64{3}) {
		t.Fatalf("Expunge = %+v, deleted %v, kept %v; want entry 7 after deleting 2 and 4, keeping 3", m, gotDeleted, gotKept)
	}
	if _, err := s.Attachment(ctx, "att1"); !fault.Is(err, fault.NotFound) {
		t.Errorf("an attachment older than the cutoff remains: %v", err)
	}
	ms, err := s.Messages(ctx, "c1", 0, 100)
	must(t, "Messages", err)
	var left []int64
	for _, m := range ms {
		left = append(left, m.Seq)
	}
	// The commits stay: no member has read past them.
	if !slices.Equal(left, []int64{1, 3, 5, 6, 7}) {
		t.Errorf("stream after Expunge = %v; want [1 3 5 6 7]", left)
	}
	if ms[len(ms)-1].Kind != messaging.KindDeletion {
		t.Errorf("the last entry is %s; want the deletion entry", ms[len(ms)-1].Kind)
	}
	// Nothing left to delete: no entry is appended.
	m, err = s.Expunge(ctx, &messaging.Expunge{Conversation: "c1", Seqs: []int64{2, 4}, Entry: entry})
	if err != nil || m != nil {
		t.Errorf("Expunge of what is gone = %+v, %v; want no entry", m, err)
	}
	// By sequence number (a filing), once members have read past the
	// first commit it goes with a retention sweep too.
	must(t, "SetCursor", s.SetCursor(ctx, "c1", "d1", 7))
	must(t, "SetCursor", s.SetCursor(ctx, "c1", "d2", 7))
	m, err = s.Expunge(ctx, &messaging.Expunge{Conversation: "c1", Seqs: []int64{3, 6}, Entry: entry})
	must(t, "Expunge", err)
	if m == nil || m.Seq != 8 || !slices.Equal(gotDeleted, []int64{3, 6}) {
		t.Errorf("Expunge of a filing = %+v, deleted %v; want entry 8 after 3 and 6", m, gotDeleted)
	}
	_, err = s.Expunge(ctx, &messaging.Expunge{Conversation: "c1", Before: at(200), Entry: entry})
	must(t, "Expunge", err)
	ms, err = s.Messages(ctx, "c1", 0, 100)
	must(t, "Messages", err)
	left = left[:0]
	for _, m := range ms {
		left = append(left, m.Seq)
	}
	// The first deletion entry, which every member has read, goes too;
	// the second, which no member has read yet, stays.
	if !slices.Equal(left, []int64{8}) {
		t.Errorf("stream after a sweep past every cursor = %v; want only the unread deletion entry [8]", left)
	}
	if dues, err := s.RetentionDue(ctx, at(500)); err != nil || len(dues) != 0 {
		t.Errorf("RetentionDue with nothing left = %+v, %v", dues, err)
	}
	if _, err := s.Expunge(ctx, &messaging.Expunge{Conversation: "c9", Before: at(1), Entry: entry}); !fault.Is(err, fault.NotFound) {
		t.Errorf("Expunge of no conversation: %v; want NotFound", err)
	}
}
