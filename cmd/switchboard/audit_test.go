package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type auditPage struct {
	Entries []struct {
		Seq    int64  `json:"seq"`
		Actor  string `json:"actor"`
		Action string `json:"action"`
		Target string `json:"target"`
	} `json:"entries"`
}

// TestAuditViewer: the audit log filtered by actor, action, target and
// time; the chain verified on demand; a range exported as JSON with its
// proof (another organisation's entries in it as hashes only), re-checked
// offline by `admin audit verify --file`, which names an altered entry;
// clinicians refused all of it.
func TestAuditViewer(t *testing.T) {
	w := newIncidentWorld(t)
	dee := addAccount(t, w.data, "dee@example.nhs.uk", "dpo")
	nat := addAccount(t, w.data, "nat@example.nhs.uk")
	w.mustAdmin(t, "breach", "add", "--org", "RXX", "--category", "other", "--summary", "Printer left a list out")
	// Another organisation's entries fall inside RXX's range.
	w.mustAdmin(t, "org", "add", "--ods", "RYY", "--name", "Riverside Community Health")
	w.mustAdmin(t, "breach", "add", "--org", "RYY", "--category", "other", "--summary", "Riverside's own")
	w.start(t)
	officer := signInAPI(t, w.srv, dee, "dee-laptop")
	var log struct {
		Breaches []struct{ ID string } `json:"breaches"`
	}
	officer.call(t, "GET", "/api/dpo/breaches", nil, &log)
	clinician := signInAPI(t, w.srv, nat, "nat-laptop")

	list := func(query string) auditPage {
		t.Helper()
		var p auditPage
		if code, msg := officer.call(t, "GET", "/api/audit?"+query, nil, &p); code != http.StatusOK {
			t.Fatalf("GET /api/audit?%s = %d %q", query, code, msg)
		}
		return p
	}
	for _, c := range []struct {
		query string
		ok    func(actor, action, target string) bool
	}{
		{"action=breach", func(_, a, _ string) bool { return strings.HasPrefix(a, "breach.") }},
		{"action=signin.ok", func(_, a, _ string) bool { return a == "signin.ok" }},
		{"actor=cli", func(who, _, _ string) bool { return who == "cli" }},
		{"target=" + log.Breaches[0].ID, func(_, _, tg string) bool { return tg == log.Breaches[0].ID }},
		{"actor=dee@example.nhs.uk&action=breach", func(who, a, _ string) bool { return who != "cli" && strings.HasPrefix(a, "breach.") }},
	} {
		p := list(c.query)
		if len(p.Entries) == 0 {
			t.Errorf("?%s lists nothing", c.query)
		}
		for _, e := range p.Entries {
			if !c.ok(e.Actor, e.Action, e.Target) {
				t.Errorf("?%s lists %+v", c.query, e)
			}
		}
	}
	if p := list("from=2000-01-01&to=2000-01-02"); len(p.Entries) != 0 {
		t.Errorf("a range in 2000 lists %d entries; want none", len(p.Entries))
	}
	for _, bad := range []string{"actor=nobody@example.nhs.uk", "action=DROP%20TABLE", "from=yesterday", "from=2026-12-05&to=2026-12-04"} {
		if code, msg := officer.call(t, "GET", "/api/audit?"+bad, nil, nil); code != http.StatusBadRequest || msg == "" {
			t.Errorf("GET /api/audit?%s = %d %q; want 400 with a sentence", bad, code, msg)
		}
	}

	var check struct {
		Verified bool  `json:"verified"`
		Entries  int64 `json:"entries"`
		HeadSeq  int64 `json:"head_seq"`
	}
	if code, _ := officer.call(t, "POST", "/api/audit/verify", nil, &check); code != http.StatusOK || !check.Verified || check.Entries < 10 || check.HeadSeq != check.Entries {
		t.Errorf("verify = %d %+v; want the whole chain intact", code, check)
	}
	for _, path := range []string{"/api/audit/export", "/api/audit?action=breach"} {
		if code, _ := clinician.call(t, "GET", path, nil, nil); code != http.StatusForbidden {
			t.Errorf("a clinician's GET %s = %d; want 403", path, code)
		}
	}
	if code, _ := clinician.call(t, "POST", "/api/audit/verify", nil, nil); code != http.StatusForbidden {
		t.Errorf("a clinician's verify = %d; want 403", code)
	}

	code, body := officer.get(t, "/api/audit/export")
	if code != http.StatusOK {
		t.Fatalf("export = %d %s", code, body)
	}
	var x struct {
		Verified bool `json:"verified"`
		Chain    []struct {
			Link   bool   `json:"link"`
			OrgID  string `json:"org_id"`
			Action string `json:"action"`
		} `json:"chain"`
	}
	if err := json.Unmarshal(body, &x); err != nil || !x.Verified {
		t.Fatalf("export = %v %s", err, body)
	}
	links := 0
	for _, it := range x.Chain {
		if it.Link {
			links++
		}
		if !it.Link && it.OrgID == "" {
			t.Errorf("a full entry without its organisation: %+v", it)
		}
	}
	if links == 0 || bytes.Contains(body, []byte("Riverside")) {
		t.Errorf("export has %d links and Riverside's text %v; want the other organisation's entries as hashes only", links, bytes.Contains(body, []byte("Riverside")))
	}
	file := filepath.Join(t.TempDir(), "audit.json")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := cli(t, "", "admin", "audit", "verify", "--file", file)
	if err != nil || !strings.Contains(out, "The audit export is intact") {
		t.Fatalf("audit verify --file = %q %q %v", out, stderr, err)
	}
	altered := bytes.Replace(body, []byte(`"action":"breach.open"`), []byte(`"action":"breach.closed"`), 1)
	if bytes.Equal(altered, body) {
		t.Fatal("the export holds no breach.open to alter")
	}
	if err := os.WriteFile(file, altered, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "admin", "audit", "verify", "--file", file); err == nil || !strings.Contains(err.Error(), "its contents were altered") {
		t.Errorf("audit verify --file of an altered export = %v; want it to name the altered entry", err)
	}
	if _, err := os.Stat(filepath.Join(".", "switchboard-data")); err == nil {
		t.Error("audit verify --file made a data directory")
	}
}
