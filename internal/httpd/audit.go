package httpd

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// The audit viewer: filters, verifying the chain on demand and exports of
// a range with the proof to re-check it offline (docs/dpo.md).

var actionPattern = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)

// auditFilter reads the viewer's filters: actor (an email address of the
// organisation, "system" or "cli"), action (or its family, such as
// "breach"), target (an ID), from and to (dates, YYYY-MM-DD, to
// inclusive, or RFC 3339 times).
func (s *Server) auditFilter(r *http.Request, p *identity.Principal) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{Action: strings.ToLower(strings.TrimSpace(q.Get("action"))), Target: strings.TrimSpace(q.Get("target"))}
	if f.Action != "" && !actionPattern.MatchString(f.Action) {
		return f, fault.Invalidf("An action is written like breach.open, or breach for all of them.")
	}
	switch who := strings.ToLower(strings.TrimSpace(q.Get("actor"))); {
	case who == "", who == audit.ActorSystem, who == audit.ActorCLI:
		f.Actor = who
	case strings.Contains(who, "@"):
		us, err := s.identity.Directory(r.Context(), p, who)
		if err != nil {
			return f, err
		}
		for _, u := range us {
			if u.Email == who {
				f.Actor = u.ID
			}
		}
		if f.Actor == "" {
			return f, fault.Invalidf("There is nobody with that email address in your organisation.")
		}
	default:
		return f, fault.Invalidf("Give the person by their email address, or system or cli.")
	}
	var err error
	if f.From, err = auditTime("from", q.Get("from"), false); err != nil {
		return f, err
	}
	if f.To, err = auditTime("to", q.Get("to"), true); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, fault.Invalidf("The start of the range must be before its end.")
	}
	return f, nil
}

// auditTime reads a date (a whole day: its start, or for an end the next
// day's start) or an RFC 3339 time.
func auditTime(field, v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fault.Invalidf("Give " + field + " as a date such as 2026-12-04.")
	}
	return t, nil
}

func (s *Server) handleAuditVerify(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	if err := requireRole(p, identity.RoleAdmin, identity.RoleDPO); err != nil {
		return err
	}
	svc, err := s.dpo()
	if err != nil {
		return err
	}
	c, err := svc.VerifyChain(r.Context(), p)
	if err != nil {
		return err
	}
	out := map[string]any{"verified": c.Err == nil, "entries": c.Entries, "head_seq": c.HeadSeq, "head_hash": hex.EncodeToString(c.HeadHash)}
	if c.Err != nil {
		out["verify_error"] = c.Err.Error()
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleAuditExport(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	if err := requireRole(p, identity.RoleAdmin, identity.RoleDPO); err != nil {
		return err
	}
	svc, err := s.dpo()
	if err != nil {
		return err
	}
	f, err := s.auditFilter(r, p)
	if err != nil {
		return err
	}
	x, err := svc.ExportAudit(r.Context(), p, f)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("audit-%s-%s-to-%s.json", strings.ToLower(p.Org.ODS), x.From.Format("20060102"), x.To.Format("20060102"))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return reply(w, http.StatusOK, x)
}
