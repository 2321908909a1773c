package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBrowserDPO drives the data protection officer's console in headless
// Chromium (dpo.test.mjs), with axe-core on every screen: a clinician
// reports a phone lost from their laptop (the phone is signed out at
// once) and is refused the console; the DPO finds the near-miss entry,
// is refused a summary holding an NHS number, records a reportable
// breach whose 72-hour clock runs, sees the 24-hour reminder once the
// server's clock passes it, records that the ICO was told and closes the
// entry; an admin reads the log without the form.
func TestBrowserDPO(t *testing.T) {
	dir := needBrowser(t)
	data := t.TempDir()
	srv := startServer(t, data)
	if _, stderr, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatalf("org add: %v\n%s", err, stderr)
	}
	users := []webUser{
		addWebUser(t, data, "RXX", "dee.hart@example.nhs.uk", "Dee Hart", "Information governance", "dpo"),
		addWebUser(t, data, "RXX", "nat.cole@example.nhs.uk", "Nat Cole", "Ward 7", "clinician"),
		addWebUser(t, data, "RXX", "ann.lee@example.nhs.uk", "Dr Ann Lee", "", "clinician", "admin"),
	}
	b, err := json.Marshal(users)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWITCHBOARD_USERS", string(b))
	runNode(t, dir, srv, "e2e/dpo.test.mjs")
	if strings.Contains(srv.logs.String(), "Ward round list") {
		t.Error("the server logs hold a breach summary")
	}
}
