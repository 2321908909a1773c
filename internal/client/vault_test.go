package client_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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

func TestFileStore(t *testing.T) {
	root := t.TempDir()
	d, err := filestore.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"msg/ab/02", "msg/ab/01", "conv/ab"} {
		if err := d.Put(k, []byte("v "+k)); err != nil {
			t.Fatalf("Put(%q) = %v", k, err)
		}
	}
	keys, err := d.List("msg/ab/")
	if err != nil || len(keys) != 2 || keys[0] != "msg/ab/01" || keys[1] != "msg/ab/02" {
		t.Errorf("List = %q, %v; want the two records in order", keys, err)
	}
	if b, err := d.Get("msg/ab/01"); err != nil || !bytes.Equal(b, []byte("v msg/ab/01")) {
		t.Errorf("Get = %q, %v", b, err)
	}
	if _, err := d.Get("conv/cd"); err != client.ErrNotFound {
		t.Errorf("Get(missing) = %v; want ErrNotFound", err)
	}
	for _, bad := range []string{"../x", "/etc/passwd", "Conv/AB", ""} {
		if err := d.Put(bad, nil); err == nil {
			t.Errorf("Put(%q) succeeded; want refused", bad)
		}
	}
	if st, err := os.Stat(filepath.Join(root, "conv", "ab")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("record mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	unlock, err := d.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100_000_000)
	defer cancel()
	if _, err := d.Lock(ctx); err == nil {
		t.Error("a second Lock while held succeeded")
	}
	unlock()
	if err := d.Erase(); err != nil || filestore.Exists(root) {
		t.Errorf("Erase = %v; profile still there: %v", err, filestore.Exists(root))
	}
}
