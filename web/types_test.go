package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/wire/tsgen"
)

// generated is the TypeScript module written from the client core's Go
// types, which the pages import instead of copying them.
const generated = "src/messaging/types.gen.ts"

//go:generate env SWITCHBOARD_WRITE_TYPES=1 go test -run TestGeneratedTypes .

// TestGeneratedTypes fails when src/messaging/types.gen.ts differs from
// what the Go types say; `go generate ./web` rewrites it.
func TestGeneratedTypes(t *testing.T) {
	got, err := tsgen.Generate(`// Code generated from the Go types of internal/client by `+"`go generate ./web`"+`; DO NOT EDIT.
// The client core (Go compiled to WebAssembly) answers with these, as JSON.
`, []tsgen.Type{
		tsgen.Of[client.Message]("Message", "Message is one decrypted message as the device keeps and shows it."),
		tsgen.Of[client.Member]("Member", "Member is a device in a conversation."),
		tsgen.Of[client.Summary]("Summary", "Summary is a conversation with its unread count and last activity."),
		tsgen.Of[client.Person]("Person", "Person is a member as the members page shows them, with their safety-code state."),
	})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SWITCHBOARD_WRITE_TYPES") != "" {
		if err := os.WriteFile(filepath.FromSlash(generated), []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(filepath.FromSlash(generated))
	if err != nil {
		t.Fatalf("%v; run go generate ./web", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s is out of date with the Go types; run go generate ./web (-file +Go):\n%s", generated, diff)
	}
}
