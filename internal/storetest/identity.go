package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// IdentityBackend is what the identity contract needs from a backend.
type IdentityBackend struct {
	// Open returns a fresh, empty store, closed when t ends.
	Open func(t *testing.T) identity.Store
	// AlterAudit changes the action of audit entry seq behind the store's
	// back, as someone with direct access to the database could, getting
	// round the append-only triggers.
	AlterAudit func(t *testing.T, s identity.Store, seq int64)
}

// Identity runs the identity.Store contract against b.
func Identity(t *testing.T, b IdentityBackend) {
	tests := []struct {
		name string
		f    func(*testing.T, context.Context, identity.Store)
	}{
		{"orgs", identityOrgs},
		{"users", identityUsers},
		{"credentials and sign-in failures", identityCredentials},
		{"roles changed, keeping an admin", identitySetRoles},
		{"account disabled and enabled", identityDisable},
		{"account unlocked", identityUnlock},
		{"last admin kept when admins change at once", identityLastAdminRace},
		{"setup link", identitySetup},
		{"setup links stored concurrently", identitySetupRace},
		{"enrolment consumed once", identityEnrolment},
		{"enrolment replaced", identityReplaceEnrolment},
		{"enrolment replaced concurrently", identityReplaceEnrolmentRace},
		{"TOTP counter only moves forward", identityTOTPCounter},
		{"TOTP counter replayed concurrently", identityTOTPConcurrent},
		{"sessions", identitySessions},
		{"revoked device cannot sign in", identityRevokedDeviceSignIn},
		{"devices", identityDevices},
		{"organisation devices", identityOrgDevices},
		{"audit listing", identityAuditList},
		{"concurrent writers keep one chain", identityAuditConcurrent},
		{"audit verified while being written", identityAuditVerifyWhileWriting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, context.Background(), b.Open(t))
		})
	}
	t.Run("audit alteration detected", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := b.Open(t)
		w := seedWorld(t, ctx, s)
		signIn(t, ctx, s, w, "s1", "d1", 10, 10)
		if n, err := s.VerifyAudit(ctx); err != nil || n != 3 {
			t.Fatalf("VerifyAudit = %d, %v; want 3, nil", n, err)
		}
		b.AlterAudit(t, s, 2)
		_, err := s.VerifyAudit(ctx)
		if want := "audit entry 2: its contents were altered"; err == nil || err.Error() != want {
			t.Errorf("VerifyAudit after altering entry 2 = %v; want %q", err, want)
		}
	})
}

func identityOrgs(t *testing.T, ctx context.Context, s identity.Store) {
	if n, err := s.CountOrgs(ctx); err != nil || n != 0 {
		t.Fatalf("CountOrgs on an empty store = %d, %v; want 0, nil", n, err)
	}
	o := newOrg("o1", "RXX")
	must(t, "CreateOrg", s.CreateOrg(ctx, o, event(o.ID, "org.create", o.ID, 0)))
	if n, err := s.CountOrgs(ctx); err != nil || n != 1 {
		t.Errorf("CountOrgs = %d, %v; want 1, nil", n, err)
	}
	want := *o
	want.CreatedAt = us(o.CreatedAt)
	for name, get := range map[string]func() (*identity.Org, error){
		"OrgByID":  func() (*identity.Org, error) { return s.OrgByID(ctx, "o1") },
		"OrgByODS": func() (*identity.Org, error) { return s.OrgByODS(ctx, "RXX") },
	} {
		got, err := get()
		must(t, name, err)
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Errorf("%s differs (-want +got):\n%s", name, diff)
		}
	}
	err := s.CreateOrg(ctx, newOrg("o2", "RXX"), event("o2", "org.create", "o2", 1))
	wantFault(t, "CreateOrg with a taken ODS code", err, fault.Conflict, "An organisation with ODS code RXX exists already.")
	if n := auditCount(t, ctx, s, "o2"); n != 0 {
		t.Errorf("a refused CreateOrg left %d audit entries; want 0", n)
	}
	_, err = s.OrgByID(ctx, "missing")
	wantFault(t, "OrgByID(missing)", err, fault.NotFound, "")
	_, err = s.OrgByODS(ctx, "ZZZ")
	wantFault(t, "OrgByODS(ZZZ)", err, fault.NotFound, "")

	pol := identity.Policy{IdleTimeout: 42 * time.Minute, ReadReceipts: identity.ReadReceiptsForced, PINAttempts: 5}
	must(t, "SetPolicy", s.SetPolicy(ctx, "o1", pol, event("o1", "policy.update", "o1", 2)))
	got, err := s.OrgByID(ctx, "o1")
	must(t, "OrgByID", err)
	if got.Policy != pol {
		t.Errorf("policy after SetPolicy = %+v; want %+v", got.Policy, pol)
	}
	err = s.SetPolicy(ctx, "missing", identity.DefaultPolicy, event("o1", "policy.update", "missing", 3))
	wantFault(t, "SetPolicy(missing)", err, fault.NotFound, "")
	// A policy without a read-receipt mode keeps the default.
	must(t, "SetPolicy", s.SetPolicy(ctx, "o1", identity.Policy{IdleTimeout: time.Minute}, event("o1", "policy.update", "o1", 4)))
	if got, err := s.OrgByID(ctx, "o1"); err != nil || got.Policy.ReadReceipts != identity.ReadReceiptsOn {
		t.Errorf("read receipts after SetPolicy without a mode = %v; want %q", err, identity.ReadReceiptsOn)
	}
	// Nor does one without a PIN attempt limit lose the default limit.
	if got, err := s.OrgByID(ctx, "o1"); err != nil || got.Policy.PINAttempts != identity.DefaultPINAttempts {
		t.Errorf("PIN attempts after SetPolicy without a limit = %+v, %v; want %d", got, err, identity.DefaultPINAttempts)
	}
	if n := auditCount(t, ctx, s, "o1"); n != 3 {
		t.Errorf("audit entries = %d; want 3 (create, two policies; none for the refused change)", n)
	}
}

func identityUsers(t *testing.T, ctx context.Context, s identity.Store) {
	for _, o := range []*identity.Org{newOrg("o1", "RXX"), newOrg("o2", "RYY")} {
		must(t, "CreateOrg", s.CreateOrg(ctx, o, event(o.ID, "org.create", o.ID, 0)))
	}
	u := newUser("u1", "o1", "ann@example.nhs.uk", "ann Example")
	enrol := &identity.Enrolment{TokenHash: "enrol-u1", Kind: identity.EnrolUser, UserID: "u1", ExpiresAt: at(100)}
	must(t, "CreateUser", s.CreateUser(ctx, u, enrol, event("o1", "user.create", "u1", 1)))
	want := *u
	want.CreatedAt = us(u.CreatedAt)
	for name, get := range map[string]func() (*identity.User, error){
		"UserByID":    func() (*identity.User, error) { return s.UserByID(ctx, "u1") },
		"UserByEmail": func() (*identity.User, error) { return s.UserByEmail(ctx, "ann@example.nhs.uk") },
	} {
		got, err := get()
		must(t, name, err)
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Errorf("%s differs (-want +got):\n%s", name, diff)
		}
	}
	e, err := s.EnrolmentByHash(ctx, "enrol-u1")
	must(t, "EnrolmentByHash", err)
	if diff := cmp.Diff(&identity.Enrolment{TokenHash: "enrol-u1", Kind: identity.EnrolUser, UserID: "u1", ExpiresAt: us(at(100))}, e); diff != "" {
		t.Errorf("EnrolmentByHash differs (-want +got):\n%s", diff)
	}

	dup := newUser("u2", "o2", "ann@example.nhs.uk", "Other Ann")
	err = s.CreateUser(ctx, dup, &identity.Enrolment{TokenHash: "enrol-u2", Kind: identity.EnrolUser, UserID: "u2", ExpiresAt: at(100)},
		event("o2", "user.create", "u2", 2))
	wantFault(t, "CreateUser with a taken email", err, fault.Conflict, "A user with the email address ann@example.nhs.uk exists already.")
	_, err = s.EnrolmentByHash(ctx, "enrol-u2")
	wantFault(t, "EnrolmentByHash of a refused CreateUser", err, fault.NotFound, "")
	if n := auditCount(t, ctx, s, "o2"); n != 1 {
		t.Errorf("o2 audit entries = %d; want 1 (a refused CreateUser records nothing)", n)
	}
	for name, err := range map[string]error{
		"UserByID(missing)":        second(s.UserByID(ctx, "missing")),
		"UserByEmail(missing)":     second(s.UserByEmail(ctx, "nobody@example.nhs.uk")),
		"EnrolmentByHash(missing)": second(s.EnrolmentByHash(ctx, "missing")),
	} {
		wantFault(t, name, err, fault.NotFound, "")
	}

	// Names sort by code point, capitals first, then by email.
	for i, x := range []*identity.User{newUser("u3", "o1", "zed@example.nhs.uk", "Zed"), newUser("u4", "o1", "bob2@example.nhs.uk", "Bob"),
		newUser("u5", "o1", "bob1@example.nhs.uk", "Bob"), newUser("u6", "o2", "cat@example.nhs.uk", "Cat")} {
		must(t, "CreateUser "+x.ID, s.CreateUser(ctx, x, nil, event(x.OrgID, "user.create", x.ID, 3+i)))
	}
	users, err := s.ListUsers(ctx, "o1")
	must(t, "ListUsers", err)
	var ids []string
	for _, x := range users {
		ids = append(ids, x.ID)
	}
	if diff := cmp.Diff([]string{"u5", "u4", "u3", "u1"}, ids); diff != "" {
		t.Errorf("ListUsers order differs (-want +got):\n%s", diff)
	}
	if users, err := s.ListUsers(ctx, "o9"); err != nil || len(users) != 0 {
		t.Errorf("ListUsers(unknown org) = %v, %v; want none", users, err)
	}
}

func second[T any](_ T, err error) error { return err }

func identityCredentials(t *testing.T, ctx context.Context, s identity.Store) {
	w := seedWorld(t, ctx, s)
	signIn(t, ctx, s, w, "s1", "d1", 50, 5) // the counter moves to 50
	for n := 1; n <= 3; n++ {
		must(t, "RecordSignInFailure", s.RecordSignInFailure(ctx, "u1", n, time.Time{}, event("o1", "signin.fail", "u1", 6)))
	}
	u, err := s.UserByID(ctx, "u1")
	must(t, "UserByID", err)
	if u.FailedSignIns != 3 || !u.LockedUntil.IsZero() {
		t.Errorf("after 3 failures: FailedSignIns, LockedUntil = %d, %v; want 3, zero", u.FailedSignIns, u.LockedUntil)
	}
	// A failure counted from a stale figure (another was recorded
	// meanwhile) is refused and changes nothing.
	err = s.RecordSignInFailure(ctx, "u1", 3, at(900), event("o1", "signin.fail", "u1", 7))
	wantFault(t, "RecordSignInFailure from a stale count", err, fault.Conflict, "")
	must(t, "RecordSignInFailure", s.RecordSignInFailure(ctx, "u1", 4, time.Time{}, event("o1", "signin.fail", "u1", 7)))
	must(t, "RecordSignInFailure", s.RecordSignInFailure(ctx, "u1", 5, at(900), event("o1", "signin.lockout", "u1", 7)))
	u, err = s.UserByID(ctx, "u1")
	must(t, "UserByID", err)
	if u.FailedSignIns != 5 || !u.LockedUntil.Equal(us(at(900))) {
		t.Errorf("after a lockout: FailedSignIns, LockedUntil = %d, %v; want 5, %v", u.FailedSignIns, u.LockedUntil, us(at(900)))
	}
	// A failure that was under way when the account locked keeps the lock.
	must(t, "RecordSignInFailure", s.RecordSignInFailure(ctx, "u1", 6, time.Time{}, event("o1", "signin.fail", "u1", 8)))
	if u = user(t, ctx, s, "u1"); u.FailedSignIns != 6 || !u.LockedUntil.Equal(us(at(900))) {
		t.Errorf("after a sixth failure: FailedSignIns, LockedUntil = %d, %v; want 6, %v (still locked)", u.FailedSignIns, u.LockedUntil, us(at(900)))
	}
	err = s.RecordSignInFailure(ctx, "missing", 1, time.Time{}, event("o1", "signin.fail", "missing", 8))
	wantFault(t, "RecordSignInFailure(missing)", err, fault.NotFound, "")

	// New credentials clear the counter, failures and lock.
	must(t, "SetCredentials", s.SetCredentials(ctx, "u1", "$argon2id$new", "NEWSECRET", false, event("o1", "enrol.password", "u1", 9)))
	u, err = s.UserByID(ctx, "u1")
	must(t, "UserByID", err)
	got := [...]any{u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed, u.TOTPLastCounter, u.FailedSignIns, u.LockedUntil.IsZero()}
	if want := [...]any{"$argon2id$new", "NEWSECRET", false, int64(0), 0, true}; got != want {
		t.Errorf("after SetCredentials: hash, secret, confirmed, counter, failures, unlocked = %v; want %v", got, want)
	}
	err = s.SetCredentials(ctx, "missing", "h", "s", true, event("o1", "enrol.password", "missing", 10))
	wantFault(t, "SetCredentials(missing)", err, fault.NotFound, "")

	// A sign-in resets failures and the lock.
	must(t, "RecordSignInFailure", s.RecordSignInFailure(ctx, "u1", 1, at(900), event("o1", "signin.lockout", "u1", 11)))
	signIn(t, ctx, s, w, "s2", "d1", 1, 12)
	u, err = s.UserByID(ctx, "u1")
	must(t, "UserByID", err)
	if u.FailedSignIns != 0 || !u.LockedUntil.IsZero() || !u.TOTPConfirmed || u.TOTPLastCounter != 1 {
		t.Errorf("after StartSession: failures %d, locked until %v, confirmed %v, counter %d; want 0, zero, true, 1",
			u.FailedSignIns, u.LockedUntil, u.TOTPConfirmed, u.TOTPLastCounter)
	}
	if n := auditCount(t, ctx, s, "o1"); n != 12 {
		t.Errorf("audit entries = %d; want 12 (none for refused changes)", n)
	}
}

func identityReplaceEnrolment(t *testing.T, ctx context.Context, s identity.Store) {
	seedWorld(t, ctx, s)
	first := &identity.Enrolment{TokenHash: "reissue-1", Kind: identity.EnrolUser, UserID: "u1", ExpiresAt: at(100)}
	second := &identity.Enrolment{TokenHash: "reissue-2", Kind: identity.EnrolUser, UserID: "u1", ExpiresAt: at(200)}
	must(t, "ReplaceEnrolment", s.ReplaceEnrolment(ctx, first, event("o1", "enrol.reissue", "u1", 20)))
	must(t, "ReplaceEnrolment again", s.ReplaceEnrolment(ctx, second, event("o1", "enrol.reissue", "u1", 21)))
	_, err := s.EnrolmentByHash(ctx, "reissue-1")
	wantFault(t, "EnrolmentByHash of a replaced enrolment", err, fault.NotFound, "")
	e, err := s.EnrolmentByHash(ctx, "reissue-2")
	if err != nil || e.UserID != "u1" {
		t.Errorf("EnrolmentByHash(reissue-2) = %+v, %v; want u1's enrolment", e, err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit = %v", err)
	}
}
