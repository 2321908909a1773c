package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// answer is what a sign-in attempt tells the person: the kind, the
// sentence with its times taken out, and how long to wait.
type answer struct {
	kind  fault.Kind
	msg   string
	retry time.Duration
}

func answerOf(err error) answer {
	a := answer{kind: fault.KindOf(err), msg: fault.Message(err)}
	if fe, ok := err.(*fault.Error); ok {
		a.retry = fe.RetryAfter
	}
	return a
}

// TestSignInAnswersDoNotTellWhoHasAnAccount: a real account, an unknown
// email and an account added but not yet enrolled get the same answers,
// attempt by attempt, lockout included.
func TestSignInAnswersDoNotTellWhoHasAnAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, adminSecret := f.user(t, "admin@example.nhs.uk", "admin")
	admin := f.signIn(t, "admin@example.nhs.uk", adminSecret)
	f.user(t, "real@example.nhs.uk", "clinician")
	if _, _, err := f.ids.AddUser(ctx, &admin.Principal, identity.NewUser{Email: "new@example.nhs.uk", Name: "Not Enrolled", Roles: []string{"clinician"}}); err != nil {
		t.Fatal(err)
	}
	emails := []string{"real@example.nhs.uk", "nobody@example.nhs.uk", "new@example.nhs.uk"}
	for attempt := 1; attempt <= 7; attempt++ {
		var first answer
		for i, email := range emails {
			// Each from its own address, so the per-address limit is not
			// what answers.
			_, err := f.ids.SignIn(ctx, identity.SignInInput{Email: email, Password: "wrong password here", Code: "000000",
				Addr: "192.0.2." + string(rune('1'+i))})
			got := answerOf(err)
			if i == 0 {
				first = got
				continue
			}
			if got != first {
				t.Errorf("attempt %d: %s is answered %+v; %s is answered %+v", attempt, email, got, emails[0], first)
			}
		}
		if attempt == 5 && first.kind != fault.TooMany {
			t.Errorf("attempt 5 = %+v; want the lockout", first)
		}
	}
}

// TestLockedAccountLetsItsKnownDevicesIn: failures from elsewhere lock an
// account, but the person, on a device they have signed in on before,
// still gets in with the right password and code; a new device waits.
func TestLockedAccountLetsItsKnownDevicesIn(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, secret := f.user(t, "a@example.nhs.uk", "clinician")
	phone := f.signIn(t, "a@example.nhs.uk", secret)
	for i := 1; i <= 5; i++ {
		f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: "guess number " + string(rune('0'+i)), Code: "000000", Addr: "203.0.113.66"})
	}
	_, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: strong, Code: f.code(secret),
		Device: identity.DeviceInput{Name: "New laptop", Kind: "web"}, Addr: "192.0.2.1"})
	if !fault.Is(err, fault.TooMany) {
		t.Fatalf("SignIn on a new device while locked = %v; want TooMany", err)
	}
	si, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: strong, Code: f.code(secret),
		Device: identity.DeviceInput{ID: phone.Device.ID, Name: "Test browser", Kind: "web"}, Addr: "192.0.2.1"})
	if err != nil || si.Device.ID != phone.Device.ID {
		t.Fatalf("SignIn on a known device while locked = %v, %v; want the person signed in on it", si, err)
	}
	f.clk.add(30 * time.Second)

	// A device ID is no secret: someone using it to get past the lock
	// gets three tries in it, then is locked out like anyone else.
	for i := 1; i <= 5; i++ {
		f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: "guess again " + string(rune('0'+i)), Code: "000000", Addr: "203.0.113.66"})
	}
	for i := 1; i <= 3; i++ {
		if _, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: strong, Code: "000000",
			Device: identity.DeviceInput{ID: phone.Device.ID, Kind: "web"}, Addr: "203.0.113.66"}); !fault.Is(err, fault.Unauthenticated) {
			t.Fatalf("wrong code %d from a known device while locked = %v; want Unauthenticated", i, err)
		}
	}
	if _, err := f.ids.SignIn(ctx, identity.SignInInput{Email: "a@example.nhs.uk", Password: strong, Code: f.code(secret),
		Device: identity.DeviceInput{ID: phone.Device.ID, Kind: "web"}, Addr: "192.0.2.1"}); !fault.Is(err, fault.TooMany) {
		t.Errorf("a known device after three failed tries in the lock = %v; want TooMany", err)
	}
}
