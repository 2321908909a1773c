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
