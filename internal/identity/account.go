package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// Account management: admins change people's roles, disable and enable
// their accounts and unlock them after too many failed sign-ins, through
// the API or as an operator at the console. An organisation is never left
// without an enabled admin (the store checks it atomically).

var (
	errNoSuchUser  = fault.New(fault.NotFound, "There is no such user in your organisation.")
	errDisableSelf = fault.Invalidf("You cannot disable your own account; ask another administrator to do it.")
)

// actor is who changes an account: an admin through the API, or the
// operator at the console (audit.ActorCLI).
type actor struct {
	id   string
	addr string
}

// orgUser returns a user of the admin's organisation; any other is
// reported as not found.
func (s *Service) orgUser(ctx context.Context, p *Principal, userID string) (*User, error) {
	if !p.User.Has(RoleAdmin) {
		return nil, errNotAdmin
	}
	u, err := s.store.UserByID(ctx, userID)
	if fault.Is(err, fault.NotFound) || err == nil && u.OrgID != p.Org.ID {
		return nil, errNoSuchUser
	}
	if err != nil {
		return nil, fmt.Errorf("look up user: %w", err)
	}
	return u, nil
}

// consoleUser returns the user with the given email, for the console.
func (s *Service) consoleUser(ctx context.Context, email string) (*User, error) {
	e, err := NormaliseEmail(email)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByEmail(ctx, e)
	if fault.Is(err, fault.NotFound) {
		return nil, fault.New(fault.NotFound, "There is no user with the email address "+e+".")
	}
	if err != nil {
		return nil, fmt.Errorf("look up user: %w", err)
	}
	return u, nil
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// SetRoles gives a user of the admin's organisation exactly the named
// roles, and returns the user as they are now.
func (s *Service) SetRoles(ctx context.Context, p *Principal, userID string, roles []string) (*User, error) {
	if !p.User.Has(RoleAdmin) {
		return nil, errNotAdmin
	}
	rs, err := ParseRoles(roles)
	if err != nil {
		return nil, err
	}
	u, err := s.orgUser(ctx, p, userID)
	if err != nil {
		return nil, err
	}
	return s.setRoles(ctx, actor{p.User.ID, p.Session.Addr}, u, rs)
}

// ConsoleSetRoles gives the user with the given email exactly the named
// roles, as an operator at the console.
func (s *Service) ConsoleSetRoles(ctx context.Context, email string, roles []string) (*User, error) {
	rs, err := ParseRoles(roles)
	if err != nil {
		return nil, err
	}
	u, err := s.consoleUser(ctx, email)
	if err != nil {
		return nil, err
	}
	return s.setRoles(ctx, actor{id: audit.ActorCLI}, u, rs)
}

func (s *Service) setRoles(ctx context.Context, a actor, u *User, rs []Role) (*User, error) {
	// Stored in display order, so that the same set always reads the same.
	var to []Role
	for _, r := range Roles {
		if slices.Contains(rs, r) {
			to = append(to, r)
		}
	}
	if len(to) == len(u.Roles) && !slices.ContainsFunc(to, func(r Role) bool { return !u.Has(r) }) {
		return u, nil // nothing to change, nothing to record
	}
	ev := audit.Event{At: s.now(), OrgID: u.OrgID, Actor: a.id, Action: "user.roles", Target: u.ID, Addr: a.addr,
		Detail: map[string]string{"from": joinRoles(u.Roles), "to": joinRoles(to)}}
	if err := s.store.SetRoles(ctx, u.ID, u.Roles, to, ev); err != nil {
		return nil, fmt.Errorf("set roles: %w", err)
	}
	return s.reread(ctx, u.ID)
}

// DisableUser disables the account of a user of the admin's organisation:
// they are signed out everywhere, every device of theirs is revoked (and
// so removed from their conversations), and they cannot sign in until an
// admin enables the account again. Admins cannot disable themselves.
func (s *Service) DisableUser(ctx context.Context, p *Principal, userID string) (*User, error) {
	u, err := s.orgUser(ctx, p, userID)
	if err != nil {
		return nil, err
	}
	if u.ID == p.User.ID {
		return nil, errDisableSelf
	}
	return s.disable(ctx, actor{p.User.ID, p.Session.Addr}, u)
}

// ConsoleDisable disables the account of the user with the given email,
// as an operator at the console.
func (s *Service) ConsoleDisable(ctx context.Context, email string) (*User, error) {
	u, err := s.consoleUser(ctx, email)
	if err != nil {
		return nil, err
	}
	return s.disable(ctx, actor{id: audit.ActorCLI}, u)
}

func (s *Service) disable(ctx context.Context, a actor, u *User) (*User, error) {
	if u.Disabled() {
		return u, nil
	}
	now := s.now()
	ev := audit.Event{At: now, OrgID: u.OrgID, Actor: a.id, Action: "user.disabled", Target: u.ID, Addr: a.addr}
	// Each device is revoked as an admin revoking it one by one would be.
	dev := audit.Event{At: now, OrgID: u.OrgID, Actor: a.id, Action: "device.revoke", Addr: a.addr,
		Detail: map[string]string{"owner": u.ID}}
	revoked, err := s.store.DisableUser(ctx, u.ID, now, ev, dev)
	if err != nil {
		return nil, fmt.Errorf("disable user: %w", err)
	}
	for _, id := range revoked {
		s.deviceRevoked(ctx, id)
	}
	return s.reread(ctx, u.ID)
}

// EnableUser enables a disabled account of the admin's organisation again.
// The person signs in with their password and security code; their old
// devices stay revoked.
func (s *Service) EnableUser(ctx context.Context, p *Principal, userID string) (*User, error) {
	u, err := s.orgUser(ctx, p, userID)
	if err != nil {
		return nil, err
	}
	return s.enable(ctx, actor{p.User.ID, p.Session.Addr}, u)
}

// ConsoleEnable enables the account of the user with the given email, as
// an operator at the console.
func (s *Service) ConsoleEnable(ctx context.Context, email string) (*User, error) {
	u, err := s.consoleUser(ctx, email)
	if err != nil {
		return nil, err
	}
	return s.enable(ctx, actor{id: audit.ActorCLI}, u)
}

func (s *Service) enable(ctx context.Context, a actor, u *User) (*User, error) {
	if !u.Disabled() {
		return u, nil
	}
	ev := audit.Event{At: s.now(), OrgID: u.OrgID, Actor: a.id, Action: "user.enabled", Target: u.ID, Addr: a.addr}
	if err := s.store.EnableUser(ctx, u.ID, ev); err != nil {
		return nil, fmt.Errorf("enable user: %w", err)
	}
	return s.reread(ctx, u.ID)
}

// UnlockUser lets a user of the admin's organisation who is locked out
// after too many failed sign-ins try again at once.
func (s *Service) UnlockUser(ctx context.Context, p *Principal, userID string) (*User, error) {
	u, err := s.orgUser(ctx, p, userID)
	if err != nil {
		return nil, err
	}
	return s.unlock(ctx, actor{p.User.ID, p.Session.Addr}, u)
}

// ConsoleUnlock unlocks the user with the given email, as an operator at
// the console.
func (s *Service) ConsoleUnlock(ctx context.Context, email string) (*User, error) {
	u, err := s.consoleUser(ctx, email)
	if err != nil {
		return nil, err
	}
	return s.unlock(ctx, actor{id: audit.ActorCLI}, u)
}

func (s *Service) unlock(ctx context.Context, a actor, u *User) (*User, error) {
	detail := map[string]string{"failures": fmt.Sprint(u.FailedSignIns)}
	if !u.LockedUntil.IsZero() {
		detail["locked_until"] = u.LockedUntil.UTC().Format(time.RFC3339)
	}
	ev := audit.Event{At: s.now(), OrgID: u.OrgID, Actor: a.id, Action: "user.unlocked", Target: u.ID, Addr: a.addr, Detail: detail}
	if err := s.store.Unlock(ctx, u.ID, ev); err != nil {
		return nil, fmt.Errorf("unlock user: %w", err)
	}
	return s.reread(ctx, u.ID)
}

func (s *Service) reread(ctx context.Context, userID string) (*User, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("read user back: %w", err)
	}
	return u, nil
}
