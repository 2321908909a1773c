package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// webUser is an account the messaging browser test signs in as.
type webUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Secret   string `json:"secret"`
}

// addWebUser adds a person of the given team (if any) with `switchboard
// admin user add` and returns their password and authenticator secret.
func addWebUser(t *testing.T, data, ods, email, name, team string, roles ...string) webUser {
	t.Helper()
	const password = "harbour lantern meadow quiet"
	args := []string{"admin", "--data", data, "user", "add", "--org", ods, "--email", email, "--name", name, "--team", team,
		"--password-stdin", "--json"}
	for _, r := range roles {
		args = append(args, "--role", r)
	}
	out, stderr, err := cli(t, password+"\n", args...)
	if err != nil {
		t.Fatalf("user add %s: %v\n%s", email, err, stderr)
	}
	var added struct {
		URI string `json:"totp_uri"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatalf("user add printed %q: %v", out, err)
	}
	u, err := url.Parse(added.URI)
	if err != nil {
		t.Fatal(err)
	}
	return webUser{Email: email, Name: name, Password: password, Secret: u.Query().Get("secret")}
}

// TestBrowserMessaging drives the clinician web app in headless Chromium
// with three people: the WebAssembly client core unlocked by PIN, a group
// made from the directory, live messages, an encrypted attachment, the
// patient-data warning, safety codes, the app lock at the idle limit,
// content-free Web Push caught at a local endpoint, sign-out erasing
// IndexedDB, and axe-core on every page. It reports sizes and timings.
// A second organisation's two people then meet what a new user meets
// every day (everyday.test.mjs): long conversations, the sign-in page,
// sign-out and policy changes; run it alone with -run
// 'TestBrowserMessaging/everyday'. A third organisation's two people set
// up a duty role, its rota and a call-in list, run a major incident
// exercise on the roll-call board and bleep urgently, escalating to a
// third (incident.test.mjs; -run 'TestBrowserMessaging/incident'). A
// fourth's admin and DPO set retention, file a message to the record and
// place a legal hold (records.test.mjs; -run 'TestBrowserMessaging/records').
func TestBrowserMessaging(t *testing.T) {
	dir := needBrowser(t)
	data := t.TempDir()
	srv := startServer(t, data, "--send-rate", "0", "--push-http-loopback")
	if _, stderr, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatalf("org add: %v\n%s", err, stderr)
	}
	if _, stderr, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RYY", "--name", "Riverside Community Health"); err != nil {
		t.Fatalf("org add: %v\n%s", err, stderr)
	}
	if _, stderr, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RZZ", "--name", "Hillside Acute Hospital"); err != nil {
		t.Fatalf("org add: %v\n%s", err, stderr)
	}
	if _, stderr, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RWW", "--name", "Westfield Mental Health"); err != nil {
		t.Fatalf("org add: %v\n%s", err, stderr)
	}
	users := []webUser{
		addWebUser(t, data, "RXX", "ann.lee@example.nhs.uk", "Dr Ann Lee", "", "clinician", "admin"),
		addWebUser(t, data, "RXX", "bob.khan@example.nhs.uk", "Bob Khan", "Ward 7", "clinician"),
		addWebUser(t, data, "RXX", "cat.jones@example.nhs.uk", "Cat Jones", "", "clinician", "dpo"),
		addWebUser(t, data, "RYY", "dan.reed@example.nhs.uk", "Dan Reed", "", "clinician", "admin"),
		addWebUser(t, data, "RYY", "eve.shaw@example.nhs.uk", "Eve Shaw", "District nurses", "clinician"),
		addWebUser(t, data, "RZZ", "fay.ward@example.nhs.uk", "Dr Fay Ward", "Emergency department", "clinician", "admin"),
		addWebUser(t, data, "RZZ", "gus.hill@example.nhs.uk", "Dr Gus Hill", "Theatres", "clinician"),
		addWebUser(t, data, "RZZ", "hal.rees@example.nhs.uk", "Dr Hal Rees", "Anaesthetics", "clinician"),
		addWebUser(t, data, "RWW", "ida.moss@example.nhs.uk", "Dr Ida Moss", "", "clinician", "admin", "dpo"),
		addWebUser(t, data, "RWW", "jon.park@example.nhs.uk", "Jon Park", "Crisis team", "clinician"),
	}
	b, err := json.Marshal(users)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWITCHBOARD_USERS", string(b))
	t.Run("messaging", func(t *testing.T) { runNode(t, dir, srv, "e2e/messaging.test.mjs") })
	t.Run("everyday", func(t *testing.T) { runNode(t, dir, srv, "e2e/everyday.test.mjs") })
	t.Run("incident", func(t *testing.T) { runNode(t, dir, srv, "e2e/incident.test.mjs") })
	t.Run("records", func(t *testing.T) { runNode(t, dir, srv, "e2e/records.test.mjs") })
	for _, secret := range []string{"bed 4 needs review", "943 476 5919", "Secret plan", "Car park B", "Theatre 3 needs", "Bed 9 obs stable"} {
		if strings.Contains(srv.logs.String(), secret) {
			t.Errorf("server logs hold %q", secret)
		}
	}
}
