package httpd

import (
	"net/http"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/token"
)

// The patient's and guests' side of a consultation: no account, only the
// invite link and, once they have entered, a cookie holding the claim that
// binds the link to their browser.

// joinCookie names the claim cookie of one link, so that a browser can
// hold the claims of several links (a carer joining two appointments).
func joinCookie(tok string) string { return "sb_join_" + token.Hash(tok)[:16] }

func claimOf(r *http.Request, tok string) string {
	if c, err := r.Cookie(joinCookie(tok)); err == nil {
		return c.Value
	}
	return ""
}

// handleJoinPage serves the web client for /join/TOKEN with a status that
// says whether the link works: 200, or the 4xx of the link's problem, so
// that even a client without script learns it is not a working page.
func (s *Server) handleJoinPage(w http.ResponseWriter, r *http.Request) error {
	code := http.StatusOK
	if s.cfg.Consult == nil {
		code = http.StatusNotFound
	} else if _, err := s.cfg.Consult.Open(r.Context(), r.PathValue("token"), claimOf(r, r.PathValue("token"))); err != nil {
		if code = status(err); code >= 500 {
			return err
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.serveIndex(w, code)
}

type joinJSON struct {
	Practice    string               `json:"practice"`
	StartsAt    jsonTime             `json:"starts_at"`
	When        string               `json:"when"`
	SlotMinutes int                  `json:"slot_minutes"`
	Role        string               `json:"role"`
	Entered     bool                 `json:"entered"`
	State       string               `json:"state"`
	Consent     map[string]string    `json:"consent"`
	ICEServers  []consult.ICEServer  `json:"ice_servers"`
	Check       *consult.DeviceCheck `json:"check"`
	Mode        string               `json:"mode"`
}

func (s *Server) joinOut(j *consult.Joining) joinJSON {
	c, p := j.Consultation, j.Participant
	return joinJSON{
		Practice: c.Practice, StartsAt: jsonTime(c.StartsAt), When: s.cfg.Consult.When(c.StartsAt), SlotMinutes: int(c.Slot / time.Minute),
		Role: string(p.Role), Entered: j.Entered, State: string(p.State), Check: p.Check, Mode: string(c.Mode),
		Consent:    map[string]string{"version": consult.ConsentVersion, "text": consult.Statements[consult.ConsentVersion]},
		ICEServers: s.ice(p.ID),
	}
}

func (s *Server) handleJoinInfo(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Consult == nil {
		return errNoConsult
	}
	w.Header().Set("Cache-Control", "no-store")
	tok := r.PathValue("token")
	j, err := s.cfg.Consult.Open(r.Context(), tok, claimOf(r, tok))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.joinOut(j))
}

func (s *Server) handleEnter(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Consult == nil {
		return errNoConsult
	}
	var in struct {
		ConsentVersion string              `json:"consent_version"`
		Check          consult.DeviceCheck `json:"check"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	tok := r.PathValue("token")
	claim, j, err := s.cfg.Consult.Enter(r.Context(), consult.EnterInput{Token: tok, Claim: claimOf(r, tok),
		ConsentVersion: in.ConsentVersion, Check: in.Check, Addr: clientAddr(r)})
	if err != nil {
		return err
	}
	// Lax, not Strict: the person comes back by tapping the link in a text
	// message, a cross-site navigation that must still carry the claim.
	http.SetCookie(w, &http.Cookie{Name: joinCookie(tok), Value: claim, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookie,
		SameSite: http.SameSiteLaxMode, Expires: j.Expires()})
	w.Header().Set("Cache-Control", "no-store")
	return reply(w, http.StatusOK, s.joinOut(j))
}

// handleJoinSocket is the signalling socket of a person who has entered.
func (s *Server) handleJoinSocket(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Consult == nil {
		return errNoConsult
	}
	tok := r.PathValue("token")
	j, err := s.cfg.Consult.Open(r.Context(), tok, claimOf(r, tok))
	if err != nil {
		return err
	}
	if !j.Entered {
		return fault.New(fault.Forbidden, "Select Enter on the consultation page first.")
	}
	p, c := j.Participant, j.Consultation
	peer := consult.NewPeer(consult.PeerInfo{ID: p.ID, Role: string(p.Role), Label: p.Label})
	return s.serveSocket(w, r, c.ID, peer, p.State == consult.StateAdmitted && c.Status == consult.StatusLive, nil)
}
