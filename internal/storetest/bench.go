package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// BenchmarkAppendMessages stores batches of 32 sends of 300 bytes in s, one
// durable transaction per batch, as the stream writer does under load.
func BenchmarkAppendMessages(b *testing.B, s MessagingStore) {
	ctx := context.Background()
	conv, dev := SeedConversation(b, s)
	data := make([]byte, 300)
	n := 0
	for b.Loop() {
		sends := make([]messaging.Send, 32)
		for j := range sends {
			n++
			sends[j] = messaging.Send{Message: &messaging.Message{Conversation: conv, Kind: messaging.KindApplication, Device: dev,
				ClientID: fmt.Sprint(n), SentAt: time.Now(), Data: data}}
		}
		if _, err := s.AppendMessages(ctx, sends); err != nil {
			b.Fatal(err)
		}
	}
}

// SeedConversation makes an organisation, a user, a device and a
// conversation it is in.
func SeedConversation(tb testing.TB, s MessagingStore) (conv, device string) {
	ctx := context.Background()
	now := time.Now()
	org := &identity.Org{ID: "o1", ODS: "RXX", Name: "T", Policy: identity.DefaultPolicy, CreatedAt: now}
	if err := s.CreateOrg(ctx, org, audit.Event{At: now, OrgID: "o1", Actor: "cli", Action: "org.create"}); err != nil {
		tb.Fatal(err)
	}
	u := &identity.User{ID: "u1", OrgID: "o1", Email: "a@x.nhs.uk", Name: "A", Roles: []identity.Role{"clinician"}, CreatedAt: now}
	if err := s.CreateUser(ctx, u, nil, audit.Event{At: now, OrgID: "o1", Actor: "cli", Action: "user.create"}); err != nil {
		tb.Fatal(err)
	}
	d := &identity.Device{ID: "d1", UserID: "u1", Name: "d", Kind: "cli", CreatedAt: now, LastSeenAt: now}
	sess := &identity.Session{ID: "s1", TokenHash: "h", UserID: "u1", DeviceID: "d1", CSRF: "c", CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour)}
	if err := s.StartSession(ctx, sess, d, 1, "", audit.Event{At: now, OrgID: "o1", Actor: "u1", Action: "signin"}); err != nil {
		tb.Fatal(err)
	}
	c := &messaging.Conversation{ID: "00112233445566778899aabbccddeeff", OrgID: "o1", CreatedAt: now}
	if err := s.CreateConversation(ctx, c, messaging.Member{Device: "d1"}); err != nil {
		tb.Fatal(err)
	}
	return c.ID, "d1"
}
