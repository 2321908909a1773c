package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// at returns a fixed time plus n seconds. It has nanoseconds, so that the
// tests see stores keep microseconds.
func at(n int) time.Time {
	return time.Date(2026, 11, 2, 9, 0, 0, 123456789, time.UTC).Add(time.Duration(n) * time.Second)
}

// us is how a store gives a time back: in UTC, to the microsecond.
func us(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

func event(orgID, action, target string, n int) audit.Event {
	return audit.Event{At: at(n), OrgID: orgID, Actor: audit.ActorCLI, Action: action, Target: target, Addr: "192.0.2.1",
		Detail: map[string]string{"n": fmt.Sprint(n)}}
}

func newOrg(id, ods string) *identity.Org {
	return &identity.Org{ID: id, ODS: ods, Name: "Org " + ods, Policy: identity.DefaultPolicy, CreatedAt: at(0)}
}

func newUser(id, orgID, email, name string) *identity.User {
	return &identity.User{ID: id, OrgID: orgID, Email: email, Name: name, Registration: "GMC1234567", Team: "Ward 7",
		Roles: []identity.Role{identity.RoleClinician, identity.RoleAdmin}, CreatedAt: at(1)}
}

func newDevice(id, userID string, n int) *identity.Device {
	return &identity.Device{ID: id, UserID: userID, Name: "Laptop " + id, Kind: "web", CreatedAt: at(n), LastSeenAt: at(n)}
}

func newSession(id, userID, deviceID string, n int) *identity.Session {
	return &identity.Session{ID: id, TokenHash: "hash-" + id, UserID: userID, DeviceID: deviceID, CSRF: "csrf-" + id,
		Addr: "198.51.100.7", CreatedAt: at(n), LastSeenAt: at(n), ExpiresAt: at(n).Add(identity.AbsoluteSessionLimit)}
}

// must fails the test at once if err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantFault checks err's kind and user-safe message ("" skips the message).
func wantFault(t *testing.T, what string, err error, kind fault.Kind, msg string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s = nil; want a %v error", what, kind)
		return
	}
	if got := fault.KindOf(err); got != kind {
		t.Errorf("%s = %v (kind %v); want kind %v", what, err, got, kind)
	}
	if msg != "" && fault.Message(err) != msg {
		t.Errorf("%s message = %q; want %q", what, fault.Message(err), msg)
	}
}

// world is an organisation with a user, ready for sessions.
type world struct {
	org  *identity.Org
	user *identity.User
}

// seedWorld creates org o1 (RXX) and user u1 with TOTP set.
func seedWorld(t *testing.T, ctx context.Context, s identity.Store) world {
	t.Helper()
	o := newOrg("o1", "RXX")
	must(t, "CreateOrg", s.CreateOrg(ctx, o, event(o.ID, "org.create", o.ID, 0)))
	u := newUser("u1", o.ID, "ann@example.nhs.uk", "Ann Example")
	u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed = "$argon2id$x", "JBSWY3DPEHPK3PXP", true
	must(t, "CreateUser", s.CreateUser(ctx, u, nil, event(o.ID, "user.create", u.ID, 1)))
	return world{org: o, user: u}
}

// signIn starts session sid on device did for the world's user.
func signIn(t *testing.T, ctx context.Context, s identity.Store, w world, sid, did string, counter int64, n int) *identity.Session {
	t.Helper()
	sess := newSession(sid, w.user.ID, did, n)
	must(t, "StartSession "+sid, s.StartSession(ctx, sess, newDevice(did, w.user.ID, n), counter, "",
		event(w.org.ID, "signin.ok", sid, n)))
	return sess
}

// auditCount returns how many audit entries an organisation has.
func auditCount(t *testing.T, ctx context.Context, s identity.Store, orgID string) int {
	t.Helper()
	es, err := s.ListAudit(ctx, orgID, 0, 1000)
	must(t, "ListAudit", err)
	return len(es)
}

// user returns a user, failing the test at once if it cannot.
func user(t *testing.T, ctx context.Context, s identity.Store, id string) *identity.User {
	t.Helper()
	u, err := s.UserByID(ctx, id)
	must(t, "UserByID "+id, err)
	return u
}
