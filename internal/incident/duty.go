package incident

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// errAdminOnly refuses changes to roles, rotas and lists by non-admins.
var errAdminOnly = fault.New(fault.Forbidden, "Only an organisation admin can change duty roles, the rota and call-in lists.")

func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// nameKey is a name as it is compared: trimmed, spaces collapsed, lower case.
func nameKey(name string) string { return strings.ToLower(strings.Join(strings.Fields(name), " ")) }

// cleanName checks a role's or list's name and tidies its spaces.
func cleanName(what, name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || len(name) > 100 {
		return "", fault.Invalidf(fmt.Sprintf("Give the %s a name of 1 to 100 characters.", what))
	}
	return name, nil
}

// actor is who makes a change: a signed-in admin, or the console.
type actor struct {
	org  *identity.Org
	user string // user ID, or audit.ActorCLI
}

func (s *Service) adminActor(p *identity.Principal) (actor, error) {
	if !p.User.Has(identity.RoleAdmin) {
		return actor{}, errAdminOnly
	}
	return actor{org: p.Org, user: p.User.ID}, nil
}

func (s *Service) consoleActor(ctx context.Context, ods string) (actor, error) {
	o, err := s.ids.OrgByODS(ctx, strings.TrimSpace(ods))
	if fault.Is(err, fault.NotFound) {
		return actor{}, fault.Invalidf(fmt.Sprintf("There is no organisation with the ODS code %q; admin org add creates one.", ods))
	}
	if err != nil {
		return actor{}, err
	}
	return actor{org: o, user: audit.ActorCLI}, nil
}

func (a actor) event(at time.Time, action, target string, detail map[string]string) audit.Event {
	return audit.Event{At: at, OrgID: a.org.ID, Actor: a.user, Action: action, Target: target, Detail: detail}
}

// NewRole is a duty role to create.
type NewRole struct {
	Name          string
	EscalateTo    string // a duty role's name or a person's email; may be empty
	EscalateAfter time.Duration
	MayDeclare    bool
}

// AddDutyRole creates a duty role (admins only).
func (s *Service) AddDutyRole(ctx context.Context, p *identity.Principal, in NewRole) (*DutyRole, error) {
	a, err := s.adminActor(p)
	if err != nil {
		return nil, err
	}
	return s.addDutyRole(ctx, a, in)
}

// ConsoleAddDutyRole creates a duty role from the server's console.
func (s *Service) ConsoleAddDutyRole(ctx context.Context, ods string, in NewRole) (*DutyRole, error) {
	a, err := s.consoleActor(ctx, ods)
	if err != nil {
		return nil, err
	}
	return s.addDutyRole(ctx, a, in)
}

func (s *Service) addDutyRole(ctx context.Context, a actor, in NewRole) (*DutyRole, error) {
	name, err := cleanName("duty role", in.Name)
	if err != nil {
		return nil, err
	}
	if in.EscalateAfter == 0 {
		in.EscalateAfter = DefaultEscalateAfter
	}
	if in.EscalateAfter < time.Minute || in.EscalateAfter > 24*time.Hour {
		return nil, fault.Invalidf("Urgent messages escalate after between 1 minute and 24 hours (such as 10m).")
	}
	r := &DutyRole{ID: newID(), OrgID: a.org.ID, Name: name, EscalateAfter: in.EscalateAfter.Truncate(time.Second),
		MayDeclare: in.MayDeclare, CreatedAt: s.now()}
	if to := strings.TrimSpace(in.EscalateTo); to != "" {
		if strings.Contains(to, "@") {
			u, err := s.orgUser(ctx, a.org.ID, to)
			if err != nil {
				return nil, err
			}
			r.EscalateUser = u.ID
		} else {
			target, err := s.roleByName(ctx, a.org.ID, to)
			if err != nil {
				return nil, err
			}
			r.EscalateRole = target.ID
		}
	}
	ev := a.event(r.CreatedAt, "duty.role.create", r.ID, map[string]string{"name": name})
	if err := s.store.CreateDutyRole(ctx, r, ev); err != nil {
		if fault.Is(err, fault.Conflict) {
			return nil, fault.Wrap(fault.Conflict, fmt.Sprintf("There is a duty role called %q already.", name), err)
		}
		return nil, fmt.Errorf("create duty role: %w", err)
	}
	return r, nil
}

// orgUser finds an active user of the organisation by email.
func (s *Service) orgUser(ctx context.Context, orgID, email string) (*identity.User, error) {
	u, err := s.ids.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err == nil && u.OrgID == orgID && !u.Disabled() {
		return u, nil
	}
	if err != nil && !fault.Is(err, fault.NotFound) {
		return nil, err
	}
	return nil, fault.Invalidf(fmt.Sprintf("There is no one with the email address %s in your organisation.", strings.TrimSpace(email)))
}

// roleByName finds a duty role by name, or says which there are.
func (s *Service) roleByName(ctx context.Context, orgID, name string) (*DutyRole, error) {
	roles, err := s.store.DutyRoles(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range roles {
		if nameKey(r.Name) == nameKey(name) || r.ID == name {
			return r, nil
		}
		names = append(names, r.Name)
	}
	if len(names) == 0 {
		return nil, fault.New(fault.NotFound, fmt.Sprintf("There is no duty role called %q: your organisation has none yet.", name))
	}
	return nil, fault.New(fault.NotFound, fmt.Sprintf("There is no duty role called %q; the duty roles are: %s.", name, strings.Join(names, ", ")))
}

// Assign puts someone on a role's rota (admins only). A zero from is now;
// a zero until leaves the shift running until the next one starts.
func (s *Service) Assign(ctx context.Context, p *identity.Principal, roleID, email string, from, until time.Time) (*Shift, error) {
	a, err := s.adminActor(p)
	if err != nil {
		return nil, err
	}
	r, err := s.roleByName(ctx, a.org.ID, roleID)
	if err != nil {
		return nil, err
	}
	return s.assign(ctx, a, r, email, from, until)
}

// ConsoleAssign is Assign from the server's console, naming the role.
func (s *Service) ConsoleAssign(ctx context.Context, ods, role, email string, from, until time.Time) (*Shift, error) {
	a, err := s.consoleActor(ctx, ods)
	if err != nil {
		return nil, err
	}
	r, err := s.roleByName(ctx, a.org.ID, role)
	if err != nil {
		return nil, err
	}
	return s.assign(ctx, a, r, email, from, until)
}

func (s *Service) assign(ctx context.Context, a actor, r *DutyRole, email string, from, until time.Time) (*Shift, error) {
	u, err := s.orgUser(ctx, a.org.ID, email)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if from.IsZero() {
		from = now
	}
	if !until.IsZero() && !until.After(from) {
		return nil, fault.Invalidf("A shift must end after it starts.")
	}
	if !until.IsZero() && !until.After(now) {
		return nil, fault.Invalidf("That shift is over already; give an end time in the future.")
	}
	sh := &Shift{ID: newID(), RoleID: r.ID, UserID: u.ID, Start: from.UTC(), End: until.UTC(), CreatedAt: now}
	if until.IsZero() {
		sh.End = time.Time{}
	}
	ev := a.event(now, "duty.assign", r.ID, map[string]string{"user": u.ID, "from": from.UTC().Format(time.RFC3339)})
	if err := s.store.AddShift(ctx, sh, ev); err != nil {
		return nil, fmt.Errorf("add shift: %w", err)
	}
	if a.user != audit.ActorCLI {
		// A shift from now moves the role's conversations at once. From
		// the console, the servers' sweep does it, so that the devices
		// online hear of it.
		s.followRota(ctx)
	}
	return sh, nil
}

// Handover hands a role to someone else now: the holder does it (or an
// admin, for someone who went home without). The note travels end to end
// encrypted in the role's conversations; the server only changes holder.
func (s *Service) Handover(ctx context.Context, p *identity.Principal, roleID, email string) (*Shift, error) {
	r, err := s.roleByName(ctx, p.Org.ID, roleID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	shifts, err := s.store.Shifts(ctx, r.ID, now)
	if err != nil {
		return nil, err
	}
	cur := holding(shifts, now)
	if (cur == nil || cur.UserID != p.User.ID) && !p.User.Has(identity.RoleAdmin) {
		return nil, fault.New(fault.Forbidden, fmt.Sprintf("Only whoever holds %s now (or an admin) can hand it over.", r.Name))
	}
	u, err := s.orgUser(ctx, p.Org.ID, email)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.UserID == u.ID {
		return nil, fault.New(fault.Conflict, fmt.Sprintf("%s holds %s already.", u.Email, r.Name))
	}
	sh := &Shift{ID: newID(), RoleID: r.ID, UserID: u.ID, Start: now, CreatedAt: now}
	if cur != nil {
		sh.End = cur.End
	}
	ev := audit.Event{At: now, OrgID: p.Org.ID, Actor: p.User.ID, Action: "duty.handover", Target: r.ID, Detail: map[string]string{"user": u.ID}}
	if err := s.store.AddShift(ctx, sh, ev); err != nil {
		return nil, fmt.Errorf("hand over: %w", err)
	}
	s.followRota(ctx)
	return sh, nil
}

// RoleView is a duty role with its holder now, for the directory.
type RoleView struct {
	*DutyRole
	Holder     *identity.User
	Until      time.Time
	EscalateTo string // the escalation target's role name or email
}

// DutyRoles lists the organisation's duty roles with who holds each now.
func (s *Service) DutyRoles(ctx context.Context, p *identity.Principal) ([]RoleView, error) {
	roles, err := s.store.DutyRoles(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	running, err := s.store.RunningShifts(ctx, now)
	if err != nil {
		return nil, err
	}
	byRole := map[string][]*Shift{}
	for _, sh := range running {
		byRole[sh.RoleID] = append(byRole[sh.RoleID], sh)
	}
	names := map[string]string{}
	for _, r := range roles {
		names[r.ID] = r.Name
	}
	users := userCache{s: s}
	out := make([]RoleView, 0, len(roles))
	for _, r := range roles {
		v := RoleView{DutyRole: r, EscalateTo: names[r.EscalateRole]}
		if r.EscalateUser != "" {
			if u := users.get(ctx, r.EscalateUser); u != nil {
				v.EscalateTo = u.Email
			}
		}
		if h := holding(byRole[r.ID], now); h != nil {
			v.Holder, v.Until = users.get(ctx, h.UserID), h.End
		}
		out = append(out, v)
	}
	return out, nil
}

// Rota lists a role's shifts that are not over yet.
func (s *Service) Rota(ctx context.Context, p *identity.Principal, roleID string) (*DutyRole, []*Shift, error) {
	r, err := s.roleByName(ctx, p.Org.ID, roleID)
	if err != nil {
		return nil, nil, err
	}
	shifts, err := s.store.Shifts(ctx, r.ID, s.now())
	return r, shifts, err
}

// User returns a user by ID, nil if there is none (for display).
func (s *Service) User(ctx context.Context, id string) *identity.User {
	u, err := s.ids.UserByID(ctx, id)
	if err != nil {
		return nil
	}
	return u
}

// userCache looks users up once per request.
type userCache struct {
	s *Service
	m map[string]*identity.User
}

func (c *userCache) get(ctx context.Context, id string) *identity.User {
	if u, ok := c.m[id]; ok {
		return u
	}
	if c.m == nil {
		c.m = map[string]*identity.User{}
	}
	u := c.s.User(ctx, id)
	c.m[id] = u
	return u
}

// holders returns who holds each role now (role ID → user ID).
func (s *Service) holders(ctx context.Context, at time.Time) (map[string]string, error) {
	running, err := s.store.RunningShifts(ctx, at)
	if err != nil {
		return nil, err
	}
	byRole := map[string][]*Shift{}
	for _, sh := range running {
		byRole[sh.RoleID] = append(byRole[sh.RoleID], sh)
	}
	out := map[string]string{}
	for id, shifts := range byRole {
		out[id] = holding(shifts, at).UserID
	}
	return out, nil
}

// followRota moves each role whose holder changed (a shift started or
// ended, or a handover) to the new holder: in each of its conversations
// the outgoing holder is taken out, and receives nothing more; the
// incoming one is brought in, and must acknowledge the open urgent
// messages.
func (s *Service) followRota(ctx context.Context) {
	roles, err := s.store.AllDutyRoles(ctx)
	if err != nil {
		s.log.Error("list duty roles", "err", err)
		return
	}
	now := s.now()
	held, err := s.holders(ctx, now)
	if err != nil {
		s.log.Error("read the rota", "err", err)
		return
	}
	for _, r := range roles {
		if held[r.ID] == r.HolderID {
			continue
		}
		if err := s.moveRole(ctx, r, held[r.ID], now); err != nil {
			s.log.Error("move a duty role's conversations to its new holder", "role", r.ID, "err", err)
		}
	}
}

// moveRole moves the role's conversations once this node has claimed the
// change (several nodes sweep the same rota).
func (s *Service) moveRole(ctx context.Context, r *DutyRole, to string, now time.Time) error {
	if ok, err := s.store.SetHolder(ctx, r.ID, r.HolderID, to); err != nil || !ok {
		return err
	}
	convs, err := s.store.RoleConversations(ctx, r.ID)
	if err != nil {
		return err
	}
	for _, rc := range convs {
		if err := s.moveConversation(ctx, rc, r.HolderID, to, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) moveConversation(ctx context.Context, rc *RoleConversation, from, to string, now time.Time) error {
	if from != "" && from != rc.CallerID && from != to {
		if err := s.msg.RemovePerson(ctx, rc.Conversation, from); err != nil {
			return err
		}
		if err := s.store.DropUrgentRecipient(ctx, rc.Conversation, from, now); err != nil {
			return err
		}
	}
	if to == "" || to == rc.CallerID {
		return nil
	}
	if err := s.msg.AddPeople(ctx, rc.Conversation, []string{to}); err != nil {
		return err
	}
	if err := s.store.AddUrgentRecipients(ctx, rc.Conversation, "", []string{to}, ViaHandover, now); err != nil {
		return err
	}
	open, err := s.store.ConversationUrgent(ctx, rc.Conversation, true)
	if err != nil {
		return err
	}
	for _, u := range open {
		s.alertUrgent(ctx, u, []string{to})
		s.tellSender(ctx, u)
	}
	return nil
}

// StartRoleConversation starts a conversation with a duty role: the
// caller's device has made the MLS group id; its people are the caller
// and whoever holds the role, and it follows the role's holder from now
// on. It is refused while nobody holds the role.
func (s *Service) StartRoleConversation(ctx context.Context, p *identity.Principal, id, roleID string) (*DutyRole, error) {
	r, err := s.roleByName(ctx, p.Org.ID, roleID)
	if err != nil {
		return nil, err
	}
	held, err := s.holders(ctx, s.now())
	if err != nil {
		return nil, err
	}
	holder := held[r.ID]
	if holder == "" {
		return nil, fault.New(fault.Conflict, fmt.Sprintf("Nobody holds %s now; ask an admin to fill the rota.", r.Name))
	}
	if _, err := s.msg.CreateConversation(ctx, p, id, wire.KindClinical); err != nil {
		return nil, err
	}
	if err := s.store.PutRoleConversation(ctx, &RoleConversation{Conversation: id, RoleID: r.ID, CallerID: p.User.ID}); err != nil {
		return nil, fmt.Errorf("record role conversation: %w", err)
	}
	if holder != p.User.ID {
		if err := s.msg.AddPeople(ctx, id, []string{holder}); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// RoleOf returns the duty role a conversation is with, or nil.
func (s *Service) RoleOf(ctx context.Context, conversation string) (*DutyRole, error) {
	rc, err := s.store.RoleConversation(ctx, conversation)
	if fault.Is(err, fault.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.store.DutyRole(ctx, rc.RoleID)
}

// AddCallList creates a call-in list, or adds people to the one of that
// name (admins only).
func (s *Service) AddCallList(ctx context.Context, p *identity.Principal, name string, emails []string) (*CallList, error) {
	a, err := s.adminActor(p)
	if err != nil {
		return nil, err
	}
	return s.addCallList(ctx, a, name, emails)
}

// ConsoleAddCallList is AddCallList from the server's console.
func (s *Service) ConsoleAddCallList(ctx context.Context, ods, name string, emails []string) (*CallList, error) {
	a, err := s.consoleActor(ctx, ods)
	if err != nil {
		return nil, err
	}
	return s.addCallList(ctx, a, name, emails)
}

func (s *Service) addCallList(ctx context.Context, a actor, name string, emails []string) (*CallList, error) {
	name, err := cleanName("call-in list", name)
	if err != nil {
		return nil, err
	}
	if len(emails) == 0 {
		return nil, fault.Invalidf("Name at least one person (by email) to put on the list.")
	}
	var users []string
	for _, e := range emails {
		u, err := s.orgUser(ctx, a.org.ID, e)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(users, u.ID) {
			users = append(users, u.ID)
		}
	}
	lists, err := s.store.CallLists(ctx, a.org.ID)
	if err != nil {
		return nil, err
	}
	var l *CallList
	for _, x := range lists {
		if nameKey(x.Name) == nameKey(name) {
			l = x
		}
	}
	now := s.now()
	if l == nil {
		l = &CallList{ID: newID(), OrgID: a.org.ID, Name: name, CreatedAt: now}
		if err := s.store.CreateCallList(ctx, l, a.event(now, "calllist.create", l.ID, map[string]string{"name": name})); err != nil {
			return nil, fmt.Errorf("create call-in list: %w", err)
		}
	}
	ev := a.event(now, "calllist.add", l.ID, map[string]string{"people": fmt.Sprint(len(users))})
	if err := s.store.AddCallListMembers(ctx, l.ID, users, ev); err != nil {
		return nil, fmt.Errorf("add to call-in list: %w", err)
	}
	for _, u := range users {
		if !slices.Contains(l.Members, u) {
			l.Members = append(l.Members, u)
		}
	}
	return l, nil
}

// CallLists lists the organisation's call-in lists.
func (s *Service) CallLists(ctx context.Context, p *identity.Principal) ([]*CallList, error) {
	return s.store.CallLists(ctx, p.Org.ID)
}
