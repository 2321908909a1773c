package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

var (
	clinicianOnly = []identity.Role{identity.RoleClinician}
	clinicianDPO  = []identity.Role{identity.RoleClinician, identity.RoleDPO}
	clinicianAdm  = []identity.Role{identity.RoleClinician, identity.RoleAdmin}
)

// addUser creates user id in org with the given roles.
func addUser(t *testing.T, ctx context.Context, s identity.Store, id, orgID string, roles []identity.Role, n int) *identity.User {
	t.Helper()
	u := newUser(id, orgID, id+"@example.nhs.uk", "User "+id)
	u.Roles = roles
	u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed = "$argon2id$x", "SECRET", true
	must(t, "CreateUser "+id, s.CreateUser(ctx, u, nil, event(orgID, "user.create", id, n)))
	return u
}

// newest returns an organisation's newest n audit entries, oldest first,
// as action, target and detail.
func newest(t *testing.T, ctx context.Context, s identity.Store, orgID string, n int) []audit.Event {
	t.Helper()
	es, err := s.ListAudit(ctx, orgID, 0, n)
	must(t, "ListAudit", err)
	out := make([]audit.Event, len(es))
	for i, e := range es {
		out[len(es)-1-i] = audit.Event{Action: e.Action, Target: e.Target, Detail: e.Detail}
	}
	return out
}

func identitySetRoles(t *testing.T, ctx context.Context, s identity.Store) {
	seedWorld(t, ctx, s) // u1: clinician and admin, the only admin
	addUser(t, ctx, s, "u2", "o1", clinicianOnly, 2)
	must(t, "CreateOrg", s.CreateOrg(ctx, newOrg("o2", "RYY"), event("o2", "org.create", "o2", 3)))
	addUser(t, ctx, s, "u9", "o2", clinicianAdm, 4) // another organisation's admin does not count

	ev := event("o1", "user.roles", "u2", 10)
	ev.Detail = map[string]string{"from": "clinician", "to": "clinician,dpo"}
	must(t, "SetRoles", s.SetRoles(ctx, "u2", clinicianOnly, clinicianDPO, ev))
	if got := user(t, ctx, s, "u2").Roles; !cmp.Equal(got, clinicianDPO) {
		t.Errorf("roles after SetRoles = %v; want %v", got, clinicianDPO)
	}
	want := []audit.Event{{Action: "user.roles", Target: "u2", Detail: ev.Detail}}
	if diff := cmp.Diff(want, newest(t, ctx, s, "o1", 1)); diff != "" {
		t.Errorf("audit of SetRoles differs (-want +got):\n%s", diff)
	}
	before := auditCount(t, ctx, s, "o1")

	// A change read from roles that have moved on is refused.
	err := s.SetRoles(ctx, "u2", clinicianOnly, []identity.Role{identity.RoleAdmin}, event("o1", "user.roles", "u2", 11))
	wantFault(t, "SetRoles from stale roles", err, fault.Conflict, "")
	if got := user(t, ctx, s, "u2").Roles; !cmp.Equal(got, clinicianDPO) {
		t.Errorf("roles after a refused SetRoles = %v; want %v unchanged", got, clinicianDPO)
	}

	// The last enabled admin keeps the role.
	err = s.SetRoles(ctx, "u1", clinicianAdm, clinicianOnly, event("o1", "user.roles", "u1", 12))
	wantFault(t, "SetRoles taking admin from the last admin", err, fault.Conflict, identity.ErrLastAdmin.Msg)
	if !user(t, ctx, s, "u1").Has(identity.RoleAdmin) {
		t.Errorf("the last admin lost the role after a refused SetRoles")
	}
	err = s.SetRoles(ctx, "missing", clinicianOnly, clinicianDPO, event("o1", "user.roles", "missing", 13))
	wantFault(t, "SetRoles(missing)", err, fault.NotFound, "")
	if n := auditCount(t, ctx, s, "o1"); n != before {
		t.Errorf("refused SetRoles calls left %d audit entries; want none", n-before)
	}

	// With a second admin, the first may step down.
	must(t, "SetRoles u2 admin", s.SetRoles(ctx, "u2", clinicianDPO, []identity.Role{identity.RoleAdmin}, event("o1", "user.roles", "u2", 14)))
	must(t, "SetRoles u1 clinician", s.SetRoles(ctx, "u1", clinicianAdm, clinicianOnly, event("o1", "user.roles", "u1", 15)))
	must(t, "SetRoles u1 admin again", s.SetRoles(ctx, "u1", clinicianOnly, clinicianAdm, event("o1", "user.roles", "u1", 16)))

	// A disabled admin does not count, and may lose the role.
	_, err = s.DisableUser(ctx, "u2", at(17), event("o1", "user.disabled", "u2", 17), event("o1", "device.revoke", "", 17))
	must(t, "DisableUser u2", err)
	err = s.SetRoles(ctx, "u1", clinicianAdm, clinicianOnly, event("o1", "user.roles", "u1", 18))
	wantFault(t, "SetRoles taking admin from the last enabled admin", err, fault.Conflict, identity.ErrLastAdmin.Msg)
	must(t, "SetRoles of a disabled admin", s.SetRoles(ctx, "u2", []identity.Role{identity.RoleAdmin}, clinicianOnly, event("o1", "user.roles", "u2", 19)))
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit = %v", err)
	}
}

func identityDisable(t *testing.T, ctx context.Context, s identity.Store) {
	w := seedWorld(t, ctx, s) // u1, the only admin
	bob := addUser(t, ctx, s, "u2", "o1", clinicianAdm, 2)
	bw := world{org: w.org, user: bob}
	signIn(t, ctx, s, bw, "s1", "d1", 1, 10)
	signIn(t, ctx, s, bw, "s2", "d2", 2, 11)
	signIn(t, ctx, s, bw, "s3", "d3", 3, 12)
	must(t, "RevokeDevice d2", s.RevokeDevice(ctx, "d2", at(13), event("o1", "device.revoke", "d2", 13)))
	signIn(t, ctx, s, w, "s4", "d4", 1, 14) // Ann's session is left alone

	ev := event("o1", "user.disabled", "u2", 20)
	dev := event("o1", "device.revoke", "", 20)
	dev.Detail = map[string]string{"owner": "u2"}
	revoked, err := s.DisableUser(ctx, "u2", at(20), ev, dev)
	must(t, "DisableUser", err)
	if diff := cmp.Diff([]string{"d1", "d3"}, revoked); diff != "" {
		t.Errorf("DisableUser revoked devices differ (-want +got):\n%s", diff)
	}
	if got := user(t, ctx, s, "u2").DisabledAt; !got.Equal(us(at(20))) {
		t.Errorf("DisabledAt = %v; want %v", got, us(at(20)))
	}
	if ss, err := s.ListSessions(ctx, "u2"); err != nil || len(ss) != 0 {
		t.Errorf("ListSessions after DisableUser = %d sessions, %v; want none", len(ss), err)
	}
	for id, want := range map[string]time.Time{"d1": us(at(20)), "d2": us(at(13)), "d3": us(at(20))} {
		d, err := s.DeviceByID(ctx, id)
		must(t, "DeviceByID "+id, err)
		if !d.RevokedAt.Equal(want) {
			t.Errorf("%s RevokedAt = %v; want %v", id, d.RevokedAt, want)
		}
	}
	if ss, err := s.ListSessions(ctx, "u1"); err != nil || len(ss) != 1 {
		t.Errorf("ListSessions(u1) after disabling u2 = %d sessions, %v; want Ann's one", len(ss), err)
	}
	wantAudit := []audit.Event{
		{Action: "user.disabled", Target: "u2", Detail: ev.Detail},
		{Action: "device.revoke", Target: "d1", Detail: dev.Detail},
		{Action: "device.revoke", Target: "d3", Detail: dev.Detail},
	}
	if diff := cmp.Diff(wantAudit, newest(t, ctx, s, "o1", 3)); diff != "" {
		t.Errorf("audit of DisableUser differs (-want +got):\n%s", diff)
	}
	before := auditCount(t, ctx, s, "o1")

	// Disabling again changes and records nothing.
	revoked, err = s.DisableUser(ctx, "u2", at(21), event("o1", "user.disabled", "u2", 21), dev)
	if err != nil || len(revoked) != 0 {
		t.Errorf("DisableUser of a disabled user = %v, %v; want nothing revoked", revoked, err)
	}
	if got := user(t, ctx, s, "u2").DisabledAt; !got.Equal(us(at(20))) {
		t.Errorf("DisabledAt after disabling again = %v; want %v kept", got, us(at(20)))
	}

	// A disabled user cannot start a session, whatever the caller checked.
	err = s.StartSession(ctx, newSession("s5", "u2", "d5", 22), newDevice("d5", "u2", 22), 9, "", event("o1", "signin.ok", "s5", 22))
	wantFault(t, "StartSession of a disabled user", err, fault.Forbidden, identity.ErrDisabled.Msg)
	if _, err := s.DeviceByID(ctx, "d5"); !fault.Is(err, fault.NotFound) {
		t.Errorf("DeviceByID of a refused sign-in's device = %v; want NotFound", err)
	}

	// The last enabled admin cannot be disabled.
	_, err = s.DisableUser(ctx, "u1", at(23), event("o1", "user.disabled", "u1", 23), dev)
	wantFault(t, "DisableUser of the last enabled admin", err, fault.Conflict, identity.ErrLastAdmin.Msg)
	if u := user(t, ctx, s, "u1"); u.Disabled() {
		t.Errorf("the last admin is disabled after a refused DisableUser")
	}
	_, err = s.DisableUser(ctx, "missing", at(24), event("o1", "user.disabled", "missing", 24), dev)
	wantFault(t, "DisableUser(missing)", err, fault.NotFound, "")
	wantFault(t, "EnableUser(missing)", s.EnableUser(ctx, "missing", event("o1", "user.enabled", "missing", 24)), fault.NotFound, "")
	if n := auditCount(t, ctx, s, "o1"); n != before {
		t.Errorf("refused and repeated changes left %d audit entries; want none", n-before)
	}

	// Enabling clears the mark; the devices stay revoked, and a new one
	// signs in.
	must(t, "EnableUser", s.EnableUser(ctx, "u2", event("o1", "user.enabled", "u2", 30)))
	must(t, "EnableUser again", s.EnableUser(ctx, "u2", event("o1", "user.enabled", "u2", 31)))
	if u := user(t, ctx, s, "u2"); u.Disabled() {
		t.Errorf("DisabledAt after EnableUser = %v; want zero", u.DisabledAt)
	}
	if diff := cmp.Diff([]audit.Event{{Action: "user.enabled", Target: "u2", Detail: map[string]string{"n": "30"}}}, newest(t, ctx, s, "o1", 1)); diff != "" {
		t.Errorf("audit of EnableUser (once, not again) differs (-want +got):\n%s", diff)
	}
	err = s.StartSession(ctx, newSession("s6", "u2", "d1", 32), newDevice("d1", "u2", 32), 10, "", event("o1", "signin.ok", "s6", 32))
	wantFault(t, "StartSession on a device revoked by DisableUser", err, fault.Conflict, deviceGone)
	signIn(t, ctx, s, bw, "s7", "d7", 11, 33)
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit = %v", err)
	}
}

func identityUnlock(t *testing.T, ctx context.Context, s identity.Store) {
	seedWorld(t, ctx, s)
	for n := 1; n <= 5; n++ {
		var until time.Time
		if n == 5 {
			until = at(900)
		}
		must(t, "RecordSignInFailure", s.RecordSignInFailure(ctx, "u1", n, until, event("o1", "signin.fail", "u1", n)))
	}
	if u := user(t, ctx, s, "u1"); !u.Locked(at(10)) {
		t.Fatalf("after five failures Locked = false; want true")
	}
	must(t, "Unlock", s.Unlock(ctx, "u1", event("o1", "user.unlocked", "u1", 10)))
	if u := user(t, ctx, s, "u1"); u.FailedSignIns != 0 || !u.LockedUntil.IsZero() {
		t.Errorf("after Unlock: FailedSignIns, LockedUntil = %d, %v; want 0, zero", u.FailedSignIns, u.LockedUntil)
	}
	if got := newest(t, ctx, s, "o1", 1); len(got) != 1 || got[0].Action != "user.unlocked" {
		t.Errorf("newest audit entry after Unlock = %+v; want user.unlocked", got)
	}
	// Failures count afresh from zero.
	must(t, "RecordSignInFailure after Unlock", s.RecordSignInFailure(ctx, "u1", 1, time.Time{}, event("o1", "signin.fail", "u1", 11)))
	wantFault(t, "Unlock(missing)", s.Unlock(ctx, "missing", event("o1", "user.unlocked", "missing", 12)), fault.NotFound, "")
	if n := auditCount(t, ctx, s, "o1"); n != 9 {
		t.Errorf("audit entries = %d; want 9 (none for the refused Unlock)", n)
	}
}

// identityLastAdminRace has two admins each taken away at the same
// moment, one by losing the role and one by being disabled: exactly one
// change succeeds, so the organisation keeps an enabled admin.
func identityLastAdminRace(t *testing.T, ctx context.Context, s identity.Store) {
	for round := range 6 {
		org := fmt.Sprint("o", round)
		must(t, "CreateOrg", s.CreateOrg(ctx, newOrg(org, fmt.Sprintf("R%02d", round)), event(org, "org.create", org, 0)))
		a, b := org+"a", org+"b"
		addUser(t, ctx, s, a, org, clinicianAdm, 1)
		addUser(t, ctx, s, b, org, clinicianAdm, 2)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs[0] = s.SetRoles(ctx, a, clinicianAdm, clinicianOnly, event(org, "user.roles", a, 3))
		}()
		go func() {
			defer wg.Done()
			_, errs[1] = s.DisableUser(ctx, b, at(3), event(org, "user.disabled", b, 3), event(org, "device.revoke", "", 3))
		}()
		wg.Wait()
		refused := 0
		for _, err := range errs {
			switch {
			case errors.Is(err, identity.ErrLastAdmin):
				refused++
			case err != nil:
				t.Fatalf("round %d: %v; want success or ErrLastAdmin", round, err)
			}
		}
		admins := 0
		for _, id := range []string{a, b} {
			if u := user(t, ctx, s, id); u.Has(identity.RoleAdmin) && !u.Disabled() {
				admins++
			}
		}
		if refused != 1 || admins != 1 {
			t.Errorf("round %d: %d changes refused, %d enabled admins left; want 1 and 1", round, refused, admins)
		}
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit = %v", err)
	}
}
