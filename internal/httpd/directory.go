package httpd

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// handleDirectory answers a search of the organisation's people by name,
// email or role, for starting conversations.
func (s *Server) handleDirectory(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	q := r.URL.Query().Get("q")
	if len(q) > 100 {
		return fault.Invalidf("Search for a name, email, role or team of up to 100 characters.")
	}
	us, err := s.identity.Directory(r.Context(), p, q)
	if err != nil {
		return err
	}
	out := []userJSON{}
	for _, u := range us {
		out = append(out, userOut(u, nil))
	}
	return reply(w, http.StatusOK, map[string]any{"people": out})
}

// pidKinds are the kinds of patient-identifiable data the composer warns
// about (internal/pid), the only labels the override counter takes.
var pidKinds = []string{"NHS number", "date of birth", "postcode", "phone number"}

// handlePIDOverride counts a message sent after a patient-data warning:
// the kinds found, never the text.
func (s *Server) handlePIDOverride(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	var in struct {
		Kinds []string `json:"kinds"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if len(in.Kinds) == 0 || len(in.Kinds) > len(pidKinds) {
		return fault.Invalidf("Say which kinds of patient data the message held.")
	}
	for _, k := range in.Kinds {
		if !slices.Contains(pidKinds, k) {
			return fault.Invalidf("Give kinds of patient data as the warning named them.")
		}
	}
	slices.Sort(in.Kinds)
	in.Kinds = slices.Compact(in.Kinds)
	m, err := s.msg()
	if err != nil {
		return err
	}
	if err := m.RecordPIDOverride(r.Context(), p, in.Kinds); err != nil {
		return err
	}
	for _, k := range in.Kinds {
		s.metrics.pidOverrides.WithLabelValues(p.Org.ODS, k).Inc()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handlePIDReport(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	weeks := 8
	if v := r.URL.Query().Get("weeks"); v != "" {
		if weeks, err = strconv.Atoi(v); err != nil {
			return fault.Invalidf("Give weeks as a whole number from 1 to 53.")
		}
	}
	ws, err := m.PIDReport(r.Context(), p, weeks)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]any{"weeks": ws})
}
