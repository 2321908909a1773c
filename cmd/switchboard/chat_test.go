package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/client/filestore"
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
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	if _, _, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatal(err)
	}
	ann := addAccount(t, data, "ann@example.nhs.uk", "admin")
	bob := addAccount(t, data, "bob@example.nhs.uk")
	cat := addAccount(t, data, "cat@example.nhs.uk")
	profiles := t.TempDir()
	dev := func(name string, a *account) *device {
		return &device{name: name, profile: filepath.Join(profiles, name), passphrase: "passphrase of " + name, acct: a}
	}
	ann1, ann2, bob1, cat1 := dev("ann1", ann), dev("ann2", ann), dev("bob1", bob), dev("cat1", cat)
	var sent []string // every text sent, to search the files for
	send := func(t *testing.T, d *device, conv, text string) string {
		t.Helper()
		sent = append(sent, text)
		out := d.chat(t, "send", conv, text)
		if id := strings.TrimSpace(out); len(id) != 32 {
			t.Fatalf("%s: send printed %q; want a message ID", d.name, out)
		}
		return strings.TrimSpace(out)
	}
	var conv string
	proxy, proxyURL := newDropProxy(t, base)

	ok := t.Run("before restart", func(t *testing.T) {
		startServer(t, data, "--addr", addr)
		ann1.login(t, base)
		ann2.login(t, proxyURL) // ann's second device reaches the server through a flaky link
		bob1.login(t, base)
		cat1.login(t, base)

		conv = strings.TrimSpace(ann1.chat(t, "create", "--name", "Ward 7 handover", "--member", bob.email))
		if len(conv) != 32 {
			t.Fatalf("create printed %q; want a conversation ID", conv)
		}

		hello := unique(t, "hello from ann")
		id := send(t, ann1, conv, hello)
		got := bob1.read(t, conv)
		if len(got) != 1 || got[0].Text != hello || got[0].Sender != ann.email || got[0].ID != id {
			t.Fatalf("bob reads %+v; want ann's message %s", got, id)
		}
		reply := unique(t, "reply from bob")
		send(t, bob1, conv, reply)
		for _, d := range []*device{ann1, ann2} {
			if diff := cmp.Diff([]string{hello, reply}, texts(d.read(t, conv))); diff != "" {
				t.Errorf("%s reads (-want +got):\n%s", d.name, diff)
			}
		}
		fromPhone := unique(t, "from ann's second device")
		send(t, ann2, conv, fromPhone)
		if got := texts(bob1.read(t, conv)); !slices.Contains(got, fromPhone) {
			t.Errorf("bob reads %q; want ann's second device's message", got)
		}

		// cat joins later and sees nothing from before.
		ann1.chat(t, "add", conv, cat.email)
		if got := cat1.read(t, conv); len(got) != 0 {
			t.Errorf("cat, just added, reads %q; want nothing from before the join", texts(got))
		}
		welcome := unique(t, "welcome cat")
		send(t, ann1, conv, welcome)
		if diff := cmp.Diff([]string{welcome}, texts(cat1.read(t, conv))); diff != "" {
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
		for _, l := range strings.Split(strings.TrimSpace(cat1.chat(t, "list", "--json")), "\n") {
			var item listed
			if err := json.Unmarshal([]byte(l), &item); err != nil {
				t.Fatal(err)
			}
			list = append(list, item)
		}
		if len(list) != 1 || list[0].ID != conv || list[0].Name != "Ward 7 handover" || len(list[0].Members) != 4 {
			t.Errorf("cat lists %+v; want the one conversation by name with four devices", list)
		}

		// watch prints a new message as soon as it arrives.
		ctx, stop := context.WithCancel(context.Background())
		var watchOut syncBuffer
		watchDone := make(chan error, 1)
		go func() {
			_, err := cat1.sb(t, ctx, "", &watchOut, "chat", "--profile", cat1.profile, "watch")
			watchDone <- err
		}()
		live := unique(t, "live to cat")
		time.Sleep(500 * time.Millisecond) // let the socket open; a later start would catch up anyway
		send(t, bob1, conv, live)
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

		// bob leaves; he cannot read what follows, nor send.
		ann1.chat(t, "remove", conv, bob.email)
		secret := unique(t, "after bob left")
		send(t, ann1, conv, secret)
		if got := texts(bob1.read(t, conv)); slices.Contains(got, secret) {
			t.Errorf("bob, removed, reads %q", got)
		}
		if _, err := bob1.try(t, "", "send", conv, "still here?"); err == nil || !strings.Contains(userMessage(err), "no longer a member") {
			t.Errorf("bob's send after removal = %v; want a refusal saying he is not a member", err)
		}
		if got := texts(cat1.read(t, conv)); !slices.Contains(got, secret) {
			t.Errorf("cat reads %q; want the message after bob left", got)
		}

		// cat is offline while ann sends five; cat catches up in order.
		var burst []string
		for i := range 5 {
			m := unique(t, "burst "+string(rune('a'+i)))
			burst = append(burst, m)
			send(t, ann1, conv, m)
		}
		got = cat1.read(t, conv)
		if diff := cmp.Diff(burst, texts(got)[len(got)-5:]); diff != "" {
			t.Errorf("cat catches up (-want +got):\n%s", diff)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Seq <= got[i-1].Seq {
				t.Errorf("cat's messages out of order: %d after %d", got[i].Seq, got[i-1].Seq)
			}
		}

		// The link drops after the server stored the message: the client
		// resends with the same ID, and the server stores it once.
		proxy.arm(1)
		flaky := unique(t, "over a flaky link")
		flakyID := send(t, ann2, conv, flaky)
		// Then the link drops every attempt: the send fails, and the
		// next send delivers the first, once, before itself.
		proxy.arm(10)
		lost := unique(t, "lost then resent")
		sent = append(sent, lost)
		if _, err := ann2.try(t, "", "send", conv, lost); err == nil || !strings.Contains(userMessage(err), "kept on this device") {
			t.Fatalf("send over a dead link = %v; want a sentence saying the message is kept", err)
		}
		proxy.arm(0)
		after := unique(t, "after the link came back")
		send(t, ann2, conv, after)
		got = cat1.read(t, conv)
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
		for _, s := range proxy.recorded() {
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
	})

	if !ok {
		return
	}
	// cat's device watches across the restart: the socket drops with the
	// server and resumes from its cursor when the server is back.
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	var watchOut syncBuffer
	watchDone := make(chan error, 1)
	go func() {
		_, err := cat1.sb(t, watchCtx, "", &watchOut, "chat", "--profile", cat1.profile, "watch")
		watchDone <- err
	}()
	ok = t.Run("after restart", func(t *testing.T) {
		startServer(t, data, "--addr", addr)
		resumed := unique(t, "while cat's socket was resuming")
		send(t, ann1, conv, resumed)
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(watchOut.String(), resumed) && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		stopWatch()
		if err := <-watchDone; err != nil {
			t.Errorf("cat's watch across the restart ended with %v", err)
		}
		if got := parseLines(t, watchOut.String()); countText(got, resumed) != 1 {
			t.Errorf("cat's watch across the restart printed %q; want the message sent after it, once", texts(got))
		}
		before := texts(cat1.read(t, conv))
		if len(before) < 10 {
			t.Fatalf("cat reads %d messages after the restart; want everything from before", len(before))
		}
		fresh := unique(t, "after the restart")
		send(t, cat1, conv, fresh)
		if got := texts(ann1.read(t, conv)); !slices.Contains(got, fresh) {
			t.Errorf("ann reads %q after the restart; want cat's new message", got)
		}

		t.Run("bad input", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				d    *device
				args []string
				want string
			}{
				{"unknown conversation", ann1, []string{"read", strings.Repeat("ab", 16), "--json"}, "no conversation"},
				{"malformed conversation", ann1, []string{"read", "nope"}, "32 lower-case"},
				{"patient data", ann1, []string{"send", conv, "NHS 943 476 5919, DOB 12/03/1950"}, "NHS number, date of birth"},
				{"wrong passphrase", &device{name: "x", profile: ann1.profile, passphrase: "wrong"}, []string{"list"}, "passphrase is not right"},
				{"no passphrase", &device{name: "x", profile: ann1.profile}, []string{"list"}, "SWITCHBOARD_PASSPHRASE"},
				{"no profile", &device{name: "x", profile: t.TempDir(), passphrase: "p"}, []string{"list"}, "no profile"},
				{"not a member to remove", ann1, []string{"remove", conv, bob.email}, "not a member"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := tc.d.try(t, "", tc.args...)
					if err == nil || !strings.Contains(userMessage(err), tc.want) || strings.Contains(userMessage(err), "\n") {
						t.Errorf("chat %v = %v; want one sentence containing %q", tc.args, err, tc.want)
					}
				})
			}
			if _, err := ann1.try(t, "call 07700 900123\n", "send", conv, "-"); err == nil || !strings.Contains(userMessage(err), "phone number") {
				t.Errorf("send - (a phone number on stdin) = %v; want a refusal naming a phone number", err)
			}
			wrong := &device{name: "wrong", profile: filepath.Join(profiles, "wrong"), passphrase: "p", acct: cat}
			var lout bytes.Buffer
			_, err := wrong.sb(t, context.Background(), "not the password\n", &lout, "login", "--server", base, "--email", cat.email,
				"--password-stdin", "--totp", "000000", "--profile", wrong.profile)
			if err == nil || userMessage(err) != "The email, password or security code is not right." {
				t.Errorf("login with a wrong password = %v; want the server's sentence", err)
			}
			if _, err := ann1.try(t, "", "send", conv, "NHS 943 476 5919", "--allow-pid"); err != nil {
				t.Errorf("send --allow-pid = %v; want it sent", err)
			}
			sent = append(sent, "NHS 943 476 5919")
			down := &device{name: "down", profile: filepath.Join(profiles, "down"), passphrase: "p", acct: cat}
			var out bytes.Buffer
			_, err = down.sb(t, context.Background(), "pw\n", &out, "login", "--server", "http://"+freeAddr(t), "--email", cat.email,
				"--password-stdin", "--totp", "123456", "--profile", down.profile)
			if err == nil || !strings.Contains(userMessage(err), "Could not reach the server") {
				t.Errorf("login to a server that is down = %v; want a sentence saying it could not be reached", err)
			}
		})

		t.Run("revoked device leaves its groups", func(t *testing.T) {
			hc := &http.Client{Timeout: 10 * time.Second}
			var adm me
			api(t, hc, "POST", base+"/api/session", map[string]any{"email": ann.email, "password": ann.password,
				"code": ann.code(t), "device": map[string]string{"name": "admin console", "kind": "bot"}}, nil, &adm)
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
				_, err := cat1.sb(t, ctx, "", &watchOut, "chat", "--profile", cat1.profile, "watch")
				watchDone <- err
			}()
			// The first ping may come in the watch's catch-up over HTTP;
			// the second, sent once the first was seen, comes over the
			// socket.
			for _, label := range []string{"first ping", "second ping"} {
				ping := unique(t, label)
				send(t, ann1, conv, ping)
				for deadline := time.Now().Add(10 * time.Second); !strings.Contains(watchOut.String(), ping) && time.Now().Before(deadline); {
					time.Sleep(20 * time.Millisecond)
				}
			}
			auth := map[string]string{"Authorization": "Bearer " + adm.Token}
			if res := api(t, hc, "POST", base+"/api/admin/devices/"+cat1.id+"/revoke", nil, auth, nil); res.StatusCode >= 300 {
				t.Fatalf("revoke cat's device: %s", res.Status)
			}
			if err := <-watchDone; err == nil || !strings.Contains(userMessage(err), "revoked") {
				t.Errorf("cat's watch ended with %v; want a sentence saying the device was revoked", err)
			}
			if _, err := os.Stat(filepath.Join(cat1.profile, "header")); err == nil {
				t.Errorf("cat's revoked device kept its profile")
			}
			ann1.read(t, conv) // ann's device commits the server's removal proposal
			out := ann1.chat(t, "list", "--json")
			if strings.Contains(out, cat.email) {
				t.Errorf("ann lists %s; want cat's revoked device gone", out)
			}
			last := unique(t, "after cat was revoked")
			send(t, ann2, conv, last)
			if got := texts(ann1.read(t, conv)); !slices.Contains(got, last) {
				t.Errorf("ann reads %q; want the group to work on without cat", got)
			}
			if _, err := cat1.try(t, "", "read", conv, "--json"); err == nil {
				t.Errorf("cat's revoked device can still read")
			}
		})
	})

	if !ok {
		return
	}
	t.Run("two devices change the group at once", func(t *testing.T) {
		startServer(t, data, "--addr", addr)
		// bob signs in again into his profile: same device, same keys,
		// his history kept.
		oldID := bob1.id
		bob1.login(t, base)
		if bob1.id != oldID {
			t.Errorf("signing in again gave device %s; want the profile's device %s", bob1.id, oldID)
		}
		// ann's two devices both add bob back. The first device's commit
		// wins the epoch while the second's is on its way; the second
		// gets a conflict, fetches and merges the winner, and finds
		// nothing left to do.
		// bob's device is watching when it is added back: the Welcome
		// reaches it over the socket, and so does the next message.
		bctx, bstop := context.WithCancel(context.Background())
		defer bstop()
		var bobOut syncBuffer
		bobDone := make(chan error, 1)
		go func() {
			_, err := bob1.sb(t, bctx, "", &bobOut, "chat", "--profile", bob1.profile, "watch")
			bobDone <- err
		}()
		time.Sleep(time.Second)
		proxy.beforeCommit(func() { ann1.chat(t, "add", conv, bob.email) })
		ann2.chat(t, "add", conv, bob.email)
		var members []string
		for _, l := range strings.Split(strings.TrimSpace(ann2.chat(t, "list", "--json")), "\n") {
			var item struct {
				Members []struct {
					Email string `json:"email"`
				} `json:"members"`
			}
			if err := json.Unmarshal([]byte(l), &item); err != nil {
				t.Fatal(err)
			}
			for _, m := range item.Members {
				members = append(members, m.Email)
			}
		}
		slices.Sort(members)
		if diff := cmp.Diff([]string{ann.email, ann.email, bob.email}, members); diff != "" {
			t.Errorf("members after both added bob (-want +got):\n%s", diff)
		}
		back := unique(t, "bob is back")
		send(t, ann2, conv, back)
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(bobOut.String(), back) && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		bstop()
		if err := <-bobDone; err != nil {
			t.Errorf("bob's watch ended with %v", err)
		}
		if got := parseLines(t, bobOut.String()); countText(got, back) != 1 {
			t.Errorf("bob's watch printed %q; want the message after he was added back, once", texts(got))
		}
		got := texts(bob1.read(t, conv))
		if !slices.Contains(got, back) {
			t.Errorf("bob, added back, reads %q; want the new message", got)
		}
		for _, m := range sent[:len(sent)-1] {
			if strings.Contains(m, "after bob left") && slices.Contains(got, m) {
				t.Errorf("bob reads %q, sent while he was out", m)
			}
		}

		// The server takes ann's second device's commit but the answer is
		// lost: the command fails, and the next one finds the commit in
		// the stream and merges it; the group goes on in step.
		proxy.mu.Lock()
		proxy.commitDrops = 1
		proxy.mu.Unlock()
		if _, err := ann2.try(t, "", "remove", conv, bob.email); err == nil {
			t.Fatal("remove over a dropped link succeeded")
		}
		if out := ann2.chat(t, "list", "--json"); strings.Contains(out, bob.email) {
			t.Errorf("ann's second device lists %s; want bob removed by its own commit", out)
		}
		inStep := unique(t, "in step after the lost answer")
		send(t, ann2, conv, inStep)
		if got := texts(ann1.read(t, conv)); !slices.Contains(got, inStep) {
			t.Errorf("ann's first device reads %q; want the second device's message in the new epoch", got)
		}

		// bob, with one device, starts a conversation of his own.
		solo := strings.TrimSpace(bob1.chat(t, "create", "--name", "Bob and Ann", "--member", ann.email))
		note := unique(t, "a note from bob")
		noteID := send(t, bob1, solo, note)
		for _, d := range []*device{ann1, ann2} {
			if got := texts(d.read(t, solo)); !slices.Equal(got, []string{note}) {
				t.Errorf("%s reads %q in bob's conversation; want his note", d.name, got)
			}
		}

		// ann's first device says it has read the note; bob's device
		// learns it, end to end encrypted.
		open := func(d *device) *client.Client {
			fsd, err := filestore.Open(d.profile)
			if err != nil {
				t.Fatal(err)
			}
			c, err := client.Open(context.Background(), client.Options{Backend: fsd, Passphrase: []byte(d.passphrase)})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if err := open(ann1).SendReceipt(context.Background(), solo, noteID); err != nil {
			t.Fatalf("SendReceipt = %v", err)
		}
		bc := open(bob1)
		if _, err := bc.Messages(context.Background(), solo); err != nil {
			t.Fatal(err)
		}
		readBy, err := bc.ReadBy(solo)
		if err != nil || len(readBy[noteID]) != 1 || readBy[noteID][0].Email != ann.email || readBy[noteID][0].Device != ann1.id {
			t.Errorf("ReadBy = %+v, %v; want ann's first device to have read %s", readBy, err, noteID)
		}
	})
	t.Run("no plaintext at rest", func(t *testing.T) {
		if len(sent) < 15 {
			t.Fatalf("only %d messages were sent; the search would prove little", len(sent))
		}
		scanned, sawConv := 0, false
		for _, dir := range []string{data, profiles} {
			err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				scanned += len(b)
				sawConv = sawConv || bytes.Contains(b, []byte(conv))
				// A device's records are sealed: no field names of its
				// keys or state, no account, nothing readable.
				if dir == profiles && d.Name() != "header" {
					for _, s := range []string{`"sig_priv"`, `"init_priv"`, `"state"`, `"text"`, ann.email, bob.email, cat.email} {
						if bytes.Contains(b, []byte(s)) {
							t.Errorf("%s holds %s in the clear", path, s)
						}
					}
				}
				for _, s := range sent {
					if bytes.Contains(b, []byte(s)) || len(s) > 18 && bytes.Contains(b, []byte(s[len(s)-18:])) {
						t.Errorf("%s holds the plaintext %q", path, s)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		// The search must be able to find text: the server does keep the
		// conversation's ID.
		if !sawConv || scanned < 1<<16 {
			t.Errorf("the search read %d bytes and found the conversation ID: %v; it proves nothing", scanned, sawConv)
		}
	})
}
