package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// unique returns a string that appears nowhere by chance, to be looked
// for later in the server's and devices' files.
func unique(t *testing.T, label string) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	return label + " zq" + hex.EncodeToString(b)
}

// TestChatEndToEnd drives three people on four devices through the real
// server with the real command line: a group, messages both ways, adding
// and removing members, catching up, resending over a dropped
// connection, a server restart, and revocation. Then it searches the
// server's files and the devices' profiles for any text that was sent.
func TestChatEndToEnd(t *testing.T) {
	w := newChatWorld(t)
	if !t.Run("before restart", w.beforeRestart) {
		return
	}
	// cat's device watches across the restart: the socket drops with the
	// server and resumes from its cursor when the server is back.
	wt := w.cat1.watch(t)
	defer wt.end()
	if !t.Run("after restart", func(t *testing.T) { w.afterRestart(t, wt) }) {
		return
	}
	t.Run("two devices change the group at once", w.concurrentChanges)
	t.Run("KeyPackages run out", w.keyPackagesRunOut)
	t.Run("no plaintext at rest", w.noPlaintext)
}

// chatWorld is the installation and the devices the test drives.
type chatWorld struct {
	data, addr, base, profiles string
	ann, bob, cat              *account
	ann1, ann2, bob1, cat1     *device
	conv                       string   // the ward's conversation
	sent                       []string // every text sent, to search the files for
	proxy                      *dropProxy
	proxyURL                   string  // ann's second device's flaky link
	clock                      *clock  // the server's, across its restarts
	srv                        *server // the one running now
}

func newChatWorld(t *testing.T) *chatWorld {
	t.Helper()
	w := &chatWorld{data: t.TempDir(), addr: freeAddr(t), profiles: t.TempDir(), clock: &clock{}}
	w.base = "http://" + w.addr
	if _, _, err := cli(t, "", "admin", "--data", w.data, "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatal(err)
	}
	w.ann = addAccount(t, w.data, "ann@example.nhs.uk", "admin")
	w.bob = addAccount(t, w.data, "bob@example.nhs.uk")
	w.cat = addAccount(t, w.data, "cat@example.nhs.uk")
	dev := func(name string, a *account) *device {
		return &device{name: name, profile: filepath.Join(w.profiles, name), passphrase: "passphrase of " + name, acct: a}
	}
	w.ann1, w.ann2, w.bob1, w.cat1 = dev("ann1", w.ann), dev("ann2", w.ann), dev("bob1", w.bob), dev("cat1", w.cat)
	w.proxy, w.proxyURL = newDropProxy(t, w.base)
	return w
}

// send sends text from d and returns the message ID it printed.
func (w *chatWorld) send(t *testing.T, d *device, conv, text string) string {
	t.Helper()
	w.sent = append(w.sent, text)
	out := d.chat(t, "send", conv, text)
	if id := strings.TrimSpace(out); len(id) != 32 {
		t.Fatalf("%s: send printed %q; want a message ID", d.name, out)
	}
	return strings.TrimSpace(out)
}

// beforeRestart: a group, messages both ways, members added and removed,
// a live watch, catching up, and resending over a flaky link.
func (w *chatWorld) beforeRestart(t *testing.T) {
	w.srv = startServerAt(t, w.clock, w.data, "--addr", w.addr, "--log-level", "debug")
	w.ann1.login(t, w.clock, w.base)
	w.ann2.login(t, w.clock, w.proxyURL) // ann's second device reaches the server through a flaky link
	w.bob1.login(t, w.clock, w.base)
	w.cat1.login(t, w.clock, w.base)

	w.conv = strings.TrimSpace(w.ann1.chat(t, "create", "--name", "Ward 7 handover", "--member", w.bob.email))
	if len(w.conv) != 32 {
		t.Fatalf("create printed %q; want a conversation ID", w.conv)
	}

	hello := unique(t, "hello from ann")
	id := w.send(t, w.ann1, w.conv, hello)
	got := w.bob1.read(t, w.conv)
	if len(got) != 1 || got[0].Text != hello || got[0].Sender != w.ann.email || got[0].ID != id {
		t.Fatalf("bob reads %+v; want ann's message %s", got, id)
	}
	reply := unique(t, "reply from bob")
	w.send(t, w.bob1, w.conv, reply)
	for _, d := range []*device{w.ann1, w.ann2} {
		if diff := cmp.Diff([]string{hello, reply}, texts(d.read(t, w.conv))); diff != "" {
			t.Errorf("%s reads (-want +got):\n%s", d.name, diff)
		}
	}
	fromPhone := unique(t, "from ann's second device")
	w.send(t, w.ann2, w.conv, fromPhone)
	if got := texts(w.bob1.read(t, w.conv)); !slices.Contains(got, fromPhone) {
		t.Errorf("bob reads %q; want ann's second device's message", got)
	}

	// cat joins later and sees nothing from before.
	w.ann1.chat(t, "add", w.conv, w.cat.email)
	if got := w.cat1.read(t, w.conv); len(got) != 0 {
		t.Errorf("cat, just added, reads %q; want nothing from before the join", texts(got))
	}
	welcome := unique(t, "welcome cat")
	w.send(t, w.ann1, w.conv, welcome)
	if diff := cmp.Diff([]string{welcome}, texts(w.cat1.read(t, w.conv))); diff != "" {
		t.Errorf("cat reads (-want +got):\n%s", diff)
	}
	type listed struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Members []struct {
			Email string `json:"email"`
		} `json:"members"`
	}
	var list []listed
	for _, l := range strings.Split(strings.TrimSpace(w.cat1.chat(t, "list", "--json")), "\n") {
		var item listed
		if err := json.Unmarshal([]byte(l), &item); err != nil {
			t.Fatal(err)
		}
		list = append(list, item)
	}
	if len(list) != 1 || list[0].ID != w.conv || list[0].Name != "Ward 7 handover" || len(list[0].Members) != 4 {
		t.Errorf("cat lists %+v; want the one conversation by name with four devices", list)
	}

	// watch prints a new message as soon as it arrives.
	ctx, stop := context.WithCancel(context.Background())
	var watchOut syncBuffer
	watchDone := make(chan error, 1)
	opened := w.srv.sockets(w.cat1.id)
	go func() {
		_, err := w.cat1.sb(t, ctx, "", &watchOut, "chat", "--profile", w.cat1.profile, "watch")
		watchDone <- err
	}()
	live := unique(t, "live to cat")
	w.srv.waitSocket(t, w.cat1.id, opened)
	w.send(t, w.bob1, w.conv, live)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(watchOut.String(), live) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if err := <-watchDone; err != nil {
		t.Errorf("watch ended with %v", err)
	}
	if got := parseLines(t, watchOut.String()); countText(got, live) != 1 {
		t.Errorf("watch printed %q; want the live message once", texts(got))
	}

	w.leavingAndCatchingUp(t)
	w.resendOverFlakyLink(t)
	w.watchWithoutSockets(t)
}

// watchWithoutSockets: behind a proxy that does not carry WebSockets,
// watch falls back to long-polling and still prints each message as it
// arrives.
func (w *chatWorld) watchWithoutSockets(t *testing.T) {
	w.proxy.mu.Lock()
	w.proxy.noSockets, w.proxy.polls = true, 0
	w.proxy.mu.Unlock()
	defer func() {
		w.proxy.mu.Lock()
		w.proxy.noSockets = false
		w.proxy.mu.Unlock()
	}()
	wt := w.ann2.watch(t)
	defer wt.end()
	polling := func() bool { w.proxy.mu.Lock(); defer w.proxy.mu.Unlock(); return w.proxy.polls > 0 }
	for deadline := time.Now().Add(10 * time.Second); !polling() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !polling() {
		t.Fatal("watch never long-polled with the socket refused")
	}
	// Send while a poll is open, so that the message ends a waiting poll.
	eventually(t, 10*time.Second, "a poll open", func() bool { w.proxy.mu.Lock(); defer w.proxy.mu.Unlock(); return w.proxy.openPolls > 0 })
	for i := range 2 {
		text := unique(t, fmt.Sprintf("while polling %d", i))
		start := time.Now()
		w.send(t, w.ann1, w.conv, text)
		wt.waitFor(text, 10*time.Second)
		if !strings.Contains(wt.out.String(), text) {
			t.Fatalf("the long-polling watch did not print %q", text)
		}
		t.Logf("long-poll delivery %d: %v from send to print", i, time.Since(start))
	}
	if err := wt.end(); err != nil {
		t.Errorf("watch ended with %v", err)
	}
}

// leavingAndCatchingUp: a removed member reads and sends nothing more; an
// offline member catches up in order.
func (w *chatWorld) leavingAndCatchingUp(t *testing.T) {
	// bob leaves; he cannot read what follows, nor send.
	w.ann1.chat(t, "remove", w.conv, w.bob.email)
	secret := unique(t, "after bob left")
	w.send(t, w.ann1, w.conv, secret)
	if got := texts(w.bob1.read(t, w.conv)); slices.Contains(got, secret) {
		t.Errorf("bob, removed, reads %q", got)
	}
	if _, err := w.bob1.try(t, "", "send", w.conv, "still here?"); err == nil || !strings.Contains(userMessage(err), "no longer a member") {
		t.Errorf("bob's send after removal = %v; want a refusal saying he is not a member", err)
	}
	if got := texts(w.cat1.read(t, w.conv)); !slices.Contains(got, secret) {
		t.Errorf("cat reads %q; want the message after bob left", got)
	}

	// cat is offline while ann sends five; cat catches up in order.
	var burst []string
	for i := range 5 {
		m := unique(t, "burst "+string(rune('a'+i)))
		burst = append(burst, m)
		w.send(t, w.ann1, w.conv, m)
	}
	got := w.cat1.read(t, w.conv)
	if diff := cmp.Diff(burst, texts(got)[len(got)-5:]); diff != "" {
		t.Errorf("cat catches up (-want +got):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Errorf("cat's messages out of order: %d after %d", got[i].Seq, got[i-1].Seq)
		}
	}
}

// resendOverFlakyLink: messages whose acknowledgement was lost are resent
// with the same ID and stored once.
func (w *chatWorld) resendOverFlakyLink(t *testing.T) {
	// The link drops after the server stored the message: the client
	// resends with the same ID, and the server stores it once.
	w.proxy.arm(1)
	flaky := unique(t, "over a flaky link")
	flakyID := w.send(t, w.ann2, w.conv, flaky)
	// Then the link drops every attempt: the send fails, and the
	// next send delivers the first, once, before itself.
	w.proxy.arm(10)
	lost := unique(t, "lost then resent")
	w.sent = append(w.sent, lost)
	if _, err := w.ann2.try(t, "", "send", w.conv, lost); err == nil || !strings.Contains(userMessage(err), "kept on this device") {
		t.Fatalf("send over a dead link = %v; want a sentence saying the message is kept", err)
	}
	w.proxy.arm(0)
	after := unique(t, "after the link came back")
	w.send(t, w.ann2, w.conv, after)
	got := w.cat1.read(t, w.conv)
	for _, m := range []string{flaky, lost, after} {
		if countText(got, m) != 1 {
			t.Errorf("cat reads %q %d times; want once", m, countText(got, m))
		}
	}
	if tx := texts(got); slices.Index(tx, lost) > slices.Index(tx, after) {
		t.Errorf("the resent message comes after the next one: %q", tx)
	}
	// Each client ID and each ciphertext is stored at one seq only.
	byID, byCT := map[string]map[uint64]bool{}, map[string]map[uint64]bool{}
	for _, s := range w.proxy.recorded() {
		if s.Seq == 0 {
			continue // refused (a stale epoch), not stored
		}
		for k, m := range map[string]map[string]map[uint64]bool{s.ClientID: byID, s.Message: byCT} {
			if m[k] == nil {
				m[k] = map[uint64]bool{}
			}
			m[k][s.Seq] = true
		}
	}
	if len(byID[flakyID]) != 1 {
		t.Errorf("the resent message was stored at seqs %v; want one", byID[flakyID])
	}
	for _, m := range []map[string]map[uint64]bool{byID, byCT} {
		for k, s := range m {
			if len(s) > 1 {
				t.Errorf("message %.40s… stored at seqs %v; want one", k, s)
			}
		}
	}
	if len(byCT) != 4 {
		t.Errorf("ann's second device's messages were stored %d times; want 4", len(byCT))
	}
}
