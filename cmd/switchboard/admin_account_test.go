package main

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// userRow reads a user's roles, whether they are disabled, their failed
// sign-ins and whether they are locked, straight from the database.
func userRow(t *testing.T, data, email string) (roles string, disabled bool, failures int, locked bool) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var at, until int64
	err = db.QueryRow(`SELECT roles, disabled_at, failed_signins, locked_until FROM users WHERE email = ?`, email).Scan(&roles, &at, &failures, &until)
	if err != nil {
		t.Fatal(err)
	}
	return roles, at != 0, failures, until != 0
}

func TestAdminAccountCommands(t *testing.T) {
	data := t.TempDir()
	admin := func(args ...string) (string, error) {
		t.Helper()
		out, _, err := cli(t, "tulip ladder velvet orbit\n", append([]string{"admin", "--data", data}, args...)...)
		return out, err
	}
	if _, err := admin("org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatal(err)
	}
	for _, u := range [][]string{{"ann@example.nhs.uk", "admin"}, {"bob@example.nhs.uk", "clinician"}} {
		if _, err := admin("user", "add", "--org", "RXX", "--email", u[0], "--name", "Someone", "--role", u[1], "--password-stdin"); err != nil {
			t.Fatalf("user add %s: %v", u[0], err)
		}
	}

	good := []struct {
		args  []string
		out   string
		roles string
		off   bool
	}{
		{[]string{"user", "roles", "--email", "Bob@Example.nhs.uk", "--role", "dpo", "--role", "clinician"}, "bob@example.nhs.uk now has the roles clinician, dpo.", "clinician,dpo", false},
		{[]string{"user", "disable", "--email", "bob@example.nhs.uk"}, "Disabled bob@example.nhs.uk: they are signed out everywhere", "clinician,dpo", true},
		{[]string{"user", "enable", "--email", "bob@example.nhs.uk"}, "Enabled bob@example.nhs.uk", "clinician,dpo", false},
	}
	for _, tt := range good {
		audits := count(t, data, "audit")
		out, err := admin(tt.args...)
		if err != nil || !strings.Contains(out, tt.out) {
			t.Errorf("admin %v = %q, %v; want %q", tt.args, out, err, tt.out)
		}
		if roles, off, _, _ := userRow(t, data, "bob@example.nhs.uk"); roles != tt.roles || off != tt.off {
			t.Errorf("after admin %v: roles %q, disabled %v; want %q, %v", tt.args, roles, off, tt.roles, tt.off)
		}
		if n := count(t, data, "audit"); n != audits+1 {
			t.Errorf("admin %v added %d audit entries; want 1", tt.args, n-audits)
		}
	}

	// Unlock clears a lock after failed sign-ins.
	db, err := sql.Open("sqlite", filepath.Join(data, "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`UPDATE users SET failed_signins = 5, locked_until = ? WHERE email = 'bob@example.nhs.uk'`, time.Now().Add(time.Hour).UnixMicro())
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := admin("user", "unlock", "--email", "bob@example.nhs.uk"); err != nil || !strings.Contains(out, "Unlocked bob@example.nhs.uk") {
		t.Errorf("user unlock = %q, %v", out, err)
	}
	if _, _, failures, locked := userRow(t, data, "bob@example.nhs.uk"); failures != 0 || locked {
		t.Errorf("after user unlock: %d failures, locked %v; want 0, false", failures, locked)
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"roles for an unknown email", []string{"user", "roles", "--email", "nobody@example.nhs.uk", "--role", "clinician"}, "There is no user with the email address nobody@example.nhs.uk."},
		{"no role", []string{"user", "roles", "--email", "bob@example.nhs.uk"}, "at least one role"},
		{"unknown role", []string{"user", "roles", "--email", "bob@example.nhs.uk", "--role", "surgeon"}, "does not exist"},
		{"the last admin's role", []string{"user", "roles", "--email", "ann@example.nhs.uk", "--role", "clinician"}, "last enabled administrator"},
		{"disable the last admin", []string{"user", "disable", "--email", "ann@example.nhs.uk"}, "last enabled administrator"},
		{"disable an unknown email", []string{"user", "disable", "--email", "nobody@example.nhs.uk"}, "no user with the email address"},
		{"enable an unknown email", []string{"user", "enable", "--email", "nobody@example.nhs.uk"}, "no user with the email address"},
		{"unlock an unknown email", []string{"user", "unlock", "--email", "nobody@example.nhs.uk"}, "no user with the email address"},
		{"no email", []string{"user", "disable"}, "email address"},
		{"an extra argument", []string{"user", "unlock", "--email", "bob@example.nhs.uk", "now"}, "unexpected argument"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			audits := count(t, data, "audit")
			annRoles, annOff, _, _ := userRow(t, data, "ann@example.nhs.uk")
			bobRoles, bobOff, _, _ := userRow(t, data, "bob@example.nhs.uk")
			_, err := admin(tt.args...)
			if err == nil || exitCode(err) == 0 {
				t.Fatalf("admin %v = %v; want a non-zero exit", tt.args, err)
			}
			if msg := userMessage(err); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("admin %v: message %q; want one line containing %q", tt.args, msg, tt.want)
			}
			r1, o1, _, _ := userRow(t, data, "ann@example.nhs.uk")
			r2, o2, _, _ := userRow(t, data, "bob@example.nhs.uk")
			if count(t, data, "audit") != audits || r1 != annRoles || o1 != annOff || r2 != bobRoles || o2 != bobOff {
				t.Errorf("admin %v changed the database", tt.args)
			}
		})
	}

	if out, err := admin("audit", "verify"); err != nil || !strings.Contains(out, "entries verified") {
		t.Errorf("audit verify = %q, %v", out, err)
	}
}

// TestConsoleDisableLeavesConversations: a person disabled at the console
// while the server runs is signed out, their device can no longer read,
// and the other members' devices commit it out of their conversations, as
// when an admin disables them on the admin page.
func TestConsoleDisableLeavesConversations(t *testing.T) {
	data, profiles := t.TempDir(), t.TempDir()
	if _, _, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatal(err)
	}
	ann, bob := addAccount(t, data, "ann@example.nhs.uk", "admin"), addAccount(t, data, "bob@example.nhs.uk")
	ann1 := &device{name: "ann1", profile: filepath.Join(profiles, "ann1"), passphrase: "passphrase of ann1", acct: ann}
	bob1 := &device{name: "bob1", profile: filepath.Join(profiles, "bob1"), passphrase: "passphrase of bob1", acct: bob}
	srv := startServer(t, data)
	ann1.login(t, srv.clock, srv.base)
	bob1.login(t, srv.clock, srv.base)
	conv := strings.TrimSpace(ann1.chat(t, "create", "--name", "Ward 7 handover", "--member", bob.email))
	ann1.chat(t, "send", conv, "handover at eight")
	if got := texts(bob1.read(t, conv)); len(got) != 1 {
		t.Fatalf("bob reads %q; want the one message", got)
	}

	if out, _, err := cli(t, "", "admin", "--data", data, "user", "disable", "--email", bob.email); err != nil {
		t.Fatalf("user disable = %q, %v", out, err)
	}
	if _, err := bob1.try(t, "", "read", conv, "--json"); err == nil {
		t.Errorf("bob's device can still read once he is disabled")
	}
	ann1.read(t, conv) // ann's device commits the server's removal proposal
	if out := ann1.chat(t, "list", "--json"); strings.Contains(out, bob.email) {
		t.Errorf("ann lists %s; want bob's device gone from the conversation", out)
	}
	ann1.chat(t, "send", conv, "handover moved to nine")
	if got := texts(ann1.read(t, conv)); !slices.Contains(got, "handover moved to nine") {
		t.Errorf("ann reads %q; want the conversation to go on without bob", got)
	}
}
