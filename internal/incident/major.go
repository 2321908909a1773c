package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

var errNoIncident = fault.New(fault.NotFound, "There is no such incident, or it did not alert you.")

// MaxETA is the longest estimated time of arrival a roll-call answer takes.
const MaxETA = 24 * 60

// Name is how an incident is called: its kind and number, and EXERCISE
// when it is one, so that two open at once are told apart.
func (in *Incident) Name() string {
	n := fmt.Sprintf("Major incident %d", in.Number)
	if in.Kind == Standby {
		n = fmt.Sprintf("Major incident standby %d", in.Number)
	}
	if in.Exercise {
		n = "EXERCISE " + n
	}
	return n
}

// Open reports whether the incident is not closed.
func (in *Incident) Open() bool { return in.ClosedAt.IsZero() }

// Declaration is a major incident or standby alert to declare.
type Declaration struct {
	Conversation string // the MLS group the declaring device made
	Kind         Kind
	Exercise     bool
	Lists        []string // call-in list names
}

// Declare declares a major incident (or standby alert, or an exercise of
// either): it starts the incident's conversation with everyone on the
// call-in lists, and alerts them. An admin may, and so may whoever holds a
// duty role allowed to. It returns the incident and who was alerted.
func (s *Service) Declare(ctx context.Context, p *identity.Principal, d Declaration) (*Incident, []*Alerted, error) {
	if d.Kind != Major && d.Kind != Standby {
		return nil, nil, fault.Invalidf(`Say what to declare: "major" (major incident declared) or "standby".`)
	}
	if len(d.Lists) == 0 {
		return nil, nil, fault.Invalidf("Name the call-in lists to alert (at least one).")
	}
	if err := s.mayDeclare(ctx, p); err != nil {
		return nil, nil, err
	}
	lists, err := s.store.CallLists(ctx, p.Org.ID)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	in := &Incident{ID: newID(), OrgID: p.Org.ID, Kind: d.Kind, Exercise: d.Exercise, Conversation: d.Conversation,
		DeclaredBy: p.User.ID, CommanderID: p.User.ID, DeclaredAt: now}
	byUser := map[string]*Alerted{}
	var people []*Alerted
	for _, name := range d.Lists {
		i := slices.IndexFunc(lists, func(l *CallList) bool { return nameKey(l.Name) == nameKey(name) })
		if i < 0 {
			var names []string
			for _, l := range lists {
				names = append(names, l.Name)
			}
			if len(names) == 0 {
				return nil, nil, fault.Invalidf(fmt.Sprintf("There is no call-in list called %q: your organisation has none yet.", name))
			}
			return nil, nil, fault.Invalidf(fmt.Sprintf("There is no call-in list called %q; the lists are: %s.", name, strings.Join(names, ", ")))
		}
		l := lists[i]
		if slices.ContainsFunc(in.Lists, func(x IncidentList) bool { return x.ListID == l.ID }) {
			continue
		}
		in.Lists = append(in.Lists, IncidentList{ListID: l.ID, Name: l.Name})
		for _, u := range l.Members {
			if u == p.User.ID {
				continue // the declarer commands; they are not called in
			}
			a := byUser[u]
			if a == nil {
				a = &Alerted{UserID: u, AlertedAt: now}
				byUser[u] = a
				people = append(people, a)
			}
			a.Lists = append(a.Lists, l.ID)
		}
	}
	if len(people) == 0 {
		return nil, nil, fault.Invalidf("Nobody but you is on those call-in lists: add people to them first.")
	}
	if _, err := s.msg.CreateConversation(ctx, p, d.Conversation, wire.KindIncident); err != nil {
		return nil, nil, err
	}
	ev := audit.Event{At: now, OrgID: p.Org.ID, Actor: p.User.ID, Action: "incident.declare", Target: in.ID,
		Detail: map[string]string{"kind": string(d.Kind), "exercise": fmt.Sprint(d.Exercise), "alerted": fmt.Sprint(len(people))}}
	if err := s.store.CreateIncident(ctx, in, people, ev); err != nil {
		return nil, nil, fmt.Errorf("declare incident: %w", err)
	}
	users := make([]string, len(people))
	for i, a := range people {
		users[i] = a.UserID
	}
	// The alert first: it is what every second counts for. The devices
	// join the conversation once the declaring device has set it up.
	push := messaging.PushIncident
	if in.Exercise {
		push = messaging.PushExercise
	}
	s.alert(ctx, in, users, push)
	if err := s.msg.AddPeople(ctx, d.Conversation, users); err != nil {
		return nil, nil, err
	}
	if people, err = s.store.IncidentPeople(ctx, in.ID, 0); err != nil { // with names
		return nil, nil, err
	}
	s.changed(ctx, in.ID, in.Version)
	return in, people, nil
}

func (s *Service) mayDeclare(ctx context.Context, p *identity.Principal) error {
	if p.User.Has(identity.RoleAdmin) {
		return nil
	}
	roles, err := s.store.DutyRoles(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	held, err := s.holders(ctx, s.now())
	if err != nil {
		return err
	}
	var may []string
	for _, r := range roles {
		if r.MayDeclare {
			if held[r.ID] == p.User.ID {
				return nil
			}
			may = append(may, r.Name)
		}
	}
	if len(may) == 0 {
		return fault.New(fault.Forbidden, "Only an admin can declare a major incident here: no duty role may.")
	}
	return fault.New(fault.Forbidden, "Only an admin, or whoever holds "+strings.Join(may, " or ")+" now, can declare a major incident.")
}

// alert sends an incident's frame to users' devices and a push to those
// without an open socket.
func (s *Service) alert(ctx context.Context, in *Incident, users []string, push string) {
	devices, err := s.store.ActiveDevices(ctx, users)
	if err != nil {
		s.log.Error("list devices to alert", "incident", in.ID, "err", err)
		return
	}
	f := wire.Frame{Type: wire.FrameIncident, ID: in.ID}
	s.msg.Notify(ctx, devices, f.Encode())
	s.msg.PushDevices(devices, push)
}

// viewable returns the incident if the caller may see it: someone it
// alerted, its commander or declarer, or an admin.
func (s *Service) viewable(ctx context.Context, p *identity.Principal, id string) (*Incident, error) {
	in, err := s.store.Incident(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return nil, errNoIncident
	}
	if err != nil {
		return nil, err
	}
	if in.OrgID != p.Org.ID {
		return nil, errNoIncident
	}
	if in.CommanderID == p.User.ID || in.DeclaredBy == p.User.ID || p.User.Has(identity.RoleAdmin) {
		return in, nil
	}
	ids, err := s.store.AlertedIn(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ids, id) {
		return nil, errNoIncident
	}
	return in, nil
}

// commanded returns the open incident if the caller commands it (or is an
// admin).
func (s *Service) commanded(ctx context.Context, p *identity.Principal, id string) (*Incident, error) {
	in, err := s.viewable(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if in.CommanderID != p.User.ID && !p.User.Has(identity.RoleAdmin) {
		return nil, fault.New(fault.Forbidden, "Only the incident's commander (or an admin) can do that.")
	}
	if !in.Open() {
		return nil, fault.New(fault.Conflict, in.Name()+" is closed.")
	}
	return in, nil
}

// Incidents lists the incidents the caller may see: the open ones, or all
// with all (newest first).
func (s *Service) Incidents(ctx context.Context, p *identity.Principal, all bool) ([]*Incident, error) {
	list, err := s.store.Incidents(ctx, p.Org.ID, !all)
	if err != nil {
		return nil, err
	}
	if p.User.Has(identity.RoleAdmin) {
		return list, nil
	}
	ids, err := s.store.AlertedIn(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	var out []*Incident
	for _, in := range list {
		if slices.Contains(ids, in.ID) || in.CommanderID == p.User.ID || in.DeclaredBy == p.User.ID {
			out = append(out, in)
		}
	}
	return out, nil
}

// Incident returns one incident the caller may see.
func (s *Service) Incident(ctx context.Context, p *identity.Principal, id string) (*Incident, error) {
	return s.viewable(ctx, p, id)
}

// ConversationIncident returns the incident whose conversation conv is,
// or nil.
func (s *Service) ConversationIncident(ctx context.Context, p *identity.Principal, conv string) (*Incident, error) {
	list, err := s.store.Incidents(ctx, p.Org.ID, false)
	if err != nil {
		return nil, err
	}
	for _, in := range list {
		if in.Conversation == conv {
			return in, nil
		}
	}
	return nil, nil
}

// ParseState reads a roll-call answer.
func ParseState(v string) (State, error) {
	switch st := State(strings.ToLower(strings.TrimSpace(v))); st {
	case Available, EnRoute, Unavailable:
		return st, nil
	case "en route", "enroute", "on my way":
		return EnRoute, nil
	}
	return "", fault.Invalidf(`Answer "available" (available now), "en-route" (on my way, with an ETA in minutes) or "unavailable".`)
}

// Respond records the caller's roll-call answer.
func (s *Service) Respond(ctx context.Context, p *identity.Principal, id string, st State, eta int) (int64, error) {
	if _, err := ParseState(string(st)); err != nil {
		return 0, err
	}
	switch {
	case st == EnRoute && (eta < 1 || eta > MaxETA):
		return 0, fault.Invalidf(fmt.Sprintf("Give your ETA as a whole number of minutes from 1 to %d.", MaxETA))
	case st != EnRoute && eta != 0:
		return 0, fault.Invalidf("An ETA goes only with en-route (on my way).")
	}
	// Straight to the write, which finds whether the caller was called
	// in and the incident is open: a roll-call of thousands reads nothing
	// first. Only a refusal reads the incident, to say why.
	v, err := s.answer(ctx, id, Response{UserID: p.User.ID, State: st, ETA: eta, At: s.now()})
	if err != nil && (fault.Is(err, fault.NotFound) || fault.Is(err, fault.Conflict)) {
		in, verr := s.viewable(ctx, p, id)
		switch {
		case verr != nil:
			return 0, verr
		case fault.Is(err, fault.NotFound):
			return 0, fault.New(fault.Forbidden, in.Name()+" did not call you in, so there is nothing to answer.")
		default:
			return 0, fault.New(fault.Conflict, in.Name()+" is closed: everyone is stood down.")
		}
	}
	if err != nil {
		return 0, fmt.Errorf("answer roll-call: %w", err)
	}
	s.changed(ctx, id, v)
	return v, nil
}

// StandDown stands down call-in lists of an incident ("we have enough
// anaesthetists"): the people on them are told.
func (s *Service) StandDown(ctx context.Context, p *identity.Principal, id string, names []string) error {
	in, err := s.commanded(ctx, p, id)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fault.Invalidf("Name the call-in lists to stand down; close the incident to stand everyone down.")
	}
	var ids []string
	for _, n := range names {
		i := slices.IndexFunc(in.Lists, func(l IncidentList) bool { return nameKey(l.Name) == nameKey(n) })
		if i < 0 {
			var have []string
			for _, l := range in.Lists {
				have = append(have, l.Name)
			}
			return fault.Invalidf(fmt.Sprintf("%s did not alert a list called %q; it alerted: %s.", in.Name(), n, strings.Join(have, ", ")))
		}
		ids = append(ids, in.Lists[i].ListID)
	}
	now := s.now()
	ev := audit.Event{At: now, OrgID: p.Org.ID, Actor: p.User.ID, Action: "incident.standdown", Target: in.ID,
		Detail: map[string]string{"lists": fmt.Sprint(len(ids))}}
	users, err := s.store.StandDown(ctx, in.ID, ids, p.User.ID, now, ev)
	if err != nil {
		return fmt.Errorf("stand down: %w", err)
	}
	s.afterChange(ctx, in, users)
	return nil
}

// afterChange tells those concerned that the incident changed, and wakes
// its boards.
func (s *Service) afterChange(ctx context.Context, in *Incident, users []string) {
	push := messaging.PushIncidentUpdate
	if in.Exercise {
		push = messaging.PushExerciseUpdate
	}
	s.alert(ctx, in, users, push)
	if in, err := s.store.Incident(ctx, in.ID); err == nil {
		s.changed(ctx, in.ID, in.Version)
	}
}

// Close closes an incident and stands everyone down.
func (s *Service) Close(ctx context.Context, p *identity.Principal, id string) error {
	in, err := s.commanded(ctx, p, id)
	if err != nil {
		return err
	}
	now := s.now()
	ev := audit.Event{At: now, OrgID: p.Org.ID, Actor: p.User.ID, Action: "incident.close", Target: in.ID}
	if err := s.store.CloseIncident(ctx, in.ID, p.User.ID, now, ev); err != nil {
		return fmt.Errorf("close incident: %w", err)
	}
	people, err := s.store.IncidentPeople(ctx, in.ID, 0)
	if err != nil {
		return err
	}
	users := make([]string, len(people))
	for i, a := range people {
		users[i] = a.UserID
	}
	s.afterChange(ctx, in, users)
	return nil
}

// SetCommander hands command of an incident to someone else, who joins its
// conversation if they are not in it.
func (s *Service) SetCommander(ctx context.Context, p *identity.Principal, id, email string) error {
	in, err := s.commanded(ctx, p, id)
	if err != nil {
		return err
	}
	u, err := s.orgUser(ctx, p.Org.ID, email)
	if err != nil {
		return err
	}
	if u.ID == in.CommanderID {
		return fault.New(fault.Conflict, u.Email+" commands "+in.Name()+" already.")
	}
	now := s.now()
	ev := audit.Event{At: now, OrgID: p.Org.ID, Actor: p.User.ID, Action: "incident.commander", Target: in.ID, Detail: map[string]string{"user": u.ID}}
	if err := s.store.SetCommander(ctx, in.ID, u.ID, p.User.ID, now, ev); err != nil {
		return fmt.Errorf("change commander: %w", err)
	}
	if err := s.msg.AddPeople(ctx, in.Conversation, []string{u.ID}); err != nil {
		return err
	}
	s.afterChange(ctx, in, []string{u.ID})
	return nil
}

// BoardView is an incident's roll-call board at a version.
type BoardView struct {
	Incident *Incident
	People   []*Alerted // all of them, for the tallies
	After    int64      // answers with a version after this one changed
	Roles    map[string][]string
}

// boardEvery is the shortest time between the boards one watcher is
// sent while answers pour in: each board reads everyone alerted, so a
// roll-call of thousands is sent in batches, not once per answer.
const boardEvery = 100 * time.Millisecond

// Board returns the incident's roll-call board. With after > 0 it waits,
// up to wait, until the board moves past that version, and at least
// boardEvery from the call, gathering the answers that come meanwhile.
func (s *Service) Board(ctx context.Context, p *identity.Principal, id string, after int64, wait time.Duration) (*BoardView, error) {
	began := time.Now()
	in, err := s.viewable(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if after > 0 && in.Version <= after && wait > 0 {
		ch, cancel := s.wait(id)
		defer cancel()
		// Read again: a change may have come before the wait began.
		if in, err = s.store.Incident(ctx, id); err != nil {
			return nil, err
		}
		if in.Version <= after {
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-ch:
			case <-t.C:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if in, err = s.store.Incident(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	if d := boardEvery - time.Since(began); after > 0 && wait > 0 && in.Version > after && d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if in, err = s.store.Incident(ctx, id); err != nil {
			return nil, err
		}
	}
	people, err := s.store.IncidentPeople(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	roles, err := s.heldRoles(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	return &BoardView{Incident: in, People: people, After: after, Roles: roles}, nil
}

// heldRoles returns the names of the duty roles each user holds now.
func (s *Service) heldRoles(ctx context.Context, org string) (map[string][]string, error) {
	roles, err := s.store.DutyRoles(ctx, org)
	if err != nil {
		return nil, err
	}
	held, err := s.holders(ctx, s.now())
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, r := range roles {
		if u := held[r.ID]; u != "" {
			out[u] = append(out[u], r.Name)
		}
	}
	return out, nil
}

// Log returns what the server holds of an incident for the debrief: its
// timeline and board. The commander (or an admin) may read it.
func (s *Service) Log(ctx context.Context, p *identity.Principal, id string) ([]Event, *BoardView, error) {
	in, err := s.viewable(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if in.CommanderID != p.User.ID && in.DeclaredBy != p.User.ID && !p.User.Has(identity.RoleAdmin) {
		return nil, nil, fault.New(fault.Forbidden, "Only the incident's commander (or an admin) can export its log.")
	}
	evs, err := s.store.IncidentEvents(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.Board(ctx, p, id, 0, 0)
	return evs, b, err
}

// Exported records that the caller exported the incident's log.
func (s *Service) Exported(ctx context.Context, p *identity.Principal, id string) error {
	if _, _, err := s.Log(ctx, p, id); err != nil {
		return err
	}
	now := s.now()
	ev := audit.Event{At: now, OrgID: p.Org.ID, Actor: p.User.ID, Action: "incident.log.export", Target: id}
	return s.store.RecordExport(ctx, id, p.User.ID, now, ev)
}
