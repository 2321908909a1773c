package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
)

// TestNodesShareOneDatabase runs two `switchboard serve` nodes on one
// PostgreSQL database, as behind a load balancer: a session started on one
// node works on the other, a code used on one is refused on the other, and
// ending the session on one ends it on both.
func TestNodesShareOneDatabase(t *testing.T) {
	url := pgtest.Database(t)
	key := filepath.Join(t.TempDir(), "secrets.key") // one key file for every node and the console
	if _, errOut, err := cli(t, "", "admin", "--database-url", url, "--secrets-key-file", key, "org", "add", "--ods", "RXX", "--name", "Example Trust"); err != nil {
		t.Fatalf("org add = %v (%s)", err, errOut)
	}
	out, errOut, err := cli(t, "tulip ladder velvet orbit\n", "admin", "--database-url", url, "--secrets-key-file", key, "user", "add", "--org", "RXX",
		"--email", "ann@example.nhs.uk", "--name", "Ann Example", "--role", "clinician", "--password-stdin", "--json")
	if err != nil {
		t.Fatalf("user add = %v (%s)", err, errOut)
	}
	var u struct {
		Secret string `json:"totp_secret"`
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.Secret == "" {
		t.Fatalf("user add --json printed %q (%v)", out, err)
	}
	clk := &clock{}
	a := startServerAt(t, clk, t.TempDir(), "--database-url", url, "--secrets-key-file", key)
	b := startServerAt(t, clk, t.TempDir(), "--database-url", url, "--secrets-key-file", key)
	if a.setup != "" || b.setup != "" {
		t.Errorf("nodes on a database with an organisation printed setup links %q, %q; want none", a.setup, b.setup)
	}

	c := &http.Client{Timeout: 10 * time.Second}
	code := clk.code(t, u.Secret)
	signIn := map[string]any{"email": "ann@example.nhs.uk", "password": "tulip ladder velvet orbit", "code": code,
		"device": map[string]string{"name": "laptop", "kind": "cli"}}
	var m me
	if res := api(t, c, "POST", a.base+"/api/session", signIn, nil, &m); res.StatusCode != 200 || m.Token == "" {
		t.Fatalf("sign in on node A = %d; want 200 with a token", res.StatusCode)
	}
	var e errBody
	if res := api(t, c, "POST", b.base+"/api/session", signIn, nil, &e); res.StatusCode != 401 {
		t.Errorf("the same code again on node B = %d %q; want 401 (each code works once, on any node)", res.StatusCode, e.Error)
	}
	bearer := map[string]string{"Authorization": "Bearer " + m.Token}
	var again me
	if res := api(t, c, "GET", b.base+"/api/me", nil, bearer, &again); res.StatusCode != 200 || again.User.Email != "ann@example.nhs.uk" {
		t.Fatalf("GET /api/me on node B with node A's session = %d %+v; want 200, Ann", res.StatusCode, again)
	}
	if res := api(t, c, "DELETE", b.base+"/api/session", nil, bearer, nil); res.StatusCode/100 != 2 {
		t.Fatalf("sign out on node B = %d; want success", res.StatusCode)
	}
	if res := api(t, c, "GET", a.base+"/api/me", nil, bearer, nil); res.StatusCode != 401 {
		t.Errorf("GET /api/me on node A after signing out on node B = %d; want 401", res.StatusCode)
	}
	if out, _, err := cli(t, "", "admin", "--database-url", url, "--secrets-key-file", key, "audit", "verify"); err != nil || !strings.Contains(out, "intact") {
		t.Errorf("audit verify after both nodes wrote = %q, %v; want intact", out, err)
	}
}
