package dpo

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// Run sends the 72-hour clock's reminders as they fall due, until ctx
// ends. Only servers run it, not console commands.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		s.Sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep sends, at the service's clock's time, every reminder that is due:
// a content-free push to the devices of the organisation's data
// protection officers, recorded in the entry's history and the audit
// chain. It reports how many it sent.
func (s *Service) Sweep(ctx context.Context) int {
	bs, err := s.store.ClockedBreaches(ctx)
	if err != nil {
		s.log.Warn("breach reminders", "err", err)
		return 0
	}
	now, sent := s.now(), 0
	for _, b := range bs {
		h := b.DueReminder(now)
		if h == 0 {
			continue
		}
		left := int(b.Deadline().Sub(now).Round(time.Hour) / time.Hour)
		e := Event{At: now, Actor: audit.ActorSystem, Action: "reminded",
			Note: fmt.Sprintf("%d-hour reminder sent to the data protection officer; %d hours left to report to the ICO.", h, left)}
		ev := audit.Event{At: now, OrgID: b.OrgID, Actor: audit.ActorSystem, Action: "breach.remind", Target: b.ID,
			Detail: map[string]string{"hours": fmt.Sprint(h)}}
		ok, err := s.store.BreachReminded(ctx, b.ID, b.RemindedH, h, e, ev)
		if err != nil {
			s.log.Warn("breach reminder", "breach", b.ID, "err", err)
			continue
		}
		if !ok {
			continue // another node sent it
		}
		sent++
		if s.push != nil {
			devs, err := s.dpoDevices(ctx, b.OrgID)
			if err != nil {
				s.log.Warn("breach reminder devices", "breach", b.ID, "err", err)
				continue
			}
			s.push(devs, PushReminder)
		}
	}
	return sent
}

// dpoDevices lists the active devices of an organisation's enabled data
// protection officers.
func (s *Service) dpoDevices(ctx context.Context, orgID string) ([]string, error) {
	us, err := s.ids.ListUsers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range us {
		if !u.Has(identity.RoleDPO) || u.Disabled() {
			continue
		}
		ds, err := s.ids.ListDevices(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if !d.Revoked() {
				out = append(out, d.ID)
			}
		}
	}
	return out, nil
}
