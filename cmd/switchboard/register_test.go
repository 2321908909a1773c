package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// registerSchema compiles the published register's JSON Schema.
func registerSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", "register.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("register.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("register.schema.json")
	if err != nil {
		t.Fatalf("compile the register schema: %v", err)
	}
	return s
}

// get fetches path as s and returns the status and body.
func (s *apiSession) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// published fetches /register.json, checks it against the schema and
// decodes it.
func published(t *testing.T, schema *jsonschema.Schema, s *apiSession) wire.SoftwareRegister {
	t.Helper()
	code, body := s.get(t, "/register.json")
	if code != http.StatusOK {
		t.Fatalf("GET /register.json = %d %s", code, body)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("/register.json does not meet docs/register.schema.json: %v\n%s", err, body)
	}
	var reg wire.SoftwareRegister
	if err := json.Unmarshal(body, &reg); err != nil {
		t.Fatal(err)
	}
	return reg
}

func answers(yes ...string) map[string]bool {
	m := map[string]bool{}
	for _, q := range dpo.Screening {
		m[q.ID] = false
	}
	for _, y := range yes {
		m[y] = true
	}
	return m
}

// TestSoftwareRegister: everyone signed in reads the register, Switchboard
// first as the server runs; the JSON meets its published schema; only
// the DPO changes it, bad input is refused with a sentence and nothing
// saved; the screening answers decide "full DPIA needed"; the change
// history, the CSV, an overdue review, and the audit of views and exports.
func TestSoftwareRegister(t *testing.T) {
	schema := registerSchema(t)
	w := newIncidentWorld(t)
	dee := addAccount(t, w.data, "dee@example.nhs.uk", "dpo")
	nat := addAccount(t, w.data, "nat@example.nhs.uk")
	w.start(t)
	clinician := signInAPI(t, w.srv, nat, "nat-laptop")
	reg := published(t, schema, clinician)
	if len(reg.Entries) != 1 || !reg.Entries[0].Builtin || reg.Entries[0].Version != 0 {
		t.Fatalf("a new register = %+v; want Switchboard's own entry alone, not yet reviewed", reg.Entries)
	}
	sb := reg.Entries[0]
	for _, c := range []struct{ field, got, want string }{
		{"name", sb.Name, "Switchboard " + version},
		{"hosting", sb.Hosting, w.base},
		{"hosting", sb.Hosting, "SQLite"},
		{"encryption", sb.Encryption, "MLS (RFC 9420)"},
		{"encryption", sb.Encryption, "not https"},
		{"sub-processors", sb.SubProcessors, "Web Push"},
		{"retention", sb.Retention, "15 minutes idle"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("Switchboard's %s = %q; want it to say %q", c.field, c.got, c.want)
		}
	}
	if code, _ := clinician.call(t, "POST", "/api/dpo/register", wire.RegisterInput{Name: "x"}, nil); code != http.StatusForbidden {
		t.Errorf("a clinician adds to the register: %d; want 403", code)
	}

	officer := signInAPI(t, w.srv, dee, "dee-laptop")
	today := w.clock.now().UTC()
	good := wire.RegisterInput{Name: "Rota Cloud", Supplier: "Rotas Ltd", Purpose: "Staff rotas and shift swaps",
		DataCategories: "Staff names, work phone numbers, shifts", LawfulBasis: "contract", Hosting: "UK (London), AWS eu-west-2",
		Encryption: "TLS 1.2+; AES-256 at rest", Retention: "Two years after leaving", SubProcessors: "Amazon Web Services",
		Status: "under-review", NextReview: today.AddDate(0, 6, 0).Format(time.DateOnly), Screening: answers("sensitive-data", "vulnerable-people")}
	for _, c := range []struct {
		name string
		edit func(*wire.RegisterInput)
		want string
	}{
		{"review in the past", func(in *wire.RegisterInput) { in.NextReview = today.AddDate(0, 0, -1).Format(time.DateOnly) }, "The next review date cannot be in the past."},
		{"no lawful basis", func(in *wire.RegisterInput) { in.LawfulBasis = "" }, "Choose the lawful basis for processing (UK GDPR Article 6)."},
		{"unknown lawful basis", func(in *wire.RegisterInput) { in.LawfulBasis = "because" }, "The lawful basis must be one of"},
		{"screening half answered", func(in *wire.RegisterInput) { in.Screening = map[string]bool{"children": false} }, "Answer every DPIA screening question."},
		{"approved by nobody", func(in *wire.RegisterInput) { in.Status = "approved" }, "An approved entry needs who approved it and when."},
		{"no supplier", func(in *wire.RegisterInput) { in.Supplier = " " }, "Give the supplier."},
	} {
		in := good
		c.edit(&in)
		if code, msg := officer.call(t, "POST", "/api/dpo/register", in, nil); code != http.StatusBadRequest || !strings.HasPrefix(msg, c.want) {
			t.Errorf("%s: %d %q; want 400 %q", c.name, code, msg, c.want)
		}
	}
	if n := count(t, w.data, "register_entries"); n != 0 {
		t.Fatalf("%d entries saved after bad input; want none", n)
	}
	var added struct {
		ID             string `json:"id"`
		FullDPIANeeded bool   `json:"full_dpia_needed"`
	}
	if code, msg := officer.call(t, "POST", "/api/dpo/register", good, &added); code != http.StatusCreated || !added.FullDPIANeeded {
		t.Fatalf("add = %d %q %+v; want it saved, two criteria calling for a full DPIA", code, msg, added)
	}
	review := wire.RegisterInput{Version: 0, LawfulBasis: "public-task", Status: "approved", Approver: "Dee Hart (DPO)",
		ApprovedOn: today.Format(time.DateOnly), NextReview: today.AddDate(1, 0, 0).Format(time.DateOnly), Screening: answers("sensitive-data")}
	if code, msg := officer.call(t, "PUT", "/api/dpo/register/"+sb.ID, review, nil); code != http.StatusOK {
		t.Fatalf("review Switchboard = %d %q", code, msg)
	}

	reg = published(t, schema, clinician)
	if len(reg.Entries) != 2 || reg.Entries[0].ID != sb.ID || reg.Entries[0].Status != "approved" || reg.Entries[0].FullDPIANeeded ||
		reg.Entries[1].Name != "Rota Cloud" || !reg.Entries[1].FullDPIANeeded || reg.Entries[1].UpdatedBy != "Test dee@example.nhs.uk" {
		t.Errorf("register after the DPO's changes = %+v", reg.Entries)
	}
	if len(reg.Changes) != 2 || !strings.Contains(reg.Changes[1].Note, "Added Rota Cloud") {
		t.Errorf("changes = %+v; want the two, newest first", reg.Changes)
	}
	code, body := clinician.get(t, "/register.csv")
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if code != http.StatusOK || err != nil || len(rows) != 3 || rows[0][0] != "name" || rows[2][0] != "Rota Cloud" || rows[2][14] != "yes" {
		t.Errorf("GET /register.csv = %d, %v:\n%s", code, err, body)
	}

	w.clock.advance(200 * 24 * time.Hour)
	clinician = signInAPI(t, w.srv, nat, "nat-phone")
	reg = published(t, schema, clinician)
	if reg.Entries[0].Overdue || !reg.Entries[1].Overdue {
		t.Errorf("200 days on: overdue %v, %v; want Rota Cloud's six-month review overdue, not Switchboard's yearly one",
			reg.Entries[0].Overdue, reg.Entries[1].Overdue)
	}
	officer = signInAPI(t, w.srv, dee, "dee-phone")
	var audit struct {
		Entries []struct {
			Action string            `json:"action"`
			Detail map[string]string `json:"detail"`
		} `json:"entries"`
	}
	officer.call(t, "GET", "/api/audit?limit=500", nil, &audit)
	seen := map[string]bool{}
	for _, e := range audit.Entries {
		seen[e.Action+"/"+e.Detail["format"]] = true
	}
	for _, want := range []string{"register.export/json", "register.export/csv", "register.put/"} {
		if !seen[want] {
			t.Errorf("audit log lacks %s: %v", want, seen)
		}
	}
}
