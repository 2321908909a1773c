package records

import (
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// TestHolding: a hold on the conversation or on one of its people keeps
// all of it, a period hold keeps its period, a filing is held when a held
// period overlaps the filed messages, and holds elsewhere change nothing.
func TestHolding(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	c := &messaging.Conversation{ID: "c1", People: []string{"u1"}, Members: []messaging.Member{{Device: "d2", User: "u2"}}}
	for _, tc := range []struct {
		name  string
		holds []*Hold
		whole bool
		spans int
	}{
		{"none", nil, false, 0},
		{"the conversation", []*Hold{{Conversation: "c1"}}, true, 0},
		{"another conversation", []*Hold{{Conversation: "c2"}}, false, 0},
		{"one of its people", []*Hold{{UserID: "u1"}}, true, 0},
		{"a member's user", []*Hold{{UserID: "u2"}}, true, 0},
		{"someone else", []*Hold{{UserID: "u9"}}, false, 0},
		{"a period", []*Hold{{From: day(1), To: day(3)}}, false, 1},
	} {
		whole, spans := holding(tc.holds, c)
		if whole != tc.whole || len(spans) != tc.spans {
			t.Errorf("%s: holding = %v, %v; want %v and %d periods", tc.name, whole, spans, tc.whole, tc.spans)
		}
	}
	period := []*Hold{{From: day(2), To: day(4)}}
	for _, tc := range []struct {
		first, last time.Time
		held        bool
	}{
		{day(1), day(1).Add(time.Hour), false},
		{day(1), day(2), true},
		{day(3), day(3), true},
		{day(4), day(5), false},
	} {
		f := &Filing{FirstSent: tc.first, LastSent: tc.last}
		if got := filingHeld(period, c, f); got != tc.held {
			t.Errorf("filing sent %v–%v under a hold of 2–4 Dec: held %v; want %v", tc.first, tc.last, got, tc.held)
		}
	}
}

// TestParseAge: retention periods as admins type them.
func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, " 90D ": 90 * 24 * time.Hour} {
		if got, keep, err := ParseAge(in); err != nil || keep || got != want {
			t.Errorf("ParseAge(%q) = %v, %v, %v; want %v", in, got, keep, err, want)
		}
	}
	if _, keep, err := ParseAge("keep"); err != nil || !keep {
		t.Errorf("ParseAge(keep) = %v, %v", keep, err)
	}
	for _, bad := range []string{"-1d", "0d", "10m", "", "forever", "99999999d", "1e9h"} {
		if _, _, err := ParseAge(bad); err == nil {
			t.Errorf("ParseAge(%q) accepted", bad)
		}
	}
	for in, want := range map[string]time.Duration{"0s": 0, "24h": 24 * time.Hour, "2d": 48 * time.Hour} {
		if got, err := ParseGrace(in); err != nil || got != want {
			t.Errorf("ParseGrace(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-1h", "31d", "abc", ""} {
		if _, err := ParseGrace(bad); err == nil {
			t.Errorf("ParseGrace(%q) accepted", bad)
		}
	}
}
