package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

func identitySetup(t *testing.T, ctx context.Context, s identity.Store) {
	first := &identity.Enrolment{TokenHash: "setup-1", Kind: identity.EnrolSetup, ExpiresAt: at(100)}
	second := &identity.Enrolment{TokenHash: "setup-2", Kind: identity.EnrolSetup, ExpiresAt: at(200)}
	must(t, "SetupEnrolment", s.SetupEnrolment(ctx, first))
	must(t, "SetupEnrolment again", s.SetupEnrolment(ctx, second))
	_, err := s.EnrolmentByHash(ctx, "setup-1")
	wantFault(t, "EnrolmentByHash of a replaced setup link", err, fault.NotFound, "")
	e, err := s.EnrolmentByHash(ctx, "setup-2")
	must(t, "EnrolmentByHash", err)
	if diff := cmp.Diff(&identity.Enrolment{TokenHash: "setup-2", Kind: identity.EnrolSetup, ExpiresAt: us(at(200))}, e); diff != "" {
		t.Errorf("EnrolmentByHash differs (-want +got):\n%s", diff)
	}

	o, u := newOrg("o1", "RXX"), newUser("u1", "o1", "ann@example.nhs.uk", "Ann Example")
	enrol := &identity.Enrolment{TokenHash: "enrol-u1", Kind: identity.EnrolUser, UserID: "u1", ExpiresAt: at(300)}
	must(t, "Setup", s.Setup(ctx, "setup-2", o, u, enrol, event("o1", "setup", "o1", 1)))
	if _, err := s.UserByID(ctx, "u1"); err != nil {
		t.Errorf("UserByID after Setup: %v", err)
	}
	if _, err := s.EnrolmentByHash(ctx, "enrol-u1"); err != nil {
		t.Errorf("EnrolmentByHash of the admin's link after Setup: %v", err)
	}
	_, err = s.EnrolmentByHash(ctx, "setup-2")
	wantFault(t, "EnrolmentByHash of a used setup link", err, fault.NotFound, "")

	o2, u2 := newOrg("o2", "RYY"), newUser("u2", "o2", "bob@example.nhs.uk", "Bob")
	err = s.Setup(ctx, "setup-2", o2, u2, &identity.Enrolment{TokenHash: "enrol-u2", Kind: identity.EnrolUser, UserID: "u2", ExpiresAt: at(300)},
		event("o2", "setup", "o2", 2))
	wantFault(t, "Setup with a used link", err, fault.NotFound, "This setup link has been used already.")
	if n, err := s.CountOrgs(ctx); err != nil || n != 1 {
		t.Errorf("CountOrgs after a refused Setup = %d, %v; want 1", n, err)
	}
	_, err = s.UserByID(ctx, "u2")
	wantFault(t, "UserByID of a refused Setup's admin", err, fault.NotFound, "")

	// A user enrolment is not a setup link.
	err = s.Setup(ctx, "enrol-u1", o2, u2, &identity.Enrolment{TokenHash: "enrol-u2", Kind: identity.EnrolUser, UserID: "u2", ExpiresAt: at(300)},
		event("o2", "setup", "o2", 3))
	wantFault(t, "Setup with a user's enrolment link", err, fault.NotFound, "This setup link has been used already.")
}

func identityEnrolment(t *testing.T, ctx context.Context, s identity.Store) {
	o := newOrg("o1", "RXX")
	must(t, "CreateOrg", s.CreateOrg(ctx, o, event("o1", "org.create", "o1", 0)))
	u := newUser("u1", "o1", "ann@example.nhs.uk", "Ann Example")
	must(t, "CreateUser", s.CreateUser(ctx, u, &identity.Enrolment{TokenHash: "enrol-u1", Kind: identity.EnrolUser, UserID: "u1", ExpiresAt: at(100)},
		event("o1", "user.create", "u1", 1)))
	must(t, "SetPendingCredentials", s.SetPendingCredentials(ctx, "enrol-u1", "$argon2id$x", "SECRET", event("o1", "enrol.password", "u1", 2)))
	if got, err := s.UserByID(ctx, "u1"); err != nil || got.PasswordHash != "" || got.TOTPSecret != "" {
		t.Errorf("before the enrolment is confirmed the user holds %q, %q (%v); want the credentials kept with the enrolment", got.PasswordHash, got.TOTPSecret, err)
	}
	if e, err := s.EnrolmentByHash(ctx, "enrol-u1"); err != nil || e.PendingPassword != "$argon2id$x" || e.PendingTOTP != "SECRET" {
		t.Errorf("EnrolmentByHash = %+v, %v; want the pending credentials", e, err)
	}
	wantFault(t, "SetPendingCredentials(missing)", s.SetPendingCredentials(ctx, "missing", "h", "s", event("o1", "enrol.password", "u1", 2)), fault.NotFound, "")

	sess := newSession("s1", "u1", "d1", 3)
	must(t, "StartSession consuming the enrolment", s.StartSession(ctx, sess, newDevice("d1", "u1", 3), 10, "enrol-u1",
		event("o1", "enrol.complete", "s1", 3)))
	got, err := s.UserByID(ctx, "u1")
	must(t, "UserByID", err)
	if !got.TOTPConfirmed || !got.Enrolled() || got.PasswordHash != "$argon2id$x" || got.TOTPSecret != "SECRET" {
		t.Errorf("after enrolment: TOTPConfirmed = %v, Enrolled() = %v, credentials %q %q; want both true and the pending credentials",
			got.TOTPConfirmed, got.Enrolled(), got.PasswordHash, got.TOTPSecret)
	}
	_, err = s.EnrolmentByHash(ctx, "enrol-u1")
	wantFault(t, "EnrolmentByHash of a used link", err, fault.NotFound, "")

	err = s.StartSession(ctx, newSession("s2", "u1", "d2", 4), newDevice("d2", "u1", 4), 11, "enrol-u1", event("o1", "enrol.complete", "s2", 4))
	wantFault(t, "StartSession with a used enrolment link", err, fault.NotFound, "This enrolment link has been used already.")
	if ss, err := s.ListSessions(ctx, "u1"); err != nil || len(ss) != 1 {
		t.Errorf("ListSessions after a refused enrolment = %d sessions, %v; want 1", len(ss), err)
	}
	_, err = s.DeviceByID(ctx, "d2")
	wantFault(t, "DeviceByID of a refused enrolment's device", err, fault.NotFound, "")
	if got := user(t, ctx, s, "u1"); got.TOTPLastCounter != 10 {
		t.Errorf("TOTPLastCounter after a refused enrolment = %d; want 10", got.TOTPLastCounter)
	}
}

const replayed = "That security code has been used already. Wait for the next one."

func identityTOTPCounter(t *testing.T, ctx context.Context, s identity.Store) {
	w := seedWorld(t, ctx, s)
	signIn(t, ctx, s, w, "s1", "d1", 100, 2)
	for _, c := range []int64{100, 99} {
		id := fmt.Sprint("s", c)
		err := s.StartSession(ctx, newSession(id, "u1", "d1", 3), newDevice("d1", "u1", 3), c, "", event("o1", "signin.ok", id, 3))
		wantFault(t, fmt.Sprintf("StartSession with counter %d after 100", c), err, fault.Unauthenticated, replayed)
	}
	signIn(t, ctx, s, w, "s2", "d1", 101, 4)
	if u := user(t, ctx, s, "u1"); u.TOTPLastCounter != 101 {
		t.Errorf("TOTPLastCounter = %d; want 101", u.TOTPLastCounter)
	}
	if ss, err := s.ListSessions(ctx, "u1"); err != nil || len(ss) != 2 {
		t.Errorf("ListSessions = %d sessions, %v; want 2 (refused sign-ins leave none)", len(ss), err)
	}
	if n := auditCount(t, ctx, s, "o1"); n != 4 {
		t.Errorf("audit entries = %d; want 4 (refused sign-ins record nothing here)", n)
	}
}

func identityTOTPConcurrent(t *testing.T, ctx context.Context, s identity.Store) {
	seedWorld(t, ctx, s)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, did := fmt.Sprint("s", i), fmt.Sprint("d", i)
			errs[i] = s.StartSession(ctx, newSession(id, "u1", did, 2), newDevice(did, "u1", 2), 500, "", event("o1", "signin.ok", id, 2))
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case fault.KindOf(err) != fault.Unauthenticated:
			t.Errorf("StartSession %d with a code used concurrently = %v; want refused as used already", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent sign-ins with one code succeeded; want exactly 1", ok, n)
	}
	if ss, err := s.ListSessions(ctx, "u1"); err != nil || len(ss) != 1 {
		t.Errorf("ListSessions = %d sessions, %v; want 1", len(ss), err)
	}
}

func identitySessions(t *testing.T, ctx context.Context, s identity.Store) {
	w := seedWorld(t, ctx, s)
	s1 := signIn(t, ctx, s, w, "s1", "d1", 1, 10)
	signIn(t, ctx, s, w, "s2", "d2", 2, 20)
	signIn(t, ctx, s, w, "s3", "d1", 3, 30)

	got, err := s.SessionByTokenHash(ctx, "hash-s1")
	must(t, "SessionByTokenHash", err)
	want := *s1
	want.CreatedAt, want.LastSeenAt, want.ExpiresAt = us(s1.CreatedAt), us(s1.LastSeenAt), us(s1.ExpiresAt)
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("SessionByTokenHash differs (-want +got):\n%s", diff)
	}
	_, err = s.SessionByTokenHash(ctx, "missing")
	wantFault(t, "SessionByTokenHash(missing)", err, fault.NotFound, "")
	err = s.StartSession(ctx, newSession("s1", "u1", "d1", 31), newDevice("d1", "u1", 31), 4, "", event("o1", "signin.ok", "s1", 31))
	wantFault(t, "StartSession with a taken session ID", err, fault.Conflict, "")

	must(t, "TouchSession", s.TouchSession(ctx, "s1", "d1", at(40)))
	got, err = s.SessionByTokenHash(ctx, "hash-s1")
	must(t, "SessionByTokenHash", err)
	d, err := s.DeviceByID(ctx, "d1")
	must(t, "DeviceByID", err)
	if !got.LastSeenAt.Equal(us(at(40))) || !d.LastSeenAt.Equal(us(at(40))) {
		t.Errorf("after TouchSession: session, device last seen = %v, %v; want both %v", got.LastSeenAt, d.LastSeenAt, us(at(40)))
	}

	listIDs := func() []string {
		t.Helper()
		ss, err := s.ListSessions(ctx, "u1")
		must(t, "ListSessions", err)
		var ids []string
		for _, x := range ss {
			ids = append(ids, x.ID)
		}
		return ids
	}
	if diff := cmp.Diff([]string{"s3", "s2", "s1"}, listIDs()); diff != "" {
		t.Errorf("ListSessions (newest first) differs (-want +got):\n%s", diff)
	}
	before := auditCount(t, ctx, s, "o1")
	must(t, "EndSession", s.EndSession(ctx, "s2", at(50), event("o1", "session.end", "s2", 50)))
	must(t, "EndSession again", s.EndSession(ctx, "s2", at(51), event("o1", "session.end", "s2", 51)))
	if n := auditCount(t, ctx, s, "o1"); n != before+1 {
		t.Errorf("audit entries after ending a session twice = %d; want %d (the second records nothing)", n, before+1)
	}
	got, err = s.SessionByTokenHash(ctx, "hash-s2")
	must(t, "SessionByTokenHash", err)
	if !got.EndedAt.Equal(us(at(50))) {
		t.Errorf("EndedAt = %v; want %v (the first end)", got.EndedAt, us(at(50)))
	}
	if diff := cmp.Diff([]string{"s3", "s1"}, listIDs()); diff != "" {
		t.Errorf("ListSessions after EndSession differs (-want +got):\n%s", diff)
	}
	if ss, err := s.ListSessions(ctx, "nobody"); err != nil || len(ss) != 0 {
		t.Errorf("ListSessions(nobody) = %v, %v; want none", ss, err)
	}
}

func identityRevokedDeviceSignIn(t *testing.T, ctx context.Context, s identity.Store) {
	w := seedWorld(t, ctx, s)
	bob := newUser("u2", "o1", "bob@example.nhs.uk", "Bob Example")
	bob.PasswordHash, bob.TOTPSecret, bob.TOTPConfirmed = "$argon2id$x", "SECRET", true
	must(t, "CreateUser", s.CreateUser(ctx, bob, nil, event("o1", "user.create", "u2", 2)))
	signIn(t, ctx, s, w, "s1", "d1", 1, 10)
	must(t, "RevokeDevice", s.RevokeDevice(ctx, "d1", at(20), event("o1", "device.revoke", "d1", 20)))

	// A sign-in racing the revocation must not revive the device, and
	// nobody may sign in on another person's device.
	for _, tt := range []struct{ name, user string }{{"its owner", "u1"}, {"another user", "u2"}} {
		err := s.StartSession(ctx, newSession("s-"+tt.user, tt.user, "d1", 30), newDevice("d1", tt.user, 30), 5, "",
			event("o1", "signin.ok", "s-"+tt.user, 30))
		wantFault(t, "StartSession on a revoked device by "+tt.name, err, fault.Conflict, deviceGone)
		if u := user(t, ctx, s, tt.user); u.TOTPLastCounter != map[string]int64{"u1": 1, "u2": 0}[tt.user] {
			t.Errorf("TOTPLastCounter of %s after a refused sign-in = %d; want it unchanged", tt.user, u.TOTPLastCounter)
		}
	}
	_, err := s.SessionByTokenHash(ctx, "hash-s-u1")
	wantFault(t, "SessionByTokenHash of a refused sign-in", err, fault.NotFound, "")
	d, err := s.DeviceByID(ctx, "d1")
	must(t, "DeviceByID", err)
	if !d.LastSeenAt.Equal(us(at(10))) || d.UserID != "u1" {
		t.Errorf("device after refused sign-ins: last seen %v, owner %s; want %v, u1", d.LastSeenAt, d.UserID, us(at(10)))
	}

	// Bob's own device with an unrevoked ID of Ann's is refused too.
	signIn(t, ctx, s, w, "s2", "d2", 2, 40)
	err = s.StartSession(ctx, newSession("s3", "u2", "d2", 41), newDevice("d2", "u2", 41), 6, "", event("o1", "signin.ok", "s3", 41))
	wantFault(t, "StartSession on another user's device", err, fault.Conflict, deviceGone)
}

// deviceGone is the message for a sign-in naming a device that is revoked
// or belongs to someone else.
const deviceGone = "This device can no longer sign in. Sign in again to add it as a new device."

func identitySetupRace(t *testing.T, ctx context.Context, s identity.Store) {
	// Nodes starting together on an empty database each store a setup
	// link; afterwards exactly one may work.
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e := &identity.Enrolment{TokenHash: fmt.Sprint("setup-", i), Kind: identity.EnrolSetup, ExpiresAt: at(100)}
			if err := s.SetupEnrolment(ctx, e); err != nil {
				t.Errorf("SetupEnrolment %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	live := 0
	for i := range n {
		if _, err := s.EnrolmentByHash(ctx, fmt.Sprint("setup-", i)); err == nil {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d setup links work after %d concurrent SetupEnrolment calls; want exactly 1", live, n)
	}
}

func identityReplaceEnrolmentRace(t *testing.T, ctx context.Context, s identity.Store) {
	seedWorld(t, ctx, s)
	// An admin re-issuing a link twice at once, through two nodes: one
	// link is left.
	const n = 6
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e := &identity.Enrolment{TokenHash: fmt.Sprint("reissue-", i), Kind: identity.EnrolUser, UserID: "u1", ExpiresAt: at(100)}
			if err := s.ReplaceEnrolment(ctx, e, event("o1", "enrol.reissue", "u1", 20+i)); err != nil {
				t.Errorf("ReplaceEnrolment %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	live := 0
	for i := range n {
		if _, err := s.EnrolmentByHash(ctx, fmt.Sprint("reissue-", i)); err == nil {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d enrolment links work after %d concurrent ReplaceEnrolment calls; want exactly 1", live, n)
	}
}
