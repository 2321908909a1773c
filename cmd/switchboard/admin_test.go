package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

func count(t *testing.T, data, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAdminCommands(t *testing.T) {
	data := t.TempDir()
	if _, errOut, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatalf("org add = %v (%s)", err, errOut)
	}
	out, errOut, err := cli(t, "tulip ladder velvet orbit\n", "admin", "--data", data, "user", "add", "--org", "rxx", "--email", "Ann@Example.nhs.uk",
		"--name", "Ann Example", "--role", "clinician", "--role", "admin", "--password-stdin", "--json")
	if err != nil {
		t.Fatalf("user add = %v (%s)", err, errOut)
	}
	var u struct {
		ID      string `json:"id"`
		TOTPURI string `json:"totp_uri"`
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.ID == "" || !strings.HasPrefix(u.TOTPURI, "otpauth://totp/") {
		t.Fatalf("user add --json printed %q (%v); want an object with id and an otpauth:// totp_uri", out, err)
	}

	bad := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"malformed ODS", "", []string{"org", "add", "--ods", "R-X", "--name", "Bad"}, "ODS code must be"},
		{"duplicate ODS", "", []string{"org", "add", "--ods", "RXX", "--name", "Again"}, "exists already"},
		{"missing org name", "", []string{"org", "add", "--ods", "RYY"}, "Enter the organisation name"},
		{"unknown org", "tulip ladder velvet orbit\n", []string{"user", "add", "--org", "ZZZ", "--email", "b@example.nhs.uk", "--name", "B", "--role", "clinician", "--password-stdin"}, "no organisation with ODS code ZZZ"},
		{"duplicate email", "tulip ladder velvet orbit\n", []string{"user", "add", "--org", "RXX", "--email", "ann@example.nhs.uk", "--name", "B", "--role", "clinician", "--password-stdin"}, "exists already"},
		{"weak password", "password123\n", []string{"user", "add", "--org", "RXX", "--email", "c@example.nhs.uk", "--name", "C", "--role", "clinician", "--password-stdin"}, "at least 12 characters"},
		{"common password", "passwordpassword\n", []string{"user", "add", "--org", "RXX", "--email", "c@example.nhs.uk", "--name", "C", "--role", "clinician", "--password-stdin"}, "commonly used"},
		{"unknown role", "tulip ladder velvet orbit\n", []string{"user", "add", "--org", "RXX", "--email", "c@example.nhs.uk", "--name", "C", "--role", "surgeon", "--password-stdin"}, "does not exist"},
		{"bad email", "tulip ladder velvet orbit\n", []string{"user", "add", "--org", "RXX", "--email", "not-an-email", "--name", "C", "--role", "clinician", "--password-stdin"}, "email address"},
		{"no password", "", []string{"user", "add", "--org", "RXX", "--email", "c@example.nhs.uk", "--name", "C", "--role", "clinician", "--password-stdin"}, "No password"},
		{"unknown command", "", []string{"user", "frob"}, "unknown admin command"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			orgs, users, audits := count(t, data, "orgs"), count(t, data, "users"), count(t, data, "audit")
			_, errOut, err := cli(t, tt.stdin, append([]string{"admin", "--data", data}, tt.args...)...)
			if err == nil {
				t.Fatalf("admin %v succeeded; want an error", tt.args)
			}
			if msg := userMessage(err); !strings.Contains(msg, tt.want) || strings.Count(msg, "\n") > 0 {
				t.Errorf("admin %v: message %q; want one line containing %q", tt.args, msg, tt.want)
			}
			if exitCode(err) == 0 {
				t.Errorf("exit code 0 for a failure")
			}
			_ = errOut
			if orgs != count(t, data, "orgs") || users != count(t, data, "users") || audits != count(t, data, "audit") {
				t.Errorf("admin %v changed the database", tt.args)
			}
		})
	}

	out, _, err = cli(t, "", "admin", "--data", data, "audit", "verify")
	if err != nil || !strings.Contains(out, "2 entries verified") {
		t.Fatalf("audit verify = %q, %v; want 2 entries verified", out, err)
	}
	db, _ := sql.Open("sqlite", filepath.Join(data, "switchboard.db"))
	for _, s := range []string{"DROP TRIGGER audit_append_only_update", "UPDATE audit SET actor = 'someone' WHERE seq = 1"} {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	_, _, err = cli(t, "", "admin", "--data", data, "audit", "verify")
	if err == nil || !strings.Contains(userMessage(err), "audit entry 1") || exitCode(err) == 0 {
		t.Errorf("audit verify after tampering = %v; want a non-zero exit naming entry 1", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve", "--nope"}, {"admin"}, {"serve", "--tls-cert", "x"},
		{"serve", "--trusted-proxy", "nginx"}, {"serve", "--metrics-allow", "10.0.0.0/40"}} {
		_, _, err := cli(t, "", args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("run(%q) = %v; want a usage error with exit code 2", args, err)
		}
	}
	out, _, err := cli(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "switchboard ") {
		t.Errorf("version = %q, %v", out, err)
	}
}
