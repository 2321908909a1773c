package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// keyPackagesRunOut: when someone's KeyPackages are all claimed, their
// last-resort KeyPackage still lets them be added, more than once, and
// their device uploads a new stock.
func (w *chatWorld) keyPackagesRunOut(t *testing.T) {
	w.srv = startServerAt(t, w.clock, w.data, "--addr", w.addr, "--log-level", "debug")
	hc := &http.Client{Timeout: 10 * time.Second}
	var bot me
	api(t, hc, "POST", w.base+"/api/session", map[string]any{"email": w.cat.email, "password": w.cat.password,
		"code": w.cat.code(t, w.clock), "device": map[string]string{"name": "claims", "kind": "bot"}}, nil, &bot)
	if bot.Token == "" {
		t.Fatal("sign-in gave no token")
	}
	auth := map[string]string{"Authorization": "Bearer " + bot.Token}
	claim := func() []byte {
		var out struct {
			KeyPackages []struct {
				Device     string `json:"device"`
				KeyPackage []byte `json:"key_package"`
			} `json:"key_packages"`
		}
		api(t, hc, "POST", w.base+"/api/keypackages/claim", map[string]any{"emails": []string{w.bob.email}}, auth, &out)
		for _, k := range out.KeyPackages {
			if k.Device == w.bob1.id {
				return k.KeyPackage
			}
		}
		t.Fatalf("claim gave no KeyPackage for bob's device")
		return nil
	}
	// Drain the stock: the same KeyPackage twice in a row is the last resort.
	prev, drained := claim(), false
	for i := 0; i < 100 && !drained; i++ {
		kp := claim()
		drained = slices.Equal(kp, prev)
		prev = kp
	}
	if !drained {
		t.Fatal("bob's device never got down to its last-resort KeyPackage")
	}
	for _, name := range []string{"First on the last resort", "Second on the last resort"} {
		id := strings.TrimSpace(w.ann1.chat(t, "create", "--name", name, "--member", w.bob.email))
		m := unique(t, name)
		w.send(t, w.ann1, id, m)
		if got := texts(w.bob1.read(t, id)); !slices.Equal(got, []string{m}) {
			t.Errorf("bob reads %q in %q; want ann's message", got, name)
		}
	}
	w.bob1.chat(t, "list") // tops up the stock
	if kp := claim(); slices.Equal(kp, prev) {
		t.Errorf("bob's device still hands out its last resort after listing; want a new stock")
	}
}
