package httpd

import (
	"net/http"
	"slices"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/records"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// The records API (conversation kinds, retention, filing to the record,
// legal holds): docs/records.md is its contract.

var errNoRecords = fault.New(fault.NotFound, "Records rules are not enabled on this server.")

func (s *Server) rec() (*records.Service, error) {
	if s.cfg.Records == nil {
		return nil, errNoRecords
	}
	return s.cfg.Records, nil
}

func (s *Server) handleRecordsRules(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.rec()
	if err != nil {
		return err
	}
	out, err := rec.DeviceRules(r.Context(), p)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleFile(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.rec()
	if err != nil {
		return err
	}
	var in wire.NewFiling
	if err := decode(w, r, &in); err != nil {
		return err
	}
	f, err := rec.File(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, f)
}

func (s *Server) handleFiling(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.rec()
	if err != nil {
		return err
	}
	f, err := rec.Receipt(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, f)
}

func (s *Server) handleConfirmDeletion(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.rec()
	if err != nil {
		return err
	}
	if err := rec.Confirm(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]bool{"confirmed": true})
}

// recAs is rec for routes of some roles only: anyone else is refused
// first, whether or not records rules are on.
func (s *Server) recAs(p *identity.Principal, msg string, roles ...identity.Role) (*records.Service, error) {
	if !slices.ContainsFunc(roles, p.User.Has) {
		return nil, fault.New(fault.Forbidden, msg)
	}
	return s.rec()
}

const (
	onlyAdmin   = "Only an organisation admin can change how long messages are kept and conversations' kinds."
	onlyDPO     = "Only the data protection officer can place and release legal holds."
	onlyRecords = "Only an organisation admin or the data protection officer can see the records rules and holds."
)

func (s *Server) handleRetention(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.recAs(p, onlyRecords, identity.RoleAdmin, identity.RoleDPO)
	if err != nil {
		return err
	}
	out, err := rec.RetentionFor(r.Context(), p)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

// handleSetRetention sets one kind's retention ({kind, max_age: "30d" or
// "keep", reason}) or the filed grace period ({filed_grace: "24h"}).
func (s *Server) handleSetRetention(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.recAs(p, onlyAdmin, identity.RoleAdmin)
	if err != nil {
		return err
	}
	var in struct {
		Kind       string `json:"kind"`
		MaxAge     string `json:"max_age"`
		Reason     string `json:"reason"`
		FiledGrace string `json:"filed_grace"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	switch {
	case in.FiledGrace != "" && in.Kind == "":
		g, err := records.ParseGrace(in.FiledGrace)
		if err != nil {
			return err
		}
		err = rec.SetFiledGraceFor(r.Context(), p, g)
		if err != nil {
			return err
		}
	case in.Kind != "" && in.FiledGrace == "":
		age, keep, err := records.ParseAge(in.MaxAge)
		if err != nil {
			return err
		}
		if err := rec.SetRuleFor(r.Context(), p, in.Kind, age, keep, in.Reason); err != nil {
			return err
		}
	default:
		return fault.Invalidf("Send a kind with its max_age (and a reason to keep without a limit), or filed_grace.")
	}
	out, err := rec.RetentionFor(r.Context(), p)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleSetKind(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.recAs(p, onlyAdmin, identity.RoleAdmin)
	if err != nil {
		return err
	}
	var in struct {
		Kind string `json:"kind"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := rec.SetKind(r.Context(), p, r.PathValue("id"), in.Kind); err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]string{"kind": in.Kind})
}

func (s *Server) handleHolds(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.recAs(p, onlyRecords, identity.RoleAdmin, identity.RoleDPO)
	if err != nil {
		return err
	}
	hs, err := rec.HoldsFor(r.Context(), p)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]any{"holds": hs})
}

func (s *Server) handlePlaceHold(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.recAs(p, onlyDPO, identity.RoleDPO)
	if err != nil {
		return err
	}
	var in wire.NewHold
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := rec.PlaceHoldFor(r.Context(), p, records.HoldInput{Conversation: in.Conversation, Email: in.Email, From: in.From, To: in.To, Case: in.Case})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, map[string]string{"id": h.ID})
}

func (s *Server) handleReleaseHold(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	rec, err := s.recAs(p, onlyDPO, identity.RoleDPO)
	if err != nil {
		return err
	}
	if _, err := rec.ReleaseHoldFor(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]bool{"released": true})
}
