package httpd

import (
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// The duty-role, urgent-message and major-incident API: docs/incident.md
// is its contract.

var errNoIncidents = fault.New(fault.NotFound, "Duty roles and major incidents are not enabled on this server.")

func (s *Server) inc() (*incident.Service, error) {
	if s.cfg.Incident == nil {
		return nil, errNoIncidents
	}
	return s.cfg.Incident, nil
}

// incAdmin is inc for the admin routes: a non-admin is refused first.
func (s *Server) incAdmin(p *identity.Principal) (*incident.Service, error) {
	if !p.User.Has(identity.RoleAdmin) {
		return nil, fault.New(fault.Forbidden, "Only an organisation admin can change duty roles, the rota and call-in lists.")
	}
	return s.inc()
}

// stamp formats a time for the wire: RFC 3339, empty when not set.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// parseTime reads an optional RFC 3339 time field.
func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fault.Invalidf("Give " + field + " as a date and time such as 2026-12-04T08:00:00Z.")
	}
	return t, nil
}

func person(u *identity.User) wire.Person {
	if u == nil {
		return wire.Person{Name: "someone no longer here"}
	}
	return wire.Person{ID: u.ID, Email: u.Email, Name: u.Name, Team: u.Team}
}

// personRef is person for an optional user.
func personRef(u *identity.User) *wire.Person {
	if u == nil {
		return nil
	}
	p := person(u)
	return &p
}

func roleView(v incident.RoleView) wire.DutyRole {
	return wire.DutyRole{ID: v.ID, Name: v.Name, Holder: personRef(v.Holder), Until: stamp(v.Until), EscalateTo: v.EscalateTo,
		EscalateAfter: int(v.EscalateAfter / time.Second), MayDeclare: v.MayDeclare}
}

func (s *Server) handleDutyRoles(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	roles, err := svc.DutyRoles(r.Context(), p)
	if err != nil {
		return err
	}
	out := wire.DutyRoles{Roles: []wire.DutyRole{}}
	for _, v := range roles {
		out.Roles = append(out.Roles, roleView(v))
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleRota(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	role, shifts, err := svc.Rota(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := wire.Rota{Role: wire.DutyRole{ID: role.ID, Name: role.Name, EscalateAfter: int(role.EscalateAfter / time.Second),
		MayDeclare: role.MayDeclare}, Shifts: []wire.Shift{}}
	for _, sh := range shifts {
		out.Shifts = append(out.Shifts, wire.Shift{ID: sh.ID, Person: person(svc.User(r.Context(), sh.UserID)),
			From: stamp(sh.Start), Until: stamp(sh.End)})
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleHandover(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	var in wire.Handover
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sh, err := svc.Handover(r.Context(), p, r.PathValue("id"), in.Email)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, wire.Shift{ID: sh.ID, Person: person(svc.User(r.Context(), sh.UserID)), From: stamp(sh.Start), Until: stamp(sh.End)})
}

func (s *Server) handleAddDutyRole(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.incAdmin(p)
	if err != nil {
		return err
	}
	var in wire.NewDutyRole
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.EscalateAfter < 0 {
		return fault.Invalidf("escalate_after_seconds must be a positive number of seconds.")
	}
	role, err := svc.AddDutyRole(r.Context(), p, incident.NewRole{Name: in.Name, EscalateTo: in.EscalateTo,
		EscalateAfter: time.Duration(in.EscalateAfter) * time.Second, MayDeclare: in.MayDeclare})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, wire.DutyRole{ID: role.ID, Name: role.Name, EscalateTo: in.EscalateTo,
		EscalateAfter: int(role.EscalateAfter / time.Second), MayDeclare: role.MayDeclare})
}

func (s *Server) handleAssign(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.incAdmin(p)
	if err != nil {
		return err
	}
	var in wire.NewShift
	if err := decode(w, r, &in); err != nil {
		return err
	}
	from, err := parseTime("from", in.From)
	if err != nil {
		return err
	}
	until, err := parseTime("until", in.Until)
	if err != nil {
		return err
	}
	sh, err := svc.Assign(r.Context(), p, r.PathValue("id"), in.Email, from, until)
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, wire.Shift{ID: sh.ID, Person: person(svc.User(r.Context(), sh.UserID)), From: stamp(sh.Start), Until: stamp(sh.End)})
}

func (s *Server) callList(r *http.Request, svc *incident.Service, l *incident.CallList) wire.CallList {
	out := wire.CallList{ID: l.ID, Name: l.Name, Members: []wire.Person{}}
	for _, u := range l.Members {
		out.Members = append(out.Members, person(svc.User(r.Context(), u)))
	}
	return out
}

func (s *Server) handleCallLists(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	lists, err := svc.CallLists(r.Context(), p)
	if err != nil {
		return err
	}
	out := wire.CallLists{Lists: []wire.CallList{}}
	for _, l := range lists {
		out.Lists = append(out.Lists, s.callList(r, svc, l))
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleAddCallList(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.incAdmin(p)
	if err != nil {
		return err
	}
	var in wire.NewCallList
	if err := decode(w, r, &in); err != nil {
		return err
	}
	l, err := svc.AddCallList(r.Context(), p, in.Name, in.Emails)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.callList(r, svc, l))
}

func (s *Server) startRoleConversation(w http.ResponseWriter, r *http.Request, p *identity.Principal, in wire.NewConversation) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	role, err := svc.StartRoleConversation(r.Context(), p, in.ID, in.Role)
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, wire.ConversationInfo{ID: in.ID, Role: &wire.DutyRole{ID: role.ID, Name: role.Name}})
}

func (s *Server) urgentView(r *http.Request, svc *incident.Service, u *incident.Urgent, cursors map[string]int64) wire.Urgent {
	out := wire.Urgent{Conversation: u.Conversation, Message: u.ClientID, Latest: u.LatestID, Seq: uint64(u.Seq),
		Sender: person(svc.User(r.Context(), u.SenderID)), SentAt: stamp(u.SentAt), Open: u.ClosedAt.IsZero(),
		EscalatedAt: stamp(u.EscalatedAt), Recipients: []wire.Recipient{}}
	if u.EscalatedTo != "" {
		out.EscalatedTo = personRef(svc.User(r.Context(), u.EscalatedTo))
	}
	for _, rc := range u.Recipients {
		out.Recipients = append(out.Recipients, wire.Recipient{Person: person(svc.User(r.Context(), rc.UserID)), Via: rc.Via,
			Delivered: cursors[rc.UserID] >= u.Seq, Acknowledged: stamp(rc.AckedAt)})
	}
	return out
}

func (s *Server) handleMarkUrgent(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	var in wire.MarkUrgent
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := svc.MarkUrgent(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.urgentView(r, svc, u, nil))
}

func (s *Server) handleAcknowledge(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	u, err := svc.Acknowledge(r.Context(), p, r.PathValue("id"), r.PathValue("message"))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.urgentView(r, svc, u, nil))
}

func (s *Server) handleConversationUrgent(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	us, c, err := svc.ConversationUrgent(r.Context(), p, r.PathValue("id"), r.URL.Query().Get("open") != "")
	if err != nil {
		return err
	}
	// A person has an urgent message once any device of theirs has
	// acknowledged delivery past it.
	cursors := map[string]int64{}
	for _, m := range c.Members {
		cursors[m.User] = max(cursors[m.User], m.Cursor)
	}
	out := wire.UrgentList{Urgent: []wire.Urgent{}}
	for _, u := range us {
		out.Urgent = append(out.Urgent, s.urgentView(r, svc, u, cursors))
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handlePendingUrgent(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	us, err := svc.PendingUrgent(r.Context(), p)
	if err != nil {
		return err
	}
	out := wire.UrgentList{Urgent: []wire.Urgent{}}
	for _, u := range us {
		out.Urgent = append(out.Urgent, s.urgentView(r, svc, u, nil))
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) incidentView(r *http.Request, svc *incident.Service, in *incident.Incident) wire.Incident {
	out := wire.Incident{ID: in.ID, Name: in.Name(), Kind: string(in.Kind), Exercise: in.Exercise, Conversation: in.Conversation,
		Commander: person(svc.User(r.Context(), in.CommanderID)), DeclaredAt: stamp(in.DeclaredAt), ClosedAt: stamp(in.ClosedAt),
		Lists: []wire.IncidentList{}}
	for _, l := range in.Lists {
		out.Lists = append(out.Lists, wire.IncidentList{Name: l.Name, StoodDownAt: stamp(l.StoodDownAt)})
	}
	return out
}

func (s *Server) handleDeclare(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	var in wire.Declare
	if err := decode(w, r, &in); err != nil {
		return err
	}
	inc, people, err := svc.Declare(r.Context(), p, incident.Declaration{Conversation: in.Conversation, Kind: incident.Kind(in.Kind),
		Exercise: in.Exercise, Lists: in.Lists})
	if err != nil {
		return err
	}
	out := s.incidentView(r, svc, inc)
	for _, a := range people {
		out.Alerted = append(out.Alerted, wire.Person{ID: a.UserID, Email: a.Email, Name: a.Name, Team: a.Team})
	}
	return reply(w, http.StatusCreated, out)
}

func (s *Server) handleIncidents(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	list, err := svc.Incidents(r.Context(), p, r.URL.Query().Get("all") != "")
	if err != nil {
		return err
	}
	out := wire.Incidents{Incidents: []wire.Incident{}}
	for _, in := range list {
		out.Incidents = append(out.Incidents, s.incidentView(r, svc, in))
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleIncident(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	in, err := svc.Incident(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.incidentView(r, svc, in))
}

// maxBoardWait bounds how long GET /api/incidents/{id}/board waits.
const maxBoardWait = 30 * time.Second

func (s *Server) board(r *http.Request, svc *incident.Service, b *incident.BoardView) wire.Board {
	return wire.Board{Incident: s.incidentView(r, svc, b.Incident), Version: b.Incident.Version,
		Answers: b.Answers(func(a *incident.Alerted) wire.Person {
			return wire.Person{ID: a.UserID, Email: a.Email, Name: a.Name, Team: a.Team}
		}), Tallies: b.Tallies()}
}

func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var after int64
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return fault.Invalidf("The after parameter must be a board version (0 or more).")
		}
	}
	wait := 25 * time.Second
	if v := q.Get("wait"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || time.Duration(n)*time.Second > maxBoardWait {
			return fault.Invalidf("The wait parameter must be a number of seconds from 0 to 30.")
		}
		wait = time.Duration(n) * time.Second
	}
	b, err := svc.Board(r.Context(), p, r.PathValue("id"), after, wait)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, s.board(r, svc, b))
}

func (s *Server) handleRespond(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	var in wire.Respond
	if err := decode(w, r, &in); err != nil {
		return err
	}
	st, err := incident.ParseState(in.State)
	if err != nil {
		return err
	}
	v, err := svc.Respond(r.Context(), p, r.PathValue("id"), st, in.ETA)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]int64{"version": v})
}

func (s *Server) handleStandDown(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	var in wire.StandDown
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := svc.StandDown(r.Context(), p, r.PathValue("id"), in.Lists); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleCommander(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	var in wire.Commander
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := svc.SetCommander(r.Context(), p, r.PathValue("id"), in.Email); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleCloseIncident(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	if err := svc.Close(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleIncidentLog(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	evs, b, err := svc.Log(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := wire.IncidentLog{Incident: s.incidentView(r, svc, b.Incident), Board: s.board(r, svc, b), Timeline: []wire.LogEntry{}}
	for _, e := range evs {
		le := wire.LogEntry{At: stamp(e.At), Event: e.Kind, Detail: e.Detail}
		if e.ActorID != "" {
			le.Actor = personRef(svc.User(r.Context(), e.ActorID))
		}
		if e.SubjectID != "" {
			le.Subject = personRef(svc.User(r.Context(), e.SubjectID))
		}
		out.Timeline = append(out.Timeline, le)
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleIncidentExported(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	svc, err := s.inc()
	if err != nil {
		return err
	}
	if err := svc.Exported(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
