package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
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

// concurrentChanges: two devices commit at once, a member comes back, a
// commit's answer is lost, and a one-device user starts a conversation.
func (w *chatWorld) concurrentChanges(t *testing.T) {
	w.srv = startServerAt(t, w.clock, w.data, "--addr", w.addr, "--log-level", "debug")
	// bob signs in again into his profile: same device, same keys,
	// his history kept.
	oldID := w.bob1.id
	w.bob1.login(t, w.clock, w.base)
	if w.bob1.id != oldID {
		t.Errorf("signing in again gave device %s; want the profile's device %s", w.bob1.id, oldID)
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
	opened := w.srv.sockets(w.bob1.id)
	go func() {
		_, err := w.bob1.sb(t, bctx, "", &bobOut, "chat", "--profile", w.bob1.profile, "watch")
		bobDone <- err
	}()
	w.srv.waitSocket(t, w.bob1.id, opened)
	w.proxy.beforeCommit(func() { w.ann1.chat(t, "add", w.conv, w.bob.email) })
	w.ann2.chat(t, "add", w.conv, w.bob.email)
	var members []string
	for _, l := range strings.Split(strings.TrimSpace(w.ann2.chat(t, "list", "--json")), "\n") {
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
	if diff := cmp.Diff([]string{w.ann.email, w.ann.email, w.bob.email}, members); diff != "" {
		t.Errorf("members after both added bob (-want +got):\n%s", diff)
	}
	back := unique(t, "bob is back")
	w.send(t, w.ann2, w.conv, back)
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
	got := texts(w.bob1.read(t, w.conv))
	if !slices.Contains(got, back) {
		t.Errorf("bob, added back, reads %q; want the new message", got)
	}
	for _, m := range w.sent[:len(w.sent)-1] {
		if strings.Contains(m, "after bob left") && slices.Contains(got, m) {
			t.Errorf("bob reads %q, sent while he was out", m)
		}
	}

	w.lostCommitAnswer(t)
	w.soloConversation(t)
}

// lostCommitAnswer: a commit the server took but whose answer was lost
// is merged by the next command.
func (w *chatWorld) lostCommitAnswer(t *testing.T) {
	// The server takes ann's second device's commit but the answer is
	// lost: the command fails, and the next one finds the commit in
	// the stream and merges it; the group goes on in step.
	w.proxy.mu.Lock()
	w.proxy.commitDrops = 1
	w.proxy.mu.Unlock()
	if _, err := w.ann2.try(t, "", "remove", w.conv, w.bob.email); err == nil {
		t.Fatal("remove over a dropped link succeeded")
	}
	if out := w.ann2.chat(t, "list", "--json"); strings.Contains(out, w.bob.email) {
		t.Errorf("ann's second device lists %s; want bob removed by its own commit", out)
	}
	inStep := unique(t, "in step after the lost answer")
	w.send(t, w.ann2, w.conv, inStep)
	if got := texts(w.ann1.read(t, w.conv)); !slices.Contains(got, inStep) {
		t.Errorf("ann's first device reads %q; want the second device's message in the new epoch", got)
	}
}

// soloConversation: a one-device user starts a conversation; read
// receipts travel back to him.
func (w *chatWorld) soloConversation(t *testing.T) {
	// bob, with one device, starts a conversation of his own.
	solo := strings.TrimSpace(w.bob1.chat(t, "create", "--name", "Bob and Ann", "--member", w.ann.email))
	note := unique(t, "a note from bob")
	noteID := w.send(t, w.bob1, solo, note)
	for _, d := range []*device{w.ann1, w.ann2} {
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
	if err := open(w.ann1).SendReceipt(context.Background(), solo, noteID); err != nil {
		t.Fatalf("SendReceipt = %v", err)
	}
	bc := open(w.bob1)
	if _, err := bc.Messages(context.Background(), solo); err != nil {
		t.Fatal(err)
	}
	readBy, err := bc.ReadBy(solo)
	if err != nil || len(readBy[noteID]) != 1 || readBy[noteID][0].Email != w.ann.email || readBy[noteID][0].Device != w.ann1.id {
		t.Errorf("ReadBy = %+v, %v; want ann's first device to have read %s", readBy, err, noteID)
	}

	// ann is not an admin of bob's conversation: she cannot take bob out,
	// but she can leave, from either device, and both stop.
	if _, err := w.ann1.try(t, "", "remove", solo, w.bob.email); err == nil || !strings.Contains(err.Error(), "admins") {
		t.Errorf("a non-admin removing the creator = %v; want a refusal naming the admins", err)
	}
	if out := w.ann2.chat(t, "leave", solo); !strings.Contains(out, "left") {
		t.Errorf("leave printed %q", out)
	}
	if _, err := w.ann1.try(t, "", "send", solo, unique(t, "after leaving")); err == nil {
		t.Error("ann's other device sent to the conversation she left")
	}
	gone := unique(t, "after ann left")
	w.send(t, w.bob1, solo, gone)
	if out := w.bob1.chat(t, "list", "--json"); strings.Contains(out, w.ann.email) {
		t.Errorf("bob lists %s; want ann's devices removed once his device committed her leaving", out)
	}
	for _, d := range []*device{w.ann1, w.ann2} {
		if got := texts(d.read(t, solo)); slices.Contains(got, gone) || !slices.Contains(got, note) {
			t.Errorf("%s reads %q after leaving; want the earlier note and nothing after", d.name, got)
		}
	}
}

// noPlaintext searches the server's data directory and every profile for
// the texts sent.
func (w *chatWorld) noPlaintext(t *testing.T) {
	if len(w.sent) < 15 {
		t.Fatalf("only %d messages were sent; the search would prove little", len(w.sent))
	}
	scanned, sawConv := 0, false
	for _, dir := range []string{w.data, w.profiles} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			scanned += len(b)
			sawConv = sawConv || bytes.Contains(b, []byte(w.conv))
			// A device's records are sealed: no field names of its
			// keys or state, no account, nothing readable.
			if dir == w.profiles && d.Name() != "header" {
				for _, s := range []string{`"sig_priv"`, `"init_priv"`, `"state"`, `"text"`, w.ann.email, w.bob.email, w.cat.email} {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("%s holds %s in the clear", path, s)
					}
				}
			}
			for _, s := range w.sent {
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
}
