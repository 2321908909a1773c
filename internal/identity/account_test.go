package identity_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// principal signs the user in and returns who they are to the service.
func (f *fixture) principal(t *testing.T, email, secret string) (*identity.Principal, string) {
	t.Helper()
	si := f.signIn(t, email, secret)
	p, err := f.ids.Authenticate(context.Background(), si.Token)
	if err != nil {
		t.Fatalf("Authenticate(%s) = %v", email, err)
	}
	return p, si.Token
}

// lastAudit returns the organisation's newest audit entry.
func (f *fixture) lastAudit(t *testing.T, p *identity.Principal) (action, actor, target string, detail map[string]string) {
	t.Helper()
	es, err := f.ids.ListAudit(context.Background(), p, 0, 1)
	if err != nil || len(es) == 0 {
		t.Fatalf("ListAudit = %v, %v", es, err)
	}
	return es[0].Action, es[0].Actor, es[0].Target, es[0].Detail
}

func wantKind(t *testing.T, what string, err error, kind fault.Kind, msg string) {
	t.Helper()
	if !fault.Is(err, kind) || msg != "" && fault.Message(err) != msg {
		t.Errorf("%s = %v; want %v %q", what, err, kind, msg)
	}
}

const noSuchUser = "There is no such user in your organisation."

func TestSetRoles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, adminSecret := f.user(t, "admin@example.nhs.uk", "admin")
	c, secret := f.user(t, "c@example.nhs.uk", "clinician")
	if _, err := f.ids.CreateOrg(ctx, "RYY", "Other Trust"); err != nil {
		t.Fatal(err)
	}
	other, _, err := f.ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: "RYY", Email: "o@example.nhs.uk", Name: "Other", Roles: []string{"clinician"}, Password: strong})
	if err != nil {
		t.Fatal(err)
	}
	ap, _ := f.principal(t, "admin@example.nhs.uk", adminSecret)
	cp, ctok := f.principal(t, "c@example.nhs.uk", secret)

	_, err = f.ids.SetRoles(ctx, cp, c.ID, []string{"admin"})
	wantKind(t, "clinician SetRoles", err, fault.Forbidden, "Only an administrator of your organisation can do this.")

	u, err := f.ids.SetRoles(ctx, ap, c.ID, []string{"dpo", "clinician", "dpo"})
	if err != nil || !slices.Equal(u.Roles, []identity.Role{identity.RoleClinician, identity.RoleDPO}) {
		t.Fatalf("SetRoles = %v, %v; want clinician and dpo", u, err)
	}
	action, actor, target, detail := f.lastAudit(t, ap)
	if action != "user.roles" || actor != ap.User.ID || target != c.ID || detail["from"] != "clinician" || detail["to"] != "clinician,dpo" {
		t.Errorf("audit = %s by %s on %s %v; want user.roles by the admin on the clinician from clinician to clinician,dpo", action, actor, target, detail)
	}
	// The person's next request carries the new roles.
	if p, err := f.ids.Authenticate(ctx, ctok); err != nil || !p.User.Has(identity.RoleDPO) {
		t.Errorf("Authenticate after SetRoles = %v, %v; want the dpo role", p, err)
	}
	// The same roles again change and record nothing.
	before, _ := f.ids.ListAudit(ctx, ap, 0, 500)
	if _, err := f.ids.SetRoles(ctx, ap, c.ID, []string{"clinician", "dpo"}); err != nil {
		t.Errorf("SetRoles to the same roles = %v", err)
	}
	if after, _ := f.ids.ListAudit(ctx, ap, 0, 500); len(after) != len(before) {
		t.Errorf("SetRoles to the same roles added %d audit entries; want none", len(after)-len(before))
	}

	for _, tt := range []struct {
		name  string
		id    string
		roles []string
		kind  fault.Kind
		msg   string
	}{
		{"no role", c.ID, nil, fault.Invalid, "Give the user at least one role: clinician, admin or dpo."},
		{"unknown role", c.ID, []string{"surgeon"}, fault.Invalid, "The role \u201csurgeon\u201d does not exist; use clinician, admin or dpo."},
		{"unknown user", "no-such-id", []string{"clinician"}, fault.NotFound, noSuchUser},
		{"another organisation's user", other.ID, []string{"clinician"}, fault.NotFound, noSuchUser},
		{"the last admin's own admin role", ap.User.ID, []string{"clinician"}, fault.Conflict, identity.ErrLastAdmin.Msg},
	} {
		_, err := f.ids.SetRoles(ctx, ap, tt.id, tt.roles)
		wantKind(t, "SetRoles with "+tt.name, err, tt.kind, tt.msg)
	}
	if got, _ := f.store.UserByID(ctx, c.ID); !slices.Equal(got.Roles, []identity.Role{identity.RoleClinician, identity.RoleDPO}) {
		t.Errorf("roles after refused changes = %v; want clinician and dpo", got.Roles)
	}
}

func TestDisableAndEnable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var mu sync.Mutex
	var hooked []string
	f.ids.OnDeviceRevoked = func(_ context.Context, id string) {
		mu.Lock()
		hooked = append(hooked, id)
		mu.Unlock()
	}
	admin, adminSecret := f.user(t, "admin@example.nhs.uk", "admin", "clinician")
	c, secret := f.user(t, "c@example.nhs.uk", "clinician")
	ap, _ := f.principal(t, "admin@example.nhs.uk", adminSecret)
	web := f.signIn(t, "c@example.nhs.uk", secret)
	cli := f.signIn(t, "c@example.nhs.uk", secret)
	cp, _ := f.ids.Authenticate(ctx, cli.Token)

	_, err := f.ids.DisableUser(ctx, cp, admin.ID)
	wantKind(t, "clinician DisableUser", err, fault.Forbidden, "Only an administrator of your organisation can do this.")
	_, err = f.ids.DisableUser(ctx, ap, ap.User.ID)
	wantKind(t, "DisableUser of oneself", err, fault.Invalid, "")
	_, err = f.ids.DisableUser(ctx, ap, "no-such-id")
	wantKind(t, "DisableUser(unknown)", err, fault.NotFound, noSuchUser)

	u, err := f.ids.DisableUser(ctx, ap, c.ID)
	if err != nil || !u.Disabled() {
		t.Fatalf("DisableUser = %v, %v; want a disabled user", u, err)
	}
	slices.Sort(hooked)
	want := []string{web.Device.ID, cli.Device.ID}
	slices.Sort(want)
	if !slices.Equal(hooked, want) {
		t.Errorf("OnDeviceRevoked called for %v; want both devices %v", hooked, want)
	}
	for _, tok := range []string{web.Token, cli.Token} {
		if _, err := f.ids.Authenticate(ctx, tok); !fault.Is(err, fault.Unauthenticated) {
			t.Errorf("Authenticate after DisableUser = %v; want Unauthenticated", err)
		}
	}
	if action, actor, _, _ := f.lastAudit(t, ap); action != "device.revoke" || actor != ap.User.ID {
		t.Errorf("newest audit entry = %s by %s; want the admin's device.revoke", action, actor)
	}

	// Without the password and code nobody learns the account is disabled.
	wrong := []identity.SignInInput{
		{Email: c.Email, Password: "not the password at all", Code: f.code(secret)},
		{Email: c.Email, Password: strong, Code: "000000"},
	}
	for _, in := range wrong {
		_, err := f.ids.SignIn(ctx, in)
		wantKind(t, "SignIn of a disabled user with a wrong factor", err, fault.Unauthenticated, "The email, password or security code is not right.")
	}
	_, err = f.ids.SignIn(ctx, identity.SignInInput{Email: c.Email, Password: strong, Code: f.code(secret), Device: identity.DeviceInput{Kind: "web"}})
	wantKind(t, "SignIn of a disabled user", err, fault.Forbidden, "This account has been disabled; ask your organisation's administrator.")

	// Disabling again is harmless; the console cannot disable the last admin.
	if u, err := f.ids.DisableUser(ctx, ap, c.ID); err != nil || !u.Disabled() {
		t.Errorf("DisableUser again = %v, %v; want still disabled", u, err)
	}
	_, err = f.ids.ConsoleDisable(ctx, admin.Email)
	wantKind(t, "ConsoleDisable of the last admin", err, fault.Conflict, identity.ErrLastAdmin.Msg)

	u, err = f.ids.EnableUser(ctx, ap, c.ID)
	if err != nil || u.Disabled() {
		t.Fatalf("EnableUser = %v, %v; want an enabled user", u, err)
	}
	if action, _, target, _ := f.lastAudit(t, ap); action != "user.enabled" || target != c.ID {
		t.Errorf("newest audit entry = %s on %s; want user.enabled", action, target)
	}
	// They sign in again with password and code; the old device stays revoked.
	si, err := f.ids.SignIn(ctx, identity.SignInInput{Email: c.Email, Password: strong, Code: f.code(secret),
		Device: identity.DeviceInput{ID: web.Device.ID, Kind: "web"}})
	if err != nil || si.Device.ID == web.Device.ID {
		t.Errorf("SignIn after EnableUser = %v, %v; want a new device", si, err)
	}
	if n, err := f.ids.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit = %d, %v", n, err)
	}
}

// disabledView shows one user as disabled without the store having ended
// their sessions, as a mark set some other way would.
type disabledView struct {
	identity.Store
	id string
}

func (d disabledView) UserByID(ctx context.Context, id string) (*identity.User, error) {
	u, err := d.Store.UserByID(ctx, id)
	if err == nil && id == d.id {
		u.DisabledAt = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	}
	return u, err
}

func TestAuthenticateRefusesDisabledUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, secret := f.user(t, "c@example.nhs.uk", "clinician")
	si := f.signIn(t, "c@example.nhs.uk", secret)
	ids := identity.NewService(disabledView{Store: f.store, id: c.ID}, slog.New(slog.NewTextHandler(io.Discard, nil)), f.clk.now)
	if _, err := ids.Authenticate(ctx, si.Token); !fault.Is(err, fault.Unauthenticated) {
		t.Errorf("Authenticate of a disabled user's live session = %v; want Unauthenticated", err)
	}
	if _, err := f.ids.Authenticate(ctx, si.Token); !fault.Is(err, fault.Unauthenticated) {
		t.Errorf("Authenticate after the refusal = %v; want the session ended", err)
	}
}

func TestDisabledUserCannotEnrol(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, adminSecret := f.user(t, "admin@example.nhs.uk", "admin")
	ap, _ := f.principal(t, "admin@example.nhs.uk", adminSecret)
	u, link, err := f.ids.AddUser(ctx, ap, identity.NewUser{Email: "new@example.nhs.uk", Name: "New Person", Roles: []string{"clinician"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ids.DisableUser(ctx, ap, u.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.ids.EnrolInfo(ctx, link)
	wantKind(t, "EnrolInfo of a disabled user's link", err, fault.Forbidden, identity.ErrDisabled.Msg)
	_, err = f.ids.EnrolPassword(ctx, link, strong, "")
	wantKind(t, "EnrolPassword of a disabled user", err, fault.Forbidden, identity.ErrDisabled.Msg)
	if _, err := f.ids.EnableUser(ctx, ap, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ids.EnrolPassword(ctx, link, strong, ""); err != nil {
		t.Errorf("EnrolPassword once enabled = %v; want the link to work", err)
	}
}

func TestUnlockUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, adminSecret := f.user(t, "admin@example.nhs.uk", "admin")
	c, secret := f.user(t, "c@example.nhs.uk", "clinician")
	ap, _ := f.principal(t, "admin@example.nhs.uk", adminSecret)
	for range 5 {
		f.ids.SignIn(ctx, identity.SignInInput{Email: c.Email, Password: "wrong password here", Code: "000000", Addr: "192.0.2.9"})
	}
	_, err := f.ids.SignIn(ctx, identity.SignInInput{Email: c.Email, Password: strong, Code: f.code(secret), Device: identity.DeviceInput{Kind: "web"}})
	if !fault.Is(err, fault.TooMany) {
		t.Fatalf("SignIn after five failures = %v; want locked", err)
	}
	cp := &identity.Principal{User: c, Org: ap.Org, Session: ap.Session}
	_, err = f.ids.UnlockUser(ctx, cp, c.ID)
	wantKind(t, "clinician UnlockUser", err, fault.Forbidden, "")
	_, err = f.ids.UnlockUser(ctx, ap, "no-such-id")
	wantKind(t, "UnlockUser(unknown)", err, fault.NotFound, noSuchUser)

	u, err := f.ids.UnlockUser(ctx, ap, c.ID)
	if err != nil || u.FailedSignIns != 0 || u.Locked(f.clk.now()) {
		t.Fatalf("UnlockUser = %+v, %v; want no failures and no lock", u, err)
	}
	action, _, target, detail := f.lastAudit(t, ap)
	if action != "user.unlocked" || target != c.ID || detail["failures"] != "5" || detail["locked_until"] == "" {
		t.Errorf("audit = %s on %s %v; want user.unlocked after 5 failures with the lock's end", action, target, detail)
	}
	f.signIn(t, c.Email, secret)
}
