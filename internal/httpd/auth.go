package httpd

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

const sessionCookie = "sb_session"

var errCrossSite = fault.New(fault.Forbidden, "This request came from another site and was refused.")

// sameOrigin refuses state-changing requests that a browser says come from
// another site. Non-browser clients send neither header and carry bearer
// tokens, which a cross-site page cannot.
func (s *Server) sameOrigin(r *http.Request) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return nil
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errCrossSite
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errCrossSite
		}
	}
	return nil
}

// Route is one registered route.
type Route struct {
	Pattern string
	Authed  bool // needs a signed-in caller
}

// Routes lists every route in registration order: the API's, public or
// authed, and the others (health, metrics, the web client's pages).
func (s *Server) Routes() []Route { return s.routeList }

// public registers a handler that needs no session but must not be driven
// cross-site.
func (s *Server) public(pattern string, h handler) {
	s.routeList = append(s.routeList, Route{Pattern: pattern})
	s.register(pattern, func(w http.ResponseWriter, r *http.Request) error {
		if err := s.sameOrigin(r); err != nil {
			return err
		}
		return h(w, r)
	})
}

// authed registers a handler that needs a signed-in caller. Browsers carry
// the session in a cookie and must echo the CSRF token on every
// state-changing request; other clients send "Authorization: Bearer".
func (s *Server) authed(pattern string, h authedHandler) {
	s.routeList = append(s.routeList, Route{Pattern: pattern, Authed: true})
	s.register(pattern, func(w http.ResponseWriter, r *http.Request) error {
		if err := s.sameOrigin(r); err != nil {
			return err
		}
		bearer, fromCookie := "", false
		if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
			bearer = strings.TrimPrefix(a, "Bearer ")
		} else if c, err := r.Cookie(sessionCookie); err == nil {
			bearer, fromCookie = c.Value, true
		}
		p, err := s.identity.Authenticate(r.Context(), bearer)
		if err != nil {
			if fromCookie && fault.Is(err, fault.Unauthenticated) {
				s.clearCookie(w)
			}
			return err
		}
		if fromCookie && r.Method != http.MethodGet && r.Method != http.MethodHead {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.Session.CSRF)) != 1 {
				return fault.New(fault.Forbidden, "This request is missing its security token. Reload the page and try again.")
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		return h(w, r, p)
	})
}

func (s *Server) setCookie(w http.ResponseWriter, tok string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookie,
		SameSite: http.SameSiteStrictMode, MaxAge: int(identity.AbsoluteSessionLimit / time.Second),
	})
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookie,
		SameSite: http.SameSiteStrictMode, MaxAge: -1,
	})
}

// requireRole refuses a caller who holds none of the roles.
func requireRole(p *identity.Principal, roles ...identity.Role) error {
	for _, r := range roles {
		if p.User.Has(r) {
			return nil
		}
	}
	return fault.New(fault.Forbidden, "Your roles do not allow this.")
}
