package httpd

import (
	"net/http"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// The data protection officer's API: docs/dpo.md is its contract.

var errNoDPO = fault.New(fault.NotFound, "The data protection console is not enabled on this server.")

func (s *Server) dpo() (*dpo.Service, error) {
	if s.cfg.DPO == nil {
		return nil, errNoDPO
	}
	return s.cfg.DPO, nil
}

// names maps the people and devices of the caller's organisation to names,
// for the log's "opened by" and history; the caller reads the log, so may
// read these.
func (s *Server) dpoNames(r *http.Request, p *identity.Principal) map[string]string {
	names, err := s.identity.AuditNames(r.Context(), p)
	if err != nil {
		names = map[string]string{}
	}
	names[audit.ActorCLI] = "the server console"
	names[audit.ActorSystem] = "the server"
	return names
}

func named(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "someone no longer here"
}

func breachOut(b *dpo.Breach, names map[string]string) wire.Breach {
	out := wire.Breach{ID: b.ID, Kind: b.Kind, Category: b.Category, Summary: b.Summary, Affected: b.Affected, Actions: b.Actions,
		Reportable: b.Reportable, AwareAt: stamp(b.AwareAt), OpenedAt: stamp(b.OpenedAt), OpenedBy: named(names, b.OpenedBy),
		ReportedAt: stamp(b.ReportedAt), ClosedAt: stamp(b.ClosedAt), Clocked: b.Clocked(), RemindedHours: b.RemindedH,
		Device: b.DeviceID, Version: b.Version}
	if b.Reportable {
		out.Deadline = stamp(b.Deadline())
	}
	return out
}

func (s *Server) handleBreaches(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.dpo()
	if err != nil {
		return err
	}
	bs, err := svc.Breaches(r.Context(), p)
	if err != nil {
		return err
	}
	names := s.dpoNames(r, p)
	out := wire.BreachLog{Breaches: []wire.Breach{}, Now: stamp(s.now()), Kinds: dpo.Kinds, Categories: dpo.Categories,
		CanChange: p.User.Has(identity.RoleDPO)}
	for _, b := range bs {
		out.Breaches = append(out.Breaches, breachOut(b, names))
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleAddBreach(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.dpo()
	if err != nil {
		return err
	}
	var in wire.NewBreach
	if err := decode(w, r, &in); err != nil {
		return err
	}
	aware, err := parseTime("the time you became aware of it", in.AwareAt)
	if err != nil {
		return err
	}
	b, err := svc.AddBreach(r.Context(), p, dpo.NewBreach{Kind: in.Kind, Category: in.Category, Summary: in.Summary,
		Affected: in.Affected, Actions: in.Actions, Reportable: in.Reportable, AwareAt: aware})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, breachOut(b, s.dpoNames(r, p)))
}

func (s *Server) handleBreach(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.dpo()
	if err != nil {
		return err
	}
	b, h, err := svc.Breach(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	names := s.dpoNames(r, p)
	out := breachOut(b, names)
	for _, e := range h {
		out.History = append(out.History, wire.BreachEvent{At: stamp(e.At), Actor: named(names, e.Actor), Action: e.Action, Note: e.Note})
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleChangeBreach(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.dpo()
	if err != nil {
		return err
	}
	var in wire.BreachChange
	if err := decode(w, r, &in); err != nil {
		return err
	}
	b, err := svc.UpdateBreach(r.Context(), p, r.PathValue("id"), dpo.Change{Version: in.Version, Summary: in.Summary,
		Affected: in.Affected, Actions: in.Actions, Reportable: in.Reportable, Reported: in.Reported, Close: in.Close, Reopen: in.Reopen})
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, breachOut(b, s.dpoNames(r, p)))
}

// handleLostDevice revokes a device reported lost or stolen (the
// caller's own, or, on the admin route, any of the organisation's) and
// opens a near-miss entry in the breach log.
func (s *Server) handleLostDevice(asAdmin bool) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
		if asAdmin {
			if err := requireRole(p, identity.RoleAdmin); err != nil {
				return err
			}
		}
		svc, err := s.dpo()
		if err != nil {
			return err
		}
		d, err := s.identity.LoseDevice(r.Context(), p, r.PathValue("id"), asAdmin)
		if err != nil {
			return err
		}
		b, err := svc.DeviceLost(r.Context(), p, d)
		if err != nil {
			return err
		}
		return reply(w, http.StatusOK, wire.LostDevice{Device: d.ID, Breach: b.ID})
	}
}
