package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// listedConv is a line of `chat list --json`.
type listedConv struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Removed bool   `json:"removed"`
	Members []struct {
		Email  string `json:"email"`
		Device string `json:"device"`
	} `json:"members"`
}

func (d *device) list(t *testing.T) []listedConv {
	t.Helper()
	var out []listedConv
	for _, l := range strings.Split(strings.TrimSpace(d.chat(t, "list", "--json")), "\n") {
		if l == "" {
			continue
		}
		var c listedConv
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("%s: list printed %q: %v", d.name, l, err)
		}
		out = append(out, c)
	}
	return out
}

// waitList lists d's conversations until ok accepts them, for at most a
// minute: on a loaded CI machine each step (key derivation, commits,
// Welcomes) can take seconds.
func (d *device) waitList(t *testing.T, ok func([]listedConv) bool) []listedConv {
	t.Helper()
	var got []listedConv
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if got = d.list(t); ok(got) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	return got
}

func hasMember(c listedConv, device string) bool {
	return slices.ContainsFunc(c.Members, func(m struct {
		Email  string `json:"email"`
		Device string `json:"device"`
	}) bool {
		return m.Device == device
	})
}

// TestChatNewDeviceJoins: a person's new device (a second login) joins
// every conversation they are in by itself, while a colleague's device is
// online, and reads what is sent after it joined; a device that signs out
// for good leaves them, and signing in again on a new profile brings the
// person back without anyone adding them.
func TestChatNewDeviceJoins(t *testing.T) {
	w := &chatWorld{data: t.TempDir(), addr: freeAddr(t), profiles: t.TempDir(), clock: &clock{}}
	w.base = "http://" + w.addr
	if _, _, err := cli(t, "", "admin", "--data", w.data, "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatal(err)
	}
	ann := addAccount(t, w.data, "ann@example.nhs.uk", "admin")
	bob := addAccount(t, w.data, "bob@example.nhs.uk")
	cat := addAccount(t, w.data, "cat@example.nhs.uk")
	addAccount(t, w.data, "dan@example.nhs.uk")
	dev := func(name string, a *account) *device {
		return &device{name: name, profile: filepath.Join(w.profiles, name), passphrase: "passphrase of " + name, acct: a}
	}
	ann1, ann2, ann3, bob1, bob2, cat1 := dev("ann1", ann), dev("ann2", ann), dev("ann3", ann), dev("bob1", bob), dev("bob2", bob), dev("cat1", cat)
	srv := startServerAt(t, w.clock, w.data, "--addr", w.addr)
	ann1.login(t, w.clock, w.base)
	bob1.login(t, w.clock, w.base)
	ward := strings.TrimSpace(ann1.chat(t, "create", "--name", "Ward 7 handover", "--member", bob.email))
	theatre := strings.TrimSpace(bob1.chat(t, "create", "--name", "Theatre list", "--member", ann.email))
	before := unique(t, "before the phone")
	w.send(t, ann1, ward, before)

	// bob's device is online; ann signs in on a second device.
	wt := bob1.watch(t)
	defer wt.end()
	start := time.Now()
	ann2.login(t, w.clock, w.base)
	both := func(cs []listedConv) bool {
		ids := map[string]string{}
		for _, c := range cs {
			if !c.Removed {
				ids[c.ID] = c.Name
			}
		}
		return ids[ward] == "Ward 7 handover" && ids[theatre] == "Theatre list"
	}
	if got := ann2.waitList(t, both); !both(got) {
		t.Fatalf("ann's second device lists %+v; want both conversations by name", got)
	}
	t.Logf("a second device joined 2 conversations %v after login", time.Since(start))
	after := unique(t, "after the phone")
	w.send(t, bob1, ward, after)
	if diff := cmp.Diff([]string{after}, texts(ann2.read(t, ward))); diff != "" {
		t.Errorf("ann's second device reads (-want +got):\n%s; want only what was sent after it joined", diff)
	}
	fromPhone := unique(t, "from ann's phone")
	w.send(t, ann2, ward, fromPhone)
	if got := texts(bob1.read(t, ward)); !slices.Contains(got, fromPhone) {
		t.Errorf("bob reads %q; want the message from ann's new device", got)
	}

	// ann signs her first device out for good: it leaves both
	// conversations, and the others stop listing it.
	if _, err := ann1.sb(t, t.Context(), "", &strings.Builder{}, "logout", "--profile", ann1.profile); err != nil {
		t.Fatalf("logout: %v", err)
	}
	gone := func(cs []listedConv) bool {
		for _, c := range cs {
			if hasMember(c, ann1.id) {
				return false
			}
		}
		return len(cs) == 2
	}
	if got := bob1.waitList(t, gone); !gone(got) {
		t.Errorf("bob lists %+v; want ann's signed-out device gone from both", got)
	}
	if _, err := ann1.try(t, "", "list"); err == nil {
		t.Error("the signed-out profile still opens")
	}

	// bob signs out of his only device, then signs in on a new one: ann's
	// phone is online and adds it; bob is back in both conversations.
	wt.end()
	wa := ann2.watch(t)
	defer wa.end()
	if _, err := bob1.sb(t, t.Context(), "", &strings.Builder{}, "logout", "--profile", bob1.profile); err != nil {
		t.Fatalf("logout: %v", err)
	}
	bob2.login(t, w.clock, w.base)
	if got := bob2.waitList(t, both); !both(got) {
		wa.end()
		t.Fatalf("bob's new device lists %+v; want both conversations by name\nann's watch logged:\n%s\nthe server logged:\n%s", got, wa.stderr, srv.logs)
	}
	again := unique(t, "welcome back bob")
	w.send(t, ann2, theatre, again)
	if diff := cmp.Diff([]string{again}, texts(bob2.read(t, theatre))); diff != "" {
		t.Errorf("bob's new device reads (-want +got):\n%s", diff)
	}

	// cat has never signed in: ann adds her all the same, and her first
	// device joins by itself.
	ann2.chat(t, "add", ward, cat.email)
	cat1.login(t, w.clock, w.base)
	inWard := func(cs []listedConv) bool {
		return len(cs) == 1 && cs[0].ID == ward && cs[0].Name == "Ward 7 handover" && !cs[0].Removed
	}
	if got := cat1.waitList(t, inWard); !inWard(got) {
		t.Fatalf("cat's first device lists %+v; want the ward's conversation", got)
	}
	hi := unique(t, "hello cat")
	w.send(t, bob2, ward, hi)
	if diff := cmp.Diff([]string{hi}, texts(cat1.read(t, ward))); diff != "" {
		t.Errorf("cat reads (-want +got):\n%s", diff)
	}
	// bob is not an admin of ann's conversation: he cannot add someone new.
	if _, err := bob2.try(t, "", "add", ward, "dan@example.nhs.uk"); err == nil || !strings.Contains(userMessage(err), "admins") {
		t.Errorf("bob adds dan: %v; want a refusal naming the admins", err)
	}

	// A device that signs in and out again before anyone took it in
	// leaves a proposal naming a revoked device: the members' next commit
	// still goes through, and the device is then taken out.
	wa.end()
	ann3.login(t, w.clock, w.base)
	if _, err := ann3.sb(t, t.Context(), "", &strings.Builder{}, "logout", "--profile", ann3.profile); err != nil {
		t.Fatalf("logout: %v", err)
	}
	bob2.read(t, ward) // commits what is pending
	noAnn3 := func(cs []listedConv) bool {
		for _, c := range cs {
			if c.ID == ward && !hasMember(c, ann3.id) {
				return true
			}
		}
		return false
	}
	if got := bob2.waitList(t, noAnn3); !noAnn3(got) {
		t.Errorf("bob lists %+v; want the signed-out device out of the ward", got)
	}
	last := unique(t, "still going")
	w.send(t, bob2, ward, last)
	if got := texts(ann2.read(t, ward)); !slices.Contains(got, last) {
		t.Errorf("ann reads %q; want the conversation to carry on", got)
	}
}
