package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/token"
)

var errNotAdmin = fault.New(fault.Forbidden, "Only an administrator of your organisation can do this.")

func newOrg(ods, name string, now time.Time) (*Org, error) {
	code, err := NormaliseODS(ods)
	if err != nil {
		return nil, err
	}
	n, err := CheckName("organisation name", name)
	if err != nil {
		return nil, err
	}
	return &Org{ID: token.ID(), ODS: code, Name: n, Policy: DefaultPolicy, CreatedAt: now}, nil
}

func (s *Service) newUser(org *Org, email, name, registration, team string, roles []string) (*User, error) {
	e, err := NormaliseEmail(email)
	if err != nil {
		return nil, err
	}
	n, err := CheckName("name", name)
	if err != nil {
		return nil, err
	}
	reg, err := NormaliseRegistration(registration)
	if err != nil {
		return nil, err
	}
	rs, err := ParseRoles(roles)
	if err != nil {
		return nil, err
	}
	tm, err := CheckTeam(team)
	if err != nil {
		return nil, err
	}
	return &User{ID: token.ID(), OrgID: org.ID, Email: e, Name: n, Registration: reg, Team: tm, Roles: rs, CreatedAt: s.now()}, nil
}

// CreateOrg adds an organisation, as an operator at the console.
func (s *Service) CreateOrg(ctx context.Context, ods, name string) (*Org, error) {
	org, err := newOrg(ods, name, s.now())
	if err != nil {
		return nil, err
	}
	ev := audit.Event{At: s.now(), OrgID: org.ID, Actor: audit.ActorCLI, Action: "org.create", Target: org.ID,
		Detail: map[string]string{"ods": org.ODS}}
	if err := s.store.CreateOrg(ctx, org, ev); err != nil {
		return nil, err
	}
	return org, nil
}

// NewUser is a user to be added.
type NewUser struct {
	OrgODS       string // for the console; admins add to their own organisation
	Email        string
	Name         string
	Registration string
	Team         string
	Roles        []string
	Password     string // console only: set the password now and enrol TOTP
}

// CreateUserWithPassword adds a fully enrolled user, as an operator at the
// console: the password is checked against the policy and a TOTP secret is
// issued for the operator to pass on.
func (s *Service) CreateUserWithPassword(ctx context.Context, in NewUser) (*User, *TOTPKey, error) {
	ods, err := NormaliseODS(in.OrgODS)
	if err != nil {
		return nil, nil, err
	}
	org, err := s.store.OrgByODS(ctx, ods)
	if fault.Is(err, fault.NotFound) {
		return nil, nil, fault.Invalidf("There is no organisation with ODS code " + ods + "; add it first with 'switchboard admin org add'.")
	}
	if err != nil {
		return nil, nil, err
	}
	u, err := s.newUser(org, in.Email, in.Name, in.Registration, in.Team, in.Roles)
	if err != nil {
		return nil, nil, err
	}
	if err := s.policy.Check(in.Password, u.Email, u.Name); err != nil {
		return nil, nil, err
	}
	u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed = HashPassword(in.Password), NewTOTPSecret(), true
	if err := s.store.CreateUser(ctx, u, nil, userEvent(s.now(), audit.ActorCLI, u, "")); err != nil {
		return nil, nil, err
	}
	return u, &TOTPKey{Secret: u.TOTPSecret, URI: TOTPURI(u.TOTPSecret, u.Email, org.ODS)}, nil
}

func userEvent(now time.Time, actor string, u *User, addr string) audit.Event {
	return audit.Event{At: now, OrgID: u.OrgID, Actor: actor, Action: "user.create", Target: u.ID, Addr: addr,
		Detail: map[string]string{"roles": joinRoles(u.Roles)}}
}

// AddUser adds a user to the admin's organisation and returns a one-time
// enrolment token through which the person sets their own password and MFA.
func (s *Service) AddUser(ctx context.Context, p *Principal, in NewUser) (*User, string, error) {
	if !p.User.Has(RoleAdmin) {
		return nil, "", errNotAdmin
	}
	u, err := s.newUser(p.Org, in.Email, in.Name, in.Registration, in.Team, in.Roles)
	if err != nil {
		return nil, "", err
	}
	tok := token.Secret("")
	e := &Enrolment{TokenHash: token.Hash(tok), Kind: EnrolUser, UserID: u.ID, ExpiresAt: s.now().Add(enrolValidFor)}
	if err := s.store.CreateUser(ctx, u, e, userEvent(s.now(), p.User.ID, u, p.Session.Addr)); err != nil {
		return nil, "", err
	}
	return u, tok, nil
}

// ReissueEnrolment gives an existing user of the admin's organisation a new
// one-time enrolment link, for a lost link, a forgotten password or a lost
// phone. Earlier unused links stop working. The person's current password
// and authenticator keep working until they complete the new enrolment,
// which replaces both; to stop a lost device at once, revoke it as well.
func (s *Service) ReissueEnrolment(ctx context.Context, p *Principal, userID string) (*User, string, error) {
	if !p.User.Has(RoleAdmin) {
		return nil, "", errNotAdmin
	}
	u, err := s.store.UserByID(ctx, userID)
	if fault.Is(err, fault.NotFound) || err == nil && u.OrgID != p.Org.ID {
		return nil, "", fault.New(fault.NotFound, "There is no such user in your organisation; refresh the list.")
	}
	if err != nil {
		return nil, "", err
	}
	tok := token.Secret("")
	e := &Enrolment{TokenHash: token.Hash(tok), Kind: EnrolUser, UserID: u.ID, ExpiresAt: s.now().Add(enrolValidFor)}
	ev := audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID, Action: "enrol.reissue", Target: u.ID, Addr: p.Session.Addr}
	if err := s.store.ReplaceEnrolment(ctx, e, ev); err != nil {
		return nil, "", err
	}
	return u, tok, nil
}

// ListUsers lists the admin's organisation's users.
func (s *Service) ListUsers(ctx context.Context, p *Principal) ([]*User, error) {
	if !p.User.Has(RoleAdmin) {
		return nil, errNotAdmin
	}
	return s.store.ListUsers(ctx, p.Org.ID)
}

// ListOrgDevices lists every device in the admin's organisation.
func (s *Service) ListOrgDevices(ctx context.Context, p *Principal) ([]*DeviceView, error) {
	if !p.User.Has(RoleAdmin) {
		return nil, errNotAdmin
	}
	return s.store.ListOrgDevices(ctx, p.Org.ID)
}

// device returns a device the caller may manage: their own, or, for an
// admin, any in their organisation. Others are reported as not found.
func (s *Service) device(ctx context.Context, p *Principal, id string, asAdmin bool) (*Device, error) {
	notFound := fault.New(fault.NotFound, "There is no such device. It may have been removed; refresh the list.")
	d, err := s.store.DeviceByID(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if d.UserID == p.User.ID {
		return d, nil
	}
	if !asAdmin || !p.User.Has(RoleAdmin) {
		return nil, notFound
	}
	owner, err := s.store.UserByID(ctx, d.UserID)
	if err != nil {
		return nil, err
	}
	if owner.OrgID != p.Org.ID {
		return nil, notFound
	}
	return d, nil
}

// SignOutDevice ends every session of a device without revoking it.
func (s *Service) SignOutDevice(ctx context.Context, p *Principal, id string) error {
	d, err := s.device(ctx, p, id, true)
	if err != nil {
		return err
	}
	ev := audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID, Action: "device.signout", Target: d.ID, Addr: p.Session.Addr,
		Detail: map[string]string{"owner": d.UserID}}
	return s.store.EndDeviceSessions(ctx, d.ID, s.now(), ev)
}

// RevokeDevice revokes a device (the caller's own, or as admin any in the
// organisation): its sessions end at once and it can never sign in again.
func (s *Service) RevokeDevice(ctx context.Context, p *Principal, id string, asAdmin bool) error {
	d, err := s.device(ctx, p, id, asAdmin)
	if err != nil {
		return err
	}
	if d.Revoked() {
		return nil
	}
	ev := audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID, Action: "device.revoke", Target: d.ID, Addr: p.Session.Addr,
		Detail: map[string]string{"owner": d.UserID}}
	if err := s.store.RevokeDevice(ctx, d.ID, s.now(), ev); err != nil {
		return err
	}
	s.deviceRevoked(ctx, d.ID)
	return nil
}

// LoseDevice revokes a device reported lost or stolen, by its owner or,
// asAdmin, by an admin of its organisation on the owner's behalf: as
// RevokeDevice, recorded as device.lost. It returns the device as it was
// before (its last-seen time), for the breach log's near-miss entry. A
// device already revoked is refused, so that one loss opens one entry.
func (s *Service) LoseDevice(ctx context.Context, p *Principal, id string, asAdmin bool) (*Device, error) {
	d, err := s.device(ctx, p, id, asAdmin)
	if err != nil {
		return nil, err
	}
	if d.Revoked() {
		return nil, fault.New(fault.Conflict, "This device was revoked already: it cannot sign in or read new messages.")
	}
	ev := audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID, Action: "device.lost", Target: d.ID, Addr: p.Session.Addr,
		Detail: map[string]string{"owner": d.UserID}}
	if err := s.store.RevokeDevice(ctx, d.ID, s.now(), ev); err != nil {
		return nil, err
	}
	s.deviceRevoked(ctx, d.ID)
	return d, nil
}

// deviceRevoked tells the hook (messaging) that a device has been revoked,
// however that came about. It runs to the end even if the request that
// caused it is cancelled meanwhile.
func (s *Service) deviceRevoked(ctx context.Context, id string) {
	if s.OnDeviceRevoked != nil {
		s.OnDeviceRevoked(context.WithoutCancel(ctx), id)
	}
}

// ListDevices lists the caller's own devices.
func (s *Service) ListDevices(ctx context.Context, p *Principal) ([]*Device, error) {
	return s.store.ListDevices(ctx, p.User.ID)
}

// ListSessions lists the caller's own live sessions.
func (s *Service) ListSessions(ctx context.Context, p *Principal) ([]*Session, error) {
	return s.store.ListSessions(ctx, p.User.ID)
}

// EndSession ends one of the caller's own sessions.
func (s *Service) EndSession(ctx context.Context, p *Principal, id string) error {
	ss, err := s.store.ListSessions(ctx, p.User.ID)
	if err != nil {
		return err
	}
	for _, x := range ss {
		if x.ID == id {
			ev := audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID, Action: "session.end", Target: id, Addr: p.Session.Addr}
			return s.store.EndSession(ctx, id, s.now(), ev)
		}
	}
	return fault.New(fault.NotFound, "There is no such session. It may have ended already; refresh the list.")
}

// SetPolicy changes the organisation's policy.
func (s *Service) SetPolicy(ctx context.Context, p *Principal, idleMinutes int) error {
	if !p.User.Has(RoleAdmin) {
		return errNotAdmin
	}
	if idleMinutes < 1 || idleMinutes > 720 {
		return fault.Invalidf("The idle time-out must be between 1 and 720 minutes.")
	}
	pol := p.Org.Policy
	pol.IdleTimeout = time.Duration(idleMinutes) * time.Minute
	ev := audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID, Action: "policy.update", Target: p.Org.ID, Addr: p.Session.Addr,
		Detail: map[string]string{"idle_timeout_minutes": fmt.Sprint(idleMinutes)}}
	return s.store.SetPolicy(ctx, p.Org.ID, pol, ev)
}

// SetReadReceipts sets whether the organisation's people choose to send
// read receipts (on), never send them (off) or always do (forced).
func (s *Service) SetReadReceipts(ctx context.Context, p *Principal, mode string) error {
	if !p.User.Has(RoleAdmin) {
		return errNotAdmin
	}
	if mode != ReadReceiptsOn && mode != ReadReceiptsOff && mode != ReadReceiptsForced {
		return fault.Invalidf("Read receipts must be on, off or forced.")
	}
	pol := p.Org.Policy
	pol.ReadReceipts = mode
	ev := audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID, Action: "policy.update", Target: p.Org.ID, Addr: p.Session.Addr,
		Detail: map[string]string{"read_receipts": mode}}
	if err := s.store.SetPolicy(ctx, p.Org.ID, pol, ev); err != nil {
		return err
	}
	p.Org.Policy = pol
	return nil
}

// SetPINAttempts sets how many wrong messaging PINs in a row the
// organisation's devices allow before erasing their messages.
func (s *Service) SetPINAttempts(ctx context.Context, p *Principal, n int) error {
	if !p.User.Has(RoleAdmin) {
		return errNotAdmin
	}
	if n < 3 || n > 20 {
		return fault.Invalidf("The number of PIN attempts must be from 3 to 20.")
	}
	pol := p.Org.Policy
	pol.PINAttempts = n
	ev := audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID, Action: "policy.update", Target: p.Org.ID, Addr: p.Session.Addr,
		Detail: map[string]string{"pin_attempts": fmt.Sprint(n)}}
	if err := s.store.SetPolicy(ctx, p.Org.ID, pol, ev); err != nil {
		return err
	}
	p.Org.Policy = pol
	return nil
}

// SetAttachmentQuotas sets how many MiB of attachments one person, and
// the whole organisation, may store.
func (s *Service) SetAttachmentQuotas(ctx context.Context, p *Principal, personMiB, orgMiB int) error {
	if !p.User.Has(RoleAdmin) {
		return errNotAdmin
	}
	if personMiB < 1 || personMiB > 100<<10 {
		return fault.Invalidf("A person's attachment quota must be from 1 to 102400 MiB (100 GiB).")
	}
	if orgMiB < personMiB || orgMiB > 10<<20 {
		return fault.Invalidf("The organisation's attachment quota must be at least one person's and at most 10485760 MiB (10 TiB).")
	}
	pol := p.Org.Policy
	pol.PersonQuotaMiB, pol.OrgQuotaMiB = personMiB, orgMiB
	ev := audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID, Action: "policy.update", Target: p.Org.ID, Addr: p.Session.Addr,
		Detail: map[string]string{"attachment_quota_mib": fmt.Sprint(personMiB), "org_attachment_quota_mib": fmt.Sprint(orgMiB)}}
	if err := s.store.SetPolicy(ctx, p.Org.ID, pol, ev); err != nil {
		return err
	}
	p.Org.Policy = pol
	return nil
}

// ListAudit lists the caller's organisation's audit entries, newest first.
func (s *Service) ListAudit(ctx context.Context, p *Principal, before int64, limit int) ([]audit.Entry, error) {
	if !p.User.Has(RoleAdmin) && !p.User.Has(RoleDPO) {
		return nil, fault.New(fault.Forbidden, "Only an administrator or the data protection officer can read the audit log.")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.store.ListAudit(ctx, p.Org.ID, before, limit)
}

// AuditNames maps the IDs that appear in the caller's organisation's audit
// log (people, devices, the organisation) to names a reader recognises.
func (s *Service) AuditNames(ctx context.Context, p *Principal) (map[string]string, error) {
	if !p.User.Has(RoleAdmin) && !p.User.Has(RoleDPO) {
		return nil, fault.New(fault.Forbidden, "Only an administrator or the data protection officer can read the audit log.")
	}
	names := map[string]string{p.Org.ID: p.Org.Name}
	us, err := s.store.ListUsers(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		names[u.ID] = u.Name
	}
	ds, err := s.store.ListOrgDevices(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		names[d.ID] = d.Name + " (" + d.UserName + ")"
	}
	return names, nil
}

// VerifyAudit checks the whole audit chain.
func (s *Service) VerifyAudit(ctx context.Context) (int64, error) { return s.store.VerifyAudit(ctx) }
