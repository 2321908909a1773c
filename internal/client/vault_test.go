package client_test

import (
	"context"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/client/filestore"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

func TestOpenNeedsTheRightPassphrase(t *testing.T) {
	dir, err := filestore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.Open(ctx, client.Options{Backend: dir, Passphrase: []byte("x")}); !fault.Is(err, fault.NotFound) {
		t.Errorf("Open(empty profile) = %v; want NotFound", err)
	}
	// Login cannot reach a server here, but it creates the store first.
	_, err = client.Login(ctx, client.Options{Backend: dir, Passphrase: []byte("right horse battery"), KDF: client.KDF{Time: 1, Memory: 8 * 1024, Threads: 1}},
		client.LoginInput{Server: "http://127.0.0.1:1", Email: "ann@example.nhs.uk", Password: "pw", Code: "123456"})
	if !fault.Is(err, fault.Unavailable) {
		t.Fatalf("Login(unreachable server) = %v; want Unavailable", err)
	}
	for _, tc := range []struct {
		pass string
		want string
	}{
		{"wrong horse battery", "The passphrase is not right for this profile."},
		{"", "Give the profile's passphrase (SWITCHBOARD_PASSPHRASE)."},
	} {
		_, err := client.Open(ctx, client.Options{Backend: dir, Passphrase: []byte(tc.pass)})
		if fault.Message(err) != tc.want {
			t.Errorf("Open(passphrase %q) = %v; want %q", tc.pass, err, tc.want)
		}
	}
	_, err = client.Login(ctx, client.Options{Backend: dir, Passphrase: []byte("wrong horse battery")},
		client.LoginInput{Server: "http://127.0.0.1:1", Email: "ann@example.nhs.uk", Password: "pw", Code: "123456"})
	if fault.Message(err) != "The passphrase is not right for this profile." {
		t.Errorf("Login(existing profile, wrong passphrase) = %v; want the wrong-passphrase sentence", err)
	}
}
