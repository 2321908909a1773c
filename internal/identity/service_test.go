package identity_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	ids   *identity.Service
	store *sqlite.DB
	clk   *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), keyring.New())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	ids := identity.NewService(store, slog.New(slog.NewTextHandler(io.Discard, nil)), clk.now)
	if _, err := ids.CreateOrg(ctx, "RXX", "Example Hospitals NHS Trust"); err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	return &fixture{ids: ids, store: store, clk: clk}
}

const strong = "tulip ladder velvet orbit"

func (f *fixture) user(t *testing.T, email string, roles ...string) (*identity.User, string) {
	t.Helper()
	u, key, err := f.ids.CreateUserWithPassword(context.Background(), identity.NewUser{OrgODS: "RXX", Email: email, Name: "Test User", Roles: roles, Password: strong})
	if err != nil {
		t.Fatalf("CreateUserWithPassword(%s): %v", email, err)
	}
	return u, key.Secret
}

func (f *fixture) code(secret string) string {
	c, _ := identity.TOTPCode(secret, identity.TOTPCounter(f.clk.now()))
	return c
}

func (f *fixture) signIn(t *testing.T, email, secret string) *identity.SignedIn {
	t.Helper()
	si, err := f.ids.SignIn(context.Background(), identity.SignInInput{Email: email, Password: strong, Code: f.code(secret),
		Device: identity.DeviceInput{Name: "Test browser", Kind: "web"}, Addr: "192.0.2.1"})
	if err != nil {
		t.Fatalf("SignIn(%s) = %v; want success", email, err)
	}
	f.clk.add(30 * time.Second) // the next sign-in needs the next code
	return si
}

func TestSignInAndAuthenticate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, secret := f.user(t, "a@example.nhs.uk", "clinician")
	si := f.signIn(t, "a@example.nhs.uk", secret)
	p, err := f.ids.Authenticate(ctx, si.Token)
	if err != nil || p.User.Email != "a@example.nhs.uk" || p.Device.Kind != "web" {
		t.Fatalf("Authenticate = %+v, %v; want the signed-in user on a web device", p, err)
	}
	if _, err := f.ids.Authenticate(ctx, si.Token+"x"); !fault.Is(err, fault.Unauthenticated) {
		t.Errorf("Authenticate(bad token) = %v; want Unauthenticated", err)
	}
	// The same code cannot be used twice, even on another attempt in the same step.
	code := f.code(secret)
	if _, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: strong, Code: code, Device: identity.DeviceInput{Kind: "cli"}}); err != nil {
		t.Fatalf("SignIn = %v", err)
	}
	if _, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: strong, Code: code, Device: identity.DeviceInput{Kind: "cli"}}); !fault.Is(err, fault.Unauthenticated) {
		t.Errorf("SignIn(replayed code) = %v; want Unauthenticated", err)
	}
}

func TestIdleAndAbsoluteLimits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, secret := f.user(t, "a@example.nhs.uk", "clinician")
	si := f.signIn(t, "a@example.nhs.uk", secret)
	f.clk.add(14 * time.Minute)
	if _, err := f.ids.Authenticate(ctx, si.Token); err != nil {
		t.Fatalf("Authenticate after 14.5 idle minutes = %v; want still signed in", err)
	}
	f.clk.add(15*time.Minute + time.Second)
	if _, err := f.ids.Authenticate(ctx, si.Token); !fault.Is(err, fault.Unauthenticated) {
		t.Fatalf("Authenticate after 15 idle minutes = %v; want Unauthenticated", err)
	}
	si = f.signIn(t, "a@example.nhs.uk", secret)
	for range 12 * 6 { // active every 10 minutes for 12 hours
		f.clk.add(10 * time.Minute)
		f.ids.Authenticate(ctx, si.Token)
	}
	if _, err := f.ids.Authenticate(ctx, si.Token); !fault.Is(err, fault.Unauthenticated) {
		t.Errorf("Authenticate after 12 active hours = %v; want Unauthenticated (absolute limit)", err)
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, secret := f.user(t, "a@example.nhs.uk", "clinician")
	for i := 1; i <= 5; i++ {
		_, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: "wrong password here", Code: "000000", Addr: "192.0.2.7"})
		want := fault.Unauthenticated
		if i == 5 {
			want = fault.TooMany
		}
		if !fault.Is(err, want) {
			t.Fatalf("attempt %d: SignIn = %v; want %v", i, err, want)
		}
	}
	// Even the right password and code are refused while locked, and the
	// message says when to come back.
	_, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: strong, Code: f.code(secret), Addr: "192.0.2.7"})
	var fe *fault.Error
	if !fault.Is(err, fault.TooMany) || !strings.Contains(fault.Message(err), "Try again after") {
		t.Fatalf("SignIn while locked = %v; want TooMany saying when", err)
	}
	if e, ok := err.(*fault.Error); ok {
		fe = e
	}
	if fe == nil || fe.RetryAfter < 14*time.Minute || fe.RetryAfter > 15*time.Minute {
		t.Errorf("RetryAfter = %v; want about 15 minutes", fe)
	}
	f.clk.add(15*time.Minute + time.Second)
	f.signIn(t, "a@example.nhs.uk", secret)
}

func TestAddressLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var err error
	for i := 0; i < 31; i++ {
		_, err = f.ids.SignIn(ctx, identity.SignInInput{Email: "nobody" + string(rune('a'+i%26)) + "@example.nhs.uk", Password: "wrong password here", Code: "000000", Addr: "198.51.100.9"})
	}
	if !fault.Is(err, fault.TooMany) {
		t.Fatalf("31st failure from one address = %v; want TooMany", err)
	}
	_, secret := f.user(t, "a@example.nhs.uk", "clinician")
	if _, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: strong, Code: f.code(secret), Addr: "198.51.100.10", Device: identity.DeviceInput{Kind: "web"}}); err != nil {
		t.Errorf("SignIn from another address = %v; want success", err)
	}
}

func TestRevokeDeviceEndsSessions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, adminSecret := f.user(t, "admin@example.nhs.uk", "admin")
	_, secret := f.user(t, "c@example.nhs.uk", "clinician")
	admin := f.signIn(t, "admin@example.nhs.uk", adminSecret)
	c := f.signIn(t, "c@example.nhs.uk", secret)
	cp, _ := f.ids.Authenticate(ctx, c.Token)
	ap, _ := f.ids.Authenticate(ctx, admin.Token)
	if err := f.ids.RevokeDevice(ctx, cp, ap.Device.ID, true); !fault.Is(err, fault.NotFound) {
		t.Errorf("clinician RevokeDevice(admin's device) = %v; want NotFound", err)
	}
	if err := f.ids.RevokeDevice(ctx, ap, c.Device.ID, true); err != nil {
		t.Fatalf("admin RevokeDevice = %v", err)
	}
	if _, err := f.ids.Authenticate(ctx, c.Token); !fault.Is(err, fault.Unauthenticated) {
		t.Errorf("Authenticate(revoked device) = %v; want Unauthenticated", err)
	}
	// Signing in again names the revoked device but gets a new one.
	si, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "c@example.nhs.uk", Password: strong, Code: f.code(secret), Device: identity.DeviceInput{ID: c.Device.ID, Kind: "web"}})
	if err != nil || si.Device.ID == c.Device.ID {
		t.Errorf("SignIn naming a revoked device = %v, %v; want a new device", si, err)
	}
	devs, _ := f.ids.ListOrgDevices(ctx, ap)
	if len(devs) != 3 {
		t.Errorf("ListOrgDevices = %d devices; want 3", len(devs))
	}
	if _, err := f.ids.ListOrgDevices(ctx, cp); !fault.Is(err, fault.Unauthenticated) && !fault.Is(err, fault.Forbidden) {
		t.Errorf("clinician ListOrgDevices = %v; want refused", err)
	}
	n, err := f.ids.VerifyAudit(ctx)
	if err != nil || n < 6 {
		t.Errorf("VerifyAudit = %d, %v; want an intact chain of the actions above", n, err)
	}
}

func TestSetupAndEnrolment(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), keyring.New())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	clk := &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	ids := identity.NewService(store, slog.New(slog.NewTextHandler(io.Discard, nil)), clk.now)
	tok, err := ids.EnsureSetup(ctx)
	if err != nil || tok == "" {
		t.Fatalf("EnsureSetup = %q, %v; want a token", tok, err)
	}
	if _, err := ids.Setup(ctx, tok, identity.SetupInput{ODS: "no!", OrgName: "X", Name: "A", Email: "a@x.nhs.uk"}, ""); !fault.Is(err, fault.Invalid) {
		t.Fatalf("Setup(bad ODS) = %v; want Invalid", err)
	}
	enrol, err := ids.Setup(ctx, tok, identity.SetupInput{ODS: "A81001", OrgName: "Riverside Surgery", Name: "Ann Admin", Email: "ann@x.nhs.uk"}, "")
	if err != nil {
		t.Fatalf("Setup = %v", err)
	}
	if _, err := ids.Setup(ctx, tok, identity.SetupInput{ODS: "A81002", OrgName: "Other", Name: "B", Email: "b@x.nhs.uk"}, ""); !fault.Is(err, fault.NotFound) {
		t.Errorf("Setup(used token) = %v; want NotFound", err)
	}
	if again, _ := ids.EnsureSetup(ctx); again != "" {
		t.Errorf("EnsureSetup after setup = %q; want none", again)
	}
	testSetupLinkLifetime(t)
	if _, err := ids.EnrolPassword(ctx, enrol, "password123", ""); !fault.Is(err, fault.Invalid) {
		t.Errorf("EnrolPassword(weak) = %v; want Invalid", err)
	}
	key, err := ids.EnrolPassword(ctx, enrol, strong, "")
	if err != nil {
		t.Fatalf("EnrolPassword = %v", err)
	}
	if _, err := ids.EnrolConfirm(ctx, enrol, "000000", identity.DeviceInput{Kind: "web"}, ""); !fault.Is(err, fault.Invalid) {
		t.Errorf("EnrolConfirm(wrong code) = %v; want Invalid", err)
	}
	code, _ := identity.TOTPCode(key.Secret, identity.TOTPCounter(clk.now()))
	si, err := ids.EnrolConfirm(ctx, enrol, code, identity.DeviceInput{Name: "Firefox", Kind: "web"}, "")
	if err != nil || !si.User.Has(identity.RoleAdmin) {
		t.Fatalf("EnrolConfirm = %v, %v; want a signed-in admin", si, err)
	}
	if _, _, err := ids.EnrolInfo(ctx, enrol); !fault.Is(err, fault.NotFound) {
		t.Errorf("EnrolInfo(used link) = %v; want NotFound", err)
	}
	p, _ := ids.Authenticate(ctx, si.Token)
	u, link, err := ids.AddUser(ctx, p, identity.NewUser{Email: "ann@x.nhs.uk", Name: "Dup", Roles: []string{"clinician"}})
	if !fault.Is(err, fault.Conflict) {
		t.Errorf("AddUser(duplicate email) = %v, %q, %v; want Conflict", u, link, err)
	}
	_, link, err = ids.AddUser(ctx, p, identity.NewUser{Email: "cara@x.nhs.uk", Name: "Cara", Roles: []string{"clinician"}})
	if err != nil {
		t.Fatalf("AddUser = %v", err)
	}
	if _, _, err := ids.EnrolInfo(ctx, link); err != nil {
		t.Errorf("EnrolInfo(new link) = %v; want valid", err)
	}
	if _, _, err := ids.ReissueEnrolment(ctx, p, "no-such-user"); !fault.Is(err, fault.NotFound) {
		t.Errorf("ReissueEnrolment(unknown user) = %v; want NotFound", err)
	}
	var cara *identity.User
	users, _ := ids.ListUsers(ctx, p)
	for _, x := range users {
		if x.Email == "cara@x.nhs.uk" {
			cara = x
		}
	}
	_, again, err := ids.ReissueEnrolment(ctx, p, cara.ID)
	if err != nil {
		t.Fatalf("ReissueEnrolment = %v", err)
	}
	if _, _, err := ids.EnrolInfo(ctx, link); !fault.Is(err, fault.NotFound) {
		t.Errorf("EnrolInfo(replaced link) = %v; want NotFound", err)
	}
	link = again
	if _, _, err := ids.EnrolInfo(ctx, link); err != nil {
		t.Errorf("EnrolInfo(reissued link) = %v; want valid", err)
	}
	clk.add(8 * 24 * time.Hour)
	if _, _, err := ids.EnrolInfo(ctx, link); !fault.Is(err, fault.NotFound) {
		t.Errorf("EnrolInfo(link 8 days old) = %v; want NotFound", err)
	}
}

// testSetupLinkLifetime: the first-start link lasts an hour, and dies once
// any organisation exists, even one made at the console.
func testSetupLinkLifetime(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), keyring.New())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	clk := &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	ids := identity.NewService(store, slog.New(slog.NewTextHandler(io.Discard, nil)), clk.now)
	tok, err := ids.EnsureSetup(ctx)
	if err != nil || tok == "" {
		t.Fatalf("EnsureSetup = %q, %v", tok, err)
	}
	clk.add(59 * time.Minute)
	if err := ids.CheckSetup(ctx, tok); err != nil {
		t.Errorf("CheckSetup after 59 minutes = %v; want a live link", err)
	}
	clk.add(2 * time.Minute)
	if err := ids.CheckSetup(ctx, tok); !fault.Is(err, fault.NotFound) {
		t.Errorf("CheckSetup after 61 minutes = %v; want NotFound", err)
	}
	tok, err = ids.EnsureSetup(ctx) // the next start prints a new one
	if err != nil || tok == "" {
		t.Fatalf("EnsureSetup again = %q, %v", tok, err)
	}
	if _, err := ids.CreateOrg(ctx, "RXX", "Example Hospitals NHS Trust"); err != nil {
		t.Fatal(err)
	}
	if err := ids.CheckSetup(ctx, tok); !fault.Is(err, fault.NotFound) {
		t.Errorf("CheckSetup once an organisation exists = %v; want NotFound", err)
	}
	if _, err := ids.Setup(ctx, tok, identity.SetupInput{ODS: "A81001", OrgName: "Riverside Surgery", Name: "Eve", Email: "eve@x.nhs.uk"}, ""); !fault.Is(err, fault.NotFound) {
		t.Errorf("Setup once an organisation exists = %v; want NotFound", err)
	}
	if again, _ := ids.EnsureSetup(ctx); again != "" {
		t.Errorf("EnsureSetup once an organisation exists = %q; want none", again)
	}
}

// TestReissuedLinkKeepsCredentials: whoever opens a reissued enrolment
// link and sets a password cannot lock the person out: their password and
// authenticator work until the new ones are confirmed with a code, and
// only then are replaced.
func TestReissuedLinkKeepsCredentials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, adminSecret := f.user(t, "admin@x.nhs.uk", "admin")
	p := f.signIn(t, "admin@x.nhs.uk", adminSecret).Principal
	bob, secret := f.user(t, "bob@x.nhs.uk", "clinician")
	_, link, err := f.ids.ReissueEnrolment(ctx, &p, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	const other = "quartz meadow lantern drift"
	key, err := f.ids.EnrolPassword(ctx, link, other, "192.0.2.9")
	if err != nil {
		t.Fatalf("EnrolPassword = %v", err)
	}
	f.signIn(t, "bob@x.nhs.uk", secret) // the old password and code still work
	_, err = f.ids.SignIn(ctx, identity.SignInInput{Email: "bob@x.nhs.uk", Password: other, Code: f.code(key.Secret),
		Device: identity.DeviceInput{Kind: "web"}, Addr: "192.0.2.9"})
	if err == nil {
		t.Fatal("the unconfirmed password signed in")
	}
	f.clk.add(30 * time.Second)
	if _, err := f.ids.EnrolConfirm(ctx, link, f.code(key.Secret), identity.DeviceInput{Name: "Phone", Kind: "web"}, ""); err != nil {
		t.Fatalf("EnrolConfirm = %v", err)
	}
	f.clk.add(30 * time.Second)
	if _, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "bob@x.nhs.uk", Password: strong, Code: f.code(secret),
		Device: identity.DeviceInput{Kind: "web"}, Addr: "192.0.2.1"}); err == nil {
		t.Error("the replaced password still signs in once the new one is confirmed")
	}
	f.clk.add(30 * time.Second)
	if _, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "bob@x.nhs.uk", Password: other, Code: f.code(key.Secret),
		Device: identity.DeviceInput{Kind: "web"}, Addr: "192.0.2.1"}); err != nil {
		t.Errorf("the confirmed password = %v; want it to sign in", err)
	}
}
