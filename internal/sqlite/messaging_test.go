package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/storetest"
)

func openMsgTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir(), testKeys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func addDevice(t *testing.T, db *DB, id string) {
	t.Helper()
	now := time.Now()
	d := &identity.Device{ID: id, UserID: "u1", Name: "d", Kind: "cli", CreatedAt: now, LastSeenAt: now}
	s := &identity.Session{ID: "s-" + id, TokenHash: "h-" + id, UserID: "u1", DeviceID: id, CSRF: "c", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.StartSession(context.Background(), s, d, now.UnixNano(), "", audit.Event{At: now, OrgID: "o1", Actor: "u1", Action: "signin"}); err != nil {
		t.Fatal(err)
	}
}

func appMsg(conv, dev, clientID string, epoch uint64) messaging.Send {
	return messaging.Send{Message: &messaging.Message{Conversation: conv, Kind: messaging.KindApplication, Device: dev,
		ClientID: clientID, Epoch: epoch, SentAt: time.Now(), Data: []byte("ciphertext " + clientID)}}
}

func TestAppendMessagesOrderIdempotencyAndEpoch(t *testing.T) {
	db := openMsgTest(t)
	ctx := context.Background()
	conv, dev := storetest.SeedConversation(t, db)
	addDevice(t, db, "d2") // not a member
	res, err := db.AppendMessages(ctx, []messaging.Send{
		appMsg(conv, dev, "a", 0), appMsg(conv, dev, "b", 0), appMsg(conv, dev, "a", 0), // a resent in the same batch
		appMsg(conv, dev, "c", 7), // wrong epoch
		appMsg(conv, "d2", "x", 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, r := range res {
		got = append(got, fmt.Sprintf("%d/%v/%v", r.Seq, r.Duplicate, fault.KindOf(r.Err)))
	}
	want := []string{"1/false/internal", "2/false/internal", "1/true/internal", "0/false/conflict", "0/false/not found"}
	if !cmp.Equal(got, want) {
		t.Errorf("AppendMessages results = %v; want %v", got, want)
	}
	if e, ok := messaging.EpochOf(res[3].Err); !ok || e != 0 {
		t.Errorf("stale send's error carries epoch %d, %v; want 0", e, ok)
	}
	// A resend in a later batch gets the first seq.
	res, _ = db.AppendMessages(ctx, []messaging.Send{appMsg(conv, dev, "b", 0), appMsg(conv, dev, "d", 0)})
	if res[0].Seq != 2 || !res[0].Duplicate || res[1].Seq != 3 {
		t.Errorf("second batch = %+v; want b as duplicate seq 2, d at seq 3", res)
	}
	msgs, err := db.Messages(ctx, conv, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range msgs {
		ids = append(ids, fmt.Sprint(m.Seq, m.ClientID))
	}
	if !cmp.Equal(ids, []string{"1a", "2b", "3d"}) {
		t.Errorf("stream = %v; want [1a 2b 3d]", ids)
	}
	// Durable: a fresh connection to the same file sees them.
	db2, err := Open(ctx, db.path[:len(db.path)-len(FileName)-1], testKeys)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if m, _ := db2.Messages(ctx, conv, 0, 10); len(m) != 3 {
		t.Errorf("reopened database has %d messages; want 3", len(m))
	}
}

func TestCommitOnePerEpochAndMembership(t *testing.T) {
	db := openMsgTest(t)
	ctx := context.Background()
	conv, dev := storetest.SeedConversation(t, db)
	addDevice(t, db, "d2")
	commit := func(epoch uint64, added ...messaging.Member) (int64, error) {
		r := &messaging.CommitRecord{Epoch: epoch, Added: added,
			Message: &messaging.Message{Conversation: conv, Kind: messaging.KindCommit, Device: dev, Epoch: epoch, SentAt: time.Now(), Data: []byte("c")}}
		for _, a := range added {
			r.Welcomes = append(r.Welcomes, &messaging.Welcome{ID: "w-" + a.Device, Device: a.Device, Conversation: conv,
				Welcome: []byte("welcome"), RatchetTree: []byte{}, CreatedAt: time.Now()})
		}
		return db.Commit(ctx, r)
	}
	seq, err := commit(0, messaging.Member{Device: "d2", Leaf: 1})
	if err != nil || seq != 1 {
		t.Fatalf("Commit(epoch 0) = %d, %v; want seq 1", seq, err)
	}
	if _, err := commit(0); !fault.Is(err, fault.Conflict) {
		t.Errorf("second Commit(epoch 0) = %v; want a conflict", err)
	} else if e, _ := messaging.EpochOf(err); e != 1 {
		t.Errorf("conflict names epoch %d; want 1", e)
	}
	c, err := db.Conversation(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Epoch != 1 || len(c.Members) != 2 || c.Members[1].JoinedSeq != 1 {
		t.Errorf("conversation = %+v; want epoch 1, two members, the new one joined at 1", c)
	}
	ws, _ := db.Welcomes(ctx, "d2")
	if len(ws) != 1 || string(ws[0].Welcome) != "welcome" || ws[0].Seq != 1 {
		t.Fatalf("Welcomes(d2) = %+v; want one at seq 1", ws)
	}
	if err := db.DeleteWelcome(ctx, "d2", ws[0].ID); err != nil {
		t.Fatal(err)
	}
	var n int
	db.read.QueryRowContext(context.Background(), `SELECT count(*) FROM welcome_messages`).Scan(&n)
	if n != 0 {
		t.Errorf("%d shared Welcomes left after the last device joined; want 0", n)
	}
	ms, _ := db.Memberships(ctx, "d2")
	if len(ms) != 1 || ms[0].JoinedSeq != 1 || ms[0].LastSeq != 1 {
		t.Errorf("Memberships(d2) = %+v", ms)
	}
}

func TestKeyPackageClaimAndLastResort(t *testing.T) {
	db := openMsgTest(t)
	ctx := context.Background()
	storetest.SeedConversation(t, db)
	kp := func(ref string, last bool) *messaging.KeyPackage {
		return &messaging.KeyPackage{Ref: []byte(ref), Device: "d1", LastResort: last, Data: []byte("kp " + ref), CreatedAt: time.Now()}
	}
	n, err := db.AddKeyPackages(ctx, "d1", []*messaging.KeyPackage{kp("r1", false), kp("r2", false)}, kp("lr", true))
	if err != nil || n != 2 {
		t.Fatalf("AddKeyPackages = %d, %v; want stock 2", n, err)
	}
	var got []string
	for i := 0; i < 4; i++ {
		data, stock, err := db.ClaimKeyPackage(ctx, "d1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s/%d", data, stock))
	}
	if want := []string{"kp r1/1", "kp r2/0", "kp lr/0", "kp lr/0"}; !cmp.Equal(got, want) {
		t.Errorf("claims = %v; want %v (the last-resort one is kept)", got, want)
	}
	if d, err := db.KeyPackageDevice(ctx, []byte("r1")); err != nil || d != "d1" {
		t.Errorf("KeyPackageDevice(r1) = %q, %v; want d1", d, err)
	}
	if _, err := db.KeyPackageDevice(ctx, []byte("nope")); !fault.Is(err, fault.NotFound) {
		t.Errorf("KeyPackageDevice(unknown) = %v; want not found", err)
	}
	if _, _, err := db.ClaimKeyPackage(ctx, "nobody", time.Now()); !fault.Is(err, fault.NotFound) {
		t.Errorf("claim for a device without KeyPackages = %v; want not found", err)
	}
}
