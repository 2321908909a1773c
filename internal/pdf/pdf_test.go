package pdf

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/dpo"
)

func TestRender(t *testing.T) {
	p := &dpo.Pack{Title: "DPIA pack: Switchboard 0.1.0", Org: "Example Trust (RXX)", Generated: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC),
		Sections: []dpo.Section{
			{Heading: "1. About this pack", Paragraphs: []string{"Data flows → the server (ciphertext only)."}, Bullets: []string{"Idle time-out"}},
			{Heading: "2. Table", Table: &dpo.Table{Columns: []string{"ID", "Hazard"}, Rows: [][]string{{"H1", "Urgent message not seen"}}}},
		}}
	var b bytes.Buffer
	if err := Render(&b, p); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "%PDF-") {
		t.Fatalf("Render wrote %.20q; want a PDF", out)
	}
	// Uncompressed, so the text is there to find; the arrow the core fonts
	// lack is written as ->, and parentheses are escaped.
	for _, want := range []string{"(1. About this pack)Tj", `Data flows -> the server \(ciphertext only\).`, "Hazard: Urgent message not seen", "(H1)Tj"} {
		if !strings.Contains(out, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
}
