package main

import (
	"regexp"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/nats/natstest"
	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
)

// TestBenchIncident runs the load tool's major-incident mode with a few
// devices, on SQLite and on two nodes over PostgreSQL and NATS: it must
// report the time until every device had the alert and until the
// commander's board showed every answer.
func TestBenchIncident(t *testing.T) {
	t.Setenv("SWITCHBOARD_TEST_MAIN", "1") // the nodes the bench starts are this binary
	for _, tt := range []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", func(*testing.T) []string { return nil }},
		{"postgres and nats, two nodes", func(t *testing.T) []string {
			return []string{"--database-url", pgtest.Database(t), "--nats-url", natstest.URL(t), "--nodes", "2"}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"bench", "--incident", "--subscribers", "20", "--settle", "0s", "--timeout", "2m"}, tt.args(t)...)
			out, errOut, err := cli(t, "", args...)
			if err != nil {
				t.Fatalf("%v = %v\n%s\n%s", args, err, out, errOut)
			}
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`every device had the incident frame (\S+) after it was sent`),
				regexp.MustCompile(`board showed all 20 answered (\S+) after the first answer was sent`),
			} {
				m := want.FindStringSubmatch(out)
				if m == nil {
					t.Errorf("bench printed:\n%s\nwant a line matching %q", out, want)
					continue
				}
				if d, err := time.ParseDuration(m[1]); err != nil || d <= 0 {
					t.Errorf("bench reported %q; want a duration", m[0])
				}
			}
			if !regexp.MustCompile(`board tallies: Bench A \S+: 11 alerted, \d+ available, \d+ en route, 0 unavailable, 0 no answer; Bench B \S+: 10 alerted`).MatchString(out) {
				t.Errorf("bench printed:\n%s\nwant tallies of 11 and 10 alerted, every one answered", out)
			}
		})
	}
}

// TestBenchSoak runs the load tool's soak mode briefly with a few
// devices in three conversations on SQLite: it must print samples of the
// server's goroutines and memory, measure growth from the first sample
// after the warm-up, and pass with every message delivered.
func TestBenchSoak(t *testing.T) {
	t.Setenv("SWITCHBOARD_TEST_MAIN", "1") // the node the bench starts is this binary
	args := []string{"bench", "--soak", "--devices", "33", "--group", "10", "--duration", "3s", "--warmup", "1s",
		"--sample", "500ms", "--rate", "10", "--timeout", "2m"}
	out, errOut, err := cli(t, "", args...)
	if err != nil {
		t.Fatalf("%v = %v\n%s\n%s", args, err, out, errOut)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`33 devices in 3 conversations`),
		regexp.MustCompile(`(?m)^sample at \S+: [1-9]\d* goroutines, RSS \d+\.\d MiB`),
		regexp.MustCompile(`delivered 300 of 300 to subscribers`),
		regexp.MustCompile(`after the warm-up \(\d+ samples from 1(\.\d)?s\): goroutines \d+, at most \d+ \(\+\d+\.\d%, bound 5%\); RSS`),
		regexp.MustCompile(`soak passed`),
	} {
		if !want.MatchString(out) {
			t.Errorf("bench printed:\n%s\nwant a line matching %q", out, want)
		}
	}
}
