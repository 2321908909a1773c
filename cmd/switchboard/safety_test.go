package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/client/filestore"
)

// openDevice opens a CLI device's profile as the web app's core does.
func openDevice(t *testing.T, d *device) *client.Client {
	t.Helper()
	dir, err := filestore.Open(d.profile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Open(context.Background(), client.Options{Backend: dir, Passphrase: []byte(d.passphrase)})
	if err != nil {
		t.Fatalf("%s: Open: %v", d.name, err)
	}
	return c
}

// TestSafetyCodesAndUnread checks what the web app's member list and
// conversation list rely on, through the real server: both people see the
// same safety code, a third pair sees another, verifying marks a person
// verified, and unread counts follow what was read.
func TestSafetyCodesAndUnread(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	if _, _, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatal(err)
	}
	profiles := t.TempDir()
	dev := func(name string, a *account) *device {
		return &device{name: name, profile: filepath.Join(profiles, name), passphrase: "passphrase of " + name, acct: a}
	}
	ann := dev("ann", addAccount(t, data, "ann@example.nhs.uk"))
	bob := dev("bob", addAccount(t, data, "bob@example.nhs.uk"))
	cat := dev("cat", addAccount(t, data, "cat@example.nhs.uk"))
	for _, d := range []*device{ann, bob, cat} {
		d.login(t, srv.clock, srv.base)
	}
	conv := strings.TrimSpace(ann.chat(t, "create", "--name", "Ward 7", "--member", bob.acct.email, "--member", cat.acct.email))
	ann.chat(t, "send", conv, "first")
	ann.chat(t, "send", conv, "second")

	ctx := context.Background()
	a, b := openDevice(t, ann), openDevice(t, bob)
	codeA, err := a.SafetyCode(ctx, conv, bob.acct.email)
	if err != nil {
		t.Fatalf("ann: SafetyCode(bob) = %v", err)
	}
	codeB, err := b.SafetyCode(ctx, conv, ann.acct.email)
	if err != nil {
		t.Fatalf("bob: SafetyCode(ann) = %v", err)
	}
	if codeA != codeB || len(codeA) != 23 {
		t.Errorf("safety codes: ann sees %q, bob sees %q; want the same 20 digits", codeA, codeB)
	}
	if codeC, _ := a.SafetyCode(ctx, conv, cat.acct.email); codeC == codeA {
		t.Errorf("ann's code with cat = %q, the same as with bob", codeC)
	}
	if _, err := a.SafetyCode(ctx, conv, ann.acct.email); err == nil {
		t.Error("SafetyCode with oneself succeeded; want an error")
	}

	verified := func(c *client.Client, email string) (bool, bool) {
		t.Helper()
		ps, err := c.People(ctx, conv)
		if err != nil {
			t.Fatalf("People = %v", err)
		}
		for _, p := range ps {
			if p.Email == email {
				return p.Verified, p.KeyChanged
			}
		}
		t.Fatalf("People lacks %s", email)
		return false, false
	}
	if v, changed := verified(a, bob.acct.email); v || changed {
		t.Errorf("bob before verifying: verified %v, key changed %v; want false, false", v, changed)
	}
	if err := a.Verify(ctx, conv, bob.acct.email); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if v, _ := verified(a, bob.acct.email); !v {
		t.Error("bob after verifying: not verified")
	}
	if v, _ := verified(a, cat.acct.email); v {
		t.Error("cat is verified without comparing codes")
	}

	unread := func() int {
		t.Helper()
		ss, err := b.Summaries(ctx)
		if err != nil || len(ss) != 1 {
			t.Fatalf("Summaries = %v, %v; want one conversation", ss, err)
		}
		return ss[0].Unread
	}
	if n := unread(); n != 2 {
		t.Errorf("bob's unread = %d; want 2", n)
	}
	ms, err := b.History(ctx, conv)
	if err != nil || len(ms) != 2 {
		t.Fatalf("History = %v, %v; want 2 messages", ms, err)
	}
	if err := b.MarkRead(ctx, conv, ms[0].Seq); err != nil {
		t.Fatal(err)
	}
	if n := unread(); n != 1 {
		t.Errorf("bob's unread after reading the first = %d; want 1", n)
	}
}
