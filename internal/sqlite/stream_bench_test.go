package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// BenchmarkAppendMessages stores batches of 32 sends of 300 bytes, one
// durable transaction per batch, as the stream writer does under load.
func BenchmarkAppendMessages(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	conv, dev := seedConversation(b, db)
	data := make([]byte, 300)
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		sends := make([]messaging.Send, 32)
		for j := range sends {
			n++
			sends[j] = messaging.Send{Message: &messaging.Message{Conversation: conv, Kind: messaging.KindApplication, Device: dev,
				ClientID: fmt.Sprint(n), SentAt: time.Now(), Data: data}}
		}
		if _, err := db.AppendMessages(ctx, sends); err != nil {
			b.Fatal(err)
		}
	}
}

// seedConversation makes an organisation, a user, a device and a
// conversation it is in.
func seedConversation(tb testing.TB, db *DB) (conv, device string) {
	ctx := context.Background()
	now := time.Now()
	org := &identity.Org{ID: "o1", ODS: "RXX", Name: "T", Policy: identity.DefaultPolicy, CreatedAt: now}
	if err := db.CreateOrg(ctx, org, audit.Event{At: now, OrgID: "o1", Actor: "cli", Action: "org.create"}); err != nil {
		tb.Fatal(err)
	}
	u := &identity.User{ID: "u1", OrgID: "o1", Email: "a@x.nhs.uk", Name: "A", Roles: []identity.Role{"clinician"}, CreatedAt: now}
	if err := db.CreateUser(ctx, u, nil, audit.Event{At: now, OrgID: "o1", Actor: "cli", Action: "user.create"}); err != nil {
		tb.Fatal(err)
	}
	d := &identity.Device{ID: "d1", UserID: "u1", Name: "d", Kind: "cli", CreatedAt: now, LastSeenAt: now}
	s := &identity.Session{ID: "s1", TokenHash: "h", UserID: "u1", DeviceID: "d1", CSRF: "c", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.StartSession(ctx, s, d, 1, "", audit.Event{At: now, OrgID: "o1", Actor: "u1", Action: "signin"}); err != nil {
		tb.Fatal(err)
	}
	c := &messaging.Conversation{ID: "00112233445566778899aabbccddeeff", OrgID: "o1", CreatedAt: now}
	if err := db.CreateConversation(ctx, c, messaging.Member{Device: "d1"}); err != nil {
		tb.Fatal(err)
	}
	return c.ID, "d1"
}
