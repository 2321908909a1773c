package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/dpo"
)

var pdfShow = regexp.MustCompile(`\(((?:[^()\\]|\\.)*)\)\s*Tj`)

// pdfText extracts the text a PDF shows (its Tj operators), line by line:
// enough for Switchboard's packs, whose content streams are uncompressed.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.40q", b)
	}
	var out strings.Builder
	for _, m := range pdfShow.FindAllSubmatch(b, -1) {
		s := string(m[1])
		s = strings.NewReplacer(`\\`, `\`, `\(`, `(`, `\)`, `)`).Replace(s)
		out.WriteString(s)
		out.WriteByte('\n')
	}
	return out.String()
}

var packSections = []string{dpo.PackAbout, dpo.PackFlows, dpo.PackSees, dpo.PackRetention, dpo.PackProcessors, dpo.PackControls,
	dpo.PackGuidance, dpo.PackScreening, dpo.PackHazards}

// checkPack checks that text holds every section, in order, and the
// shipped hazard log and guidance rows.
func checkPack(t *testing.T, what, text string) {
	t.Helper()
	at := 0
	for _, h := range packSections {
		i := strings.Index(text[at:], h)
		if i < 0 {
			t.Errorf("%s lacks the section %q after offset %d", what, h, at)
			continue
		}
		at += i
	}
	hazards, err := dpo.Hazards()
	if err != nil || len(hazards) < 5 {
		t.Fatalf("Hazards = %d, %v", len(hazards), err)
	}
	for _, want := range []string{hazards[0].ID, hazards[3].ID, "Existing controls", "Residual risk", "G13", "G16",
		"Content-free push", "App lock", "Idle time-out: 15 minutes", "The server cannot see"} {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q", what, want)
		}
	}
}

// TestDPIAPack: the pack from the console (PDF and HTML) and from the
// DPO's page, its text extracted and checked for every section, the
// running configuration in it; an admin may generate it, a clinician may
// not; each is in the audit chain.
func TestDPIAPack(t *testing.T) {
	w := newIncidentWorld(t)
	dee := addAccount(t, w.data, "dee@example.nhs.uk", "dpo")
	nat := addAccount(t, w.data, "nat@example.nhs.uk")
	dir := t.TempDir()
	file := filepath.Join(dir, "pack.pdf")
	out := w.mustAdmin(t, "dpia", "--org", "RXX", "--out", file)
	if !strings.Contains(out, "Wrote the DPIA pack") {
		t.Errorf("dpia printed %q", out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	checkPack(t, "the console's PDF", pdfText(t, b))
	w.mustAdmin(t, "dpia", "--org", "RXX", "--out", filepath.Join(dir, "pack.html"))
	html, _ := os.ReadFile(filepath.Join(dir, "pack.html"))
	checkPack(t, "the console's HTML", string(html))
	if _, err := w.admin(t, "dpia", "--org", "NOPE", "--out", file); err == nil {
		t.Error("dpia for an unknown organisation succeeded")
	}

	w.start(t)
	officer := signInAPI(t, w.srv, dee, "dee-laptop")
	code, body := officer.get(t, "/api/dpo/dpia.pdf")
	if code != http.StatusOK {
		t.Fatalf("GET /api/dpo/dpia.pdf = %d %s", code, body)
	}
	text := pdfText(t, body)
	checkPack(t, "the page's PDF", text)
	if !strings.Contains(text, strings.TrimPrefix(w.base, "http://")) {
		t.Errorf("the server's PDF does not name its own address %s:\n%s", w.base, text)
	}
	if code, body := officer.get(t, "/api/dpo/dpia"); code != http.StatusOK || !strings.Contains(string(body), "<h2>"+dpo.PackHazards+"</h2>") {
		t.Errorf("GET /api/dpo/dpia = %d", code)
	}
	if code, _ := signInAPI(t, w.srv, nat, "nat-laptop").get(t, "/api/dpo/dpia.pdf"); code != http.StatusForbidden {
		t.Errorf("a clinician's DPIA pack = %d; want 403", code)
	}
	var audit struct {
		Entries []struct {
			Action string            `json:"action"`
			Detail map[string]string `json:"detail"`
		} `json:"entries"`
	}
	officer.call(t, "GET", "/api/audit?action=dpia", nil, &audit)
	formats := map[string]int{}
	for _, e := range audit.Entries {
		formats[e.Detail["format"]]++
	}
	if formats["pdf"] != 2 || formats["html"] != 2 {
		t.Errorf("dpia.export entries by format = %v; want two PDF and two HTML", formats)
	}
}
