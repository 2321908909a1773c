package messaging

import (
	"context"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// ukTime is the calendar the counts are kept in.
var ukTime = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

// RecordPIDOverride counts a message the caller sent after a patient-data
// warning, once per kind of data it held, for the organisation's figures.
// Only the counts are kept: not who, not which conversation, not what.
func (s *Service) RecordPIDOverride(ctx context.Context, p *identity.Principal, kinds []string) error {
	return s.store.AddPIDOverrides(ctx, p.Org.ID, s.now().In(ukTime).Format(time.DateOnly), kinds)
}

// PIDWeek is one week of the organisation's patient-data warning figures.
type PIDWeek struct {
	Commencing string           `json:"week_commencing"` // the Monday, YYYY-MM-DD
	Counts     map[string]int64 `json:"counts"`          // kind of data → messages sent anyway
}

// PIDReport returns the last weeks (this one included, newest first) of
// messages sent after a patient-data warning in the caller's
// organisation, for its admins and data protection officer.
func (s *Service) PIDReport(ctx context.Context, p *identity.Principal, weeks int) ([]PIDWeek, error) {
	if !p.User.Has(identity.RoleAdmin) && !p.User.Has(identity.RoleDPO) {
		return nil, fault.New(fault.Forbidden, "Only an administrator or the data protection officer can see these figures.")
	}
	if weeks < 1 || weeks > 53 {
		return nil, fault.Invalidf("Ask for 1 to 53 weeks.")
	}
	today := s.now().In(ukTime)
	monday := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, ukTime)
	monday = monday.AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	first := monday.AddDate(0, 0, -7*(weeks-1))
	rows, err := s.store.PIDOverrides(ctx, p.Org.ID, first.Format(time.DateOnly), today.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	out := make([]PIDWeek, weeks)
	for i := range out {
		out[i] = PIDWeek{Commencing: monday.AddDate(0, 0, -7*i).Format(time.DateOnly), Counts: map[string]int64{}}
	}
	for _, r := range rows {
		d, err := time.ParseInLocation(time.DateOnly, r.Day, ukTime)
		if err != nil {
			continue
		}
		i := int(monday.Sub(d.AddDate(0, 0, -((int(d.Weekday())+6)%7))).Hours()+12) / (7 * 24)
		if i >= 0 && i < weeks {
			out[i].Counts[r.Kind] += r.Count
		}
	}
	return out, nil
}
