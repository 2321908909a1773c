package incident

import (
	"math"
	"slices"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// Tallies counts the board's answers by call-in list, by duty role held
// now and by team, with the time from alert to the first, the median and
// the 90th-percentile answer in each: the EPRR exercise report's figures.
func (b *BoardView) Tallies() []wire.Tally {
	type group struct {
		t     wire.Tally
		times []float64
	}
	var order []*group
	index := map[[2]string]*group{}
	get := func(by, name string) *group {
		k := [2]string{by, name}
		g := index[k]
		if g == nil {
			g = &group{t: wire.Tally{By: by, Name: name}}
			index[k] = g
			order = append(order, g)
		}
		return g
	}
	listName := map[string]string{}
	for _, l := range b.Incident.Lists {
		listName[l.ListID] = l.Name
		get("list", l.Name)
	}
	for _, a := range b.People {
		var gs []*group
		for _, l := range a.Lists {
			gs = append(gs, get("list", listName[l]))
		}
		for _, r := range b.Roles[a.UserID] {
			gs = append(gs, get("role", r))
		}
		if a.Team != "" {
			gs = append(gs, get("team", a.Team))
		}
		for _, g := range gs {
			g.t.Alerted++
			switch {
			case !a.StoodDownAt.IsZero():
				g.t.StoodDown++
			case a.State == Available:
				g.t.Available++
			case a.State == EnRoute:
				g.t.EnRoute++
			case a.State == Unavailable:
				g.t.Unavailable++
			default:
				g.t.NoAnswer++
			}
			if !a.AnsweredAt.IsZero() {
				g.t.Answered++
				g.times = append(g.times, a.AnsweredAt.Sub(a.AlertedAt).Seconds())
			}
		}
	}
	out := make([]wire.Tally, 0, len(order))
	for _, g := range order {
		if len(g.times) > 0 {
			slices.Sort(g.times)
			first, med, p90 := g.times[0], percentile(g.times, 50), percentile(g.times, 90)
			g.t.FirstAnswer, g.t.Median, g.t.P90 = &first, &med, &p90
		}
		out = append(out, g.t)
	}
	return out
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// Answers lists the board's lines that changed after b.After (all of
// them when it is 0), each with the list names and roles.
func (b *BoardView) Answers(person func(a *Alerted) wire.Person) []wire.Answer {
	listName := map[string]string{}
	for _, l := range b.Incident.Lists {
		listName[l.ListID] = l.Name
	}
	out := []wire.Answer{}
	for _, a := range b.People {
		if a.Version <= b.After {
			continue
		}
		w := wire.Answer{Person: person(a), Roles: b.Roles[a.UserID], State: string(a.State), ETA: a.ETA,
			AlertedAt: stamp(a.AlertedAt), AnsweredAt: stamp(a.AnsweredAt), StoodDownAt: stamp(a.StoodDownAt)}
		for _, l := range a.Lists {
			w.Lists = append(w.Lists, listName[l])
		}
		out = append(out, w)
	}
	return out
}

// stamp formats a time for the wire: RFC 3339, empty when not set.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
