package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// afterRestart: nothing lost in the restart, bad input, and revocation.
func (w *chatWorld) afterRestart(t *testing.T, wt *watcher) {
	w.srv = startServerAt(t, w.clock, w.data, "--addr", w.addr, "--log-level", "debug")
	resumed := unique(t, "while cat's socket was resuming")
	w.send(t, w.ann1, w.conv, resumed)
	wt.waitFor(resumed, 20*time.Second)
	if err := wt.end(); err != nil {
		t.Errorf("cat's watch across the restart ended with %v", err)
	}
	if got := parseLines(t, wt.out.String()); countText(got, resumed) != 1 {
		t.Errorf("cat's watch across the restart printed %q; want the message sent after it, once", texts(got))
	}
	before := texts(w.cat1.read(t, w.conv))
	if len(before) < 10 {
		t.Fatalf("cat reads %d messages after the restart; want everything from before", len(before))
	}
	fresh := unique(t, "after the restart")
	w.send(t, w.cat1, w.conv, fresh)
	if got := texts(w.ann1.read(t, w.conv)); !slices.Contains(got, fresh) {
		t.Errorf("ann reads %q after the restart; want cat's new message", got)
	}

	t.Run("bad input", w.badInput)
	t.Run("revoked device leaves its groups", w.revocation)
}

// badInput: every mistake exits non-zero with one sentence.
func (w *chatWorld) badInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    *device
		args []string
		want string
	}{
		{"unknown conversation", w.ann1, []string{"read", strings.Repeat("ab", 16), "--json"}, "no conversation"},
		{"malformed conversation", w.ann1, []string{"read", "nope"}, "32 lower-case"},
		{"patient data", w.ann1, []string{"send", w.conv, "NHS 943 476 5919, DOB 12/03/1950"}, "NHS number, date of birth"},
		{"wrong passphrase", &device{name: "x", profile: w.ann1.profile, passphrase: "wrong"}, []string{"list"}, "passphrase is not right"},
		{"no passphrase", &device{name: "x", profile: w.ann1.profile}, []string{"list"}, "SWITCHBOARD_PASSPHRASE"},
		{"no profile", &device{name: "x", profile: t.TempDir(), passphrase: "p"}, []string{"list"}, "no profile"},
		{"not a member to remove", w.ann1, []string{"remove", w.conv, w.bob.email}, "not a member"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.d.try(t, "", tc.args...)
			if err == nil || !strings.Contains(userMessage(err), tc.want) || strings.Contains(userMessage(err), "\n") {
				t.Errorf("chat %v = %v; want one sentence containing %q", tc.args, err, tc.want)
			}
		})
	}
	if _, err := w.ann1.try(t, "call 07700 900123\n", "send", w.conv, "-"); err == nil || !strings.Contains(userMessage(err), "phone number") {
		t.Errorf("send - (a phone number on stdin) = %v; want a refusal naming a phone number", err)
	}
	wrong := &device{name: "wrong", profile: filepath.Join(w.profiles, "wrong"), passphrase: "p", acct: w.cat}
	var lout bytes.Buffer
	_, err := wrong.sb(t, context.Background(), "not the password\n", &lout, "login", "--server", w.base, "--email", w.cat.email,
		"--password-stdin", "--totp", "000000", "--profile", wrong.profile)
	if err == nil || userMessage(err) != "The email, password or security code is not right." {
		t.Errorf("login with a wrong password = %v; want the server's sentence", err)
	}
	if _, err := w.ann1.try(t, "", "send", w.conv, "NHS 943 476 5919", "--allow-pid"); err != nil {
		t.Errorf("send --allow-pid = %v; want it sent", err)
	}
	w.sent = append(w.sent, "NHS 943 476 5919")
	down := &device{name: "down", profile: filepath.Join(w.profiles, "down"), passphrase: "p", acct: w.cat}
	var out bytes.Buffer
	_, err = down.sb(t, context.Background(), "pw\n", &out, "login", "--server", "http://"+freeAddr(t), "--email", w.cat.email,
		"--password-stdin", "--totp", "123456", "--profile", down.profile)
	if err == nil || !strings.Contains(userMessage(err), "Could not reach the server") {
		t.Errorf("login to a server that is down = %v; want a sentence saying it could not be reached", err)
	}
}

// revocation: a revoked device is told to erase itself and is committed out
// of its groups by the members.
func (w *chatWorld) revocation(t *testing.T) {
	hc := &http.Client{Timeout: 10 * time.Second}
	var adm me
	api(t, hc, "POST", w.base+"/api/session", map[string]any{"email": w.ann.email, "password": w.ann.password,
		"code": w.ann.code(t, w.clock), "device": map[string]string{"name": "admin console", "kind": "bot"}}, nil, &adm)
	if adm.Token == "" {
		t.Fatal("admin sign-in gave no token")
	}
	// cat's device is watching when it is revoked: it is told to
	// erase itself, and does.
	ctx, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	var watchOut syncBuffer
	watchDone := make(chan error, 1)
	go func() {
		_, err := w.cat1.sb(t, ctx, "", &watchOut, "chat", "--profile", w.cat1.profile, "watch")
		watchDone <- err
	}()
	// The first ping may come in the watch's catch-up over HTTP;
	// the second, sent once the first was seen, comes over the
	// socket.
	for _, label := range []string{"first ping", "second ping"} {
		ping := unique(t, label)
		w.send(t, w.ann1, w.conv, ping)
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(watchOut.String(), ping) && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	auth := map[string]string{"Authorization": "Bearer " + adm.Token}
	if res := api(t, hc, "POST", w.base+"/api/admin/devices/"+w.cat1.id+"/revoke", nil, auth, nil); res.StatusCode >= 300 {
		t.Fatalf("revoke cat's device: %s", res.Status)
	}
	if err := <-watchDone; err == nil || !strings.Contains(userMessage(err), "revoked") {
		t.Errorf("cat's watch ended with %v; want a sentence saying the device was revoked", err)
	}
	if _, err := os.Stat(filepath.Join(w.cat1.profile, "header")); err == nil {
		t.Errorf("cat's revoked device kept its profile")
	}
	w.ann1.read(t, w.conv) // ann's device commits the server's removal proposal
	out := w.ann1.chat(t, "list", "--json")
	if strings.Contains(out, w.cat.email) {
		t.Errorf("ann lists %s; want cat's revoked device gone", out)
	}
	last := unique(t, "after cat was revoked")
	w.send(t, w.ann2, w.conv, last)
	if got := texts(w.ann1.read(t, w.conv)); !slices.Contains(got, last) {
		t.Errorf("ann reads %q; want the group to work on without cat", got)
	}
	if _, err := w.cat1.try(t, "", "read", w.conv, "--json"); err == nil {
		t.Errorf("cat's revoked device can still read")
	}
}
