package consult

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// ActivityHeader is the header row of the weekly activity report (S97,
// G19). The report counts consultations; it has no column that could
// identify a patient.
var ActivityHeader = []string{
	"week_commencing", "organisation_ods", "booked", "held", "not_held", "upcoming",
	"ended_video", "ended_audio_only", "ended_telephone", "stepped_down_to_audio", "switched_to_telephone",
	"with_guests", "median_minutes", "total_minutes",
}

// Week parses an ISO week such as "2026-W47" and returns its Monday at
// midnight, UK time.
func (s *Service) Week(iso string) (time.Time, error) {
	var y, w int
	if _, err := fmt.Sscanf(iso, "%4d-W%2d", &y, &w); err != nil || len(iso) != 8 || w < 1 || w > 53 || y < 2000 || y > 2200 {
		return time.Time{}, fault.Invalidf("Give the week as year and ISO week number, such as 2026-W47.")
	}
	// 4 January is always in week 1.
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, s.loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(w-1)*7)
	if _, ww := monday.ISOWeek(); ww != w {
		return time.Time{}, fault.Invalidf("That year has no week " + strconv.Itoa(w) + ".")
	}
	return monday, nil
}

// ThisWeek is the ISO week of t, UK time, as "2026-W47".
func (s *Service) ThisWeek(t time.Time) string {
	y, w := t.In(s.loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// Activity returns the organisation's weekly activity report as CSV.
func (s *Service) Activity(ctx context.Context, orgID, ods, week string) ([]byte, error) {
	from, err := s.Week(week)
	if err != nil {
		return nil, err
	}
	to := from.AddDate(0, 0, 7)
	cs, err := s.store.ListConsultations(ctx, orgID, "", from, to)
	if err != nil {
		return nil, err
	}
	var booked, held, upcoming, video, audio, phone, steppedDown, switched, guests, total int
	var minutes []int
	now := s.now()
	for _, c := range cs {
		booked++
		if c.StartedAt.IsZero() {
			// A booking whose slot has not yet ended, and that nobody
			// cancelled, may still be held: it is not "not held" yet.
			if !c.Over() && c.StartsAt.Add(c.Slot).After(now) {
				upcoming++
			}
			continue
		}
		held++
		switch c.Mode {
		case ModeVideo:
			video++
		case ModeAudio:
			audio++
		case ModeTelephone:
			phone++
		}
		d, err := s.detail(ctx, c)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(d.Records, func(r Record) bool { return r.Kind == RecordMode && r.Detail["to"] == string(ModeAudio) }) {
			steppedDown++
		}
		if slices.ContainsFunc(d.Records, func(r Record) bool { return r.Kind == RecordMode && r.Detail["to"] == string(ModeTelephone) }) {
			switched++
		}
		if slices.ContainsFunc(d.Participants, func(p *Participant) bool { return p.Role != RolePatient && !p.AdmittedAt.IsZero() }) {
			guests++
		}
		if !c.EndedAt.IsZero() {
			m := int(c.EndedAt.Sub(c.StartedAt).Round(time.Minute) / time.Minute)
			minutes = append(minutes, m)
			total += m
		}
	}
	median := ""
	if len(minutes) > 0 {
		slices.Sort(minutes)
		median = strconv.Itoa(minutes[len(minutes)/2])
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(ActivityHeader)
	n := strconv.Itoa
	w.Write([]string{from.Format("2006-01-02"), ods, n(booked), n(held), n(booked - held - upcoming), n(upcoming),
		n(video), n(audio), n(phone), n(steppedDown), n(switched), n(guests), median, n(total)})
	w.Flush()
	return b.Bytes(), w.Error()
}
