package incident

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

func TestTallies(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	after := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	b := &BoardView{
		Incident: &Incident{Lists: []IncidentList{{ListID: "l1", Name: "ED consultants"}, {ListID: "l2", Name: "Theatres"}}},
		People: []*Alerted{
			{UserID: "a", Lists: []string{"l1"}, AlertedAt: t0, State: Available, AnsweredAt: after(30), Team: "ED"},
			{UserID: "b", Lists: []string{"l1", "l2"}, AlertedAt: t0, State: EnRoute, ETA: 20, AnsweredAt: after(10), Team: "ED"},
			{UserID: "c", Lists: []string{"l1"}, AlertedAt: t0, State: Unavailable, AnsweredAt: after(90)},
			{UserID: "d", Lists: []string{"l2"}, AlertedAt: t0},
			{UserID: "e", Lists: []string{"l2"}, AlertedAt: t0, StoodDownAt: after(100)},
		},
		Roles: map[string][]string{"b": {"Trauma team leader"}},
	}
	f := func(v float64) *float64 { return &v }
	want := []wire.Tally{
		{By: "list", Name: "ED consultants", Alerted: 3, Answered: 3, Available: 1, EnRoute: 1, Unavailable: 1, FirstAnswer: f(10), Median: f(30), P90: f(90)},
		{By: "list", Name: "Theatres", Alerted: 3, Answered: 1, EnRoute: 1, NoAnswer: 1, StoodDown: 1, FirstAnswer: f(10), Median: f(10), P90: f(10)},
		{By: "team", Name: "ED", Alerted: 2, Answered: 2, Available: 1, EnRoute: 1, FirstAnswer: f(10), Median: f(10), P90: f(30)},
		{By: "role", Name: "Trauma team leader", Alerted: 1, Answered: 1, EnRoute: 1, FirstAnswer: f(10), Median: f(10), P90: f(10)},
	}
	got := b.Tallies()
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(x, y wire.Tally) bool { return x.By+x.Name < y.By+y.Name })); diff != "" {
		t.Errorf("Tallies differ (-want +got):\n%s", diff)
	}
}

func TestHolding(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	h := func(hours int) time.Time { return t0.Add(time.Duration(hours) * time.Hour) }
	shifts := []*Shift{
		{ID: "day", Start: h(0), End: h(12), CreatedAt: h(-48)},
		{ID: "night", Start: h(12), End: h(24), CreatedAt: h(-48)},
		{ID: "handover", Start: h(5), End: h(12), CreatedAt: h(5)}, // handed over at 13:00 to someone else
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{{h(-1), ""}, {h(1), "day"}, {h(6), "handover"}, {h(12), "night"}, {h(24), ""}} {
		got := ""
		if s := holding(shifts, c.at); s != nil {
			got = s.ID
		}
		if got != c.want {
			t.Errorf("holding at %v = %q; want %q", c.at, got, c.want)
		}
	}
}
