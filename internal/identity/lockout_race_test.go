package identity_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// TestLockoutUnderConcurrentGuesses: wrong passwords sent all at once (from
// many addresses, or to several server nodes) must each count, so that the
// account still locks after five, however many arrive together. (Those
// that read the account after it locked are refused without counting.)
func TestLockoutUnderConcurrentGuesses(t *testing.T) {
	f := newFixture(t)
	u, secret := f.user(t, "ann@example.nhs.uk", "clinician")
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			f.ids.SignIn(context.Background(), identity.SignInInput{Email: u.Email, Password: "wrong horse battery staple",
				Code: f.code(secret), Device: identity.DeviceInput{Name: "x", Kind: "web"}, Addr: fmt.Sprintf("198.51.100.%d", i)})
		})
	}
	wg.Wait()
	got, err := f.store.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FailedSignIns < 5 || got.LockedUntil.IsZero() {
		t.Errorf("after %d concurrent wrong passwords: FailedSignIns = %d, locked until %v; want at least 5 and locked", n, got.FailedSignIns, got.LockedUntil)
	}
}
