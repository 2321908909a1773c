package httpd

import (
	"net/http"

	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// adminUserJSON is a person as their organisation's admins see them.
type adminUserJSON struct {
	userJSON
	Enrolled    bool     `json:"enrolled"`
	Disabled    bool     `json:"disabled"`
	LockedUntil jsonTime `json:"locked_until"` // null unless locked now
}

func (s *Server) adminUserOut(u *identity.User) adminUserJSON {
	out := adminUserJSON{userJSON: userOut(u, nil), Enrolled: u.Enrolled(), Disabled: u.Disabled()}
	if u.Locked(s.now()) {
		out.LockedUntil = jsonTime(u.LockedUntil)
	}
	return out
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	us, err := s.identity.ListUsers(r.Context(), p)
	if err != nil {
		return err
	}
	out := []adminUserJSON{}
	for _, u := range us {
		out = append(out, s.adminUserOut(u))
	}
	return reply(w, http.StatusOK, map[string]any{"users": out})
}

func (s *Server) handleSetRoles(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	var in struct {
		Roles []string `json:"roles"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.identity.SetRoles(r.Context(), p, r.PathValue("id"), in.Roles)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.adminUserOut(u))
}

func (s *Server) handleDisableUser(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	u, err := s.identity.DisableUser(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.adminUserOut(u))
}

func (s *Server) handleEnableUser(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	u, err := s.identity.EnableUser(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.adminUserOut(u))
}

func (s *Server) handleUnlockUser(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	u, err := s.identity.UnlockUser(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.adminUserOut(u))
}
