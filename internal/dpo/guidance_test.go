package dpo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEGuidance: the README's table of the NHS guidance enforced is
// the one the DPIA pack prints, row for row.
func TestREADMEGuidance(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), GuidanceTable()) {
		t.Errorf("README.md lacks the guidance table of internal/dpo.Enforced; put this under \"NHS guidance enforced\":\n%s", GuidanceTable())
	}
}

func TestFullDPIANeeded(t *testing.T) {
	for _, c := range []struct {
		yes  []string
		want bool
	}{
		{nil, false},
		{[]string{"sensitive-data"}, false},
		{[]string{"sensitive-data", "vulnerable-people"}, true},
		{[]string{"physical-harm"}, true},
		{[]string{"nonsense", "sensitive-data"}, false},
	} {
		m := map[string]bool{}
		for _, y := range c.yes {
			m[y] = true
		}
		if got := FullDPIANeeded(m); got != c.want {
			t.Errorf("FullDPIANeeded(%v) = %v; want %v", c.yes, got, c.want)
		}
	}
}

func TestHazardsShipped(t *testing.T) {
	hs, err := Hazards()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, h := range hs {
		if h.ID == "" || h.Name == "" || h.ExistingControls == "" || h.InitialRating == "" || h.ResidualRating == "" || h.Owner == "" || seen[h.ID] {
			t.Errorf("hazard %+v lacks a DCB0129 column or repeats its ID", h)
		}
		seen[h.ID] = true
	}
}
