package main

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/client/filestore"
)

// crashCycles is how often TestCrashSafety kills the server.
const crashCycles = 20

// TestCrashSafety kills a server on SQLite with SIGKILL 20 times while a
// device sends without pause, and restarts it each time on the same data
// directory and address. The sender's client keeps every unacknowledged
// message in its outbox and offers it again with the same client ID. In
// the end every message the server acknowledged is on every member device
// exactly once and in the order sent, no message is there twice, and the
// audit chain is intact.
func TestCrashSafety(t *testing.T) {
	start := time.Now()
	data := t.TempDir()
	if _, errOut, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RXX", "--name", "Example Trust"); err != nil {
		t.Fatalf("org add = %v (%s)", err, errOut)
	}
	ann := addAccount(t, data, "ann@example.nhs.uk")
	bob := addAccount(t, data, "bob@example.nhs.uk")
	cat := addAccount(t, data, "cat@example.nhs.uk")

	addr := freeAddr(t) // the same address after every restart, where the devices expect it
	serve := func() *nodeProcess {
		return startNodeProcess(t, "serve", "--addr", addr, "--data", data, "--turn-addr", "127.0.0.1:0", "--send-rate", "0", "--log-level", "warn")
	}
	node := serve()
	profiles := t.TempDir()
	dev := func(name string, a *account) *device {
		return &device{name: name, profile: filepath.Join(profiles, name), passphrase: "passphrase of " + name, acct: a}
	}
	ann1, bob1, cat1 := dev("ann1", ann), dev("bob1", bob), dev("cat1", cat)
	for _, d := range []*device{ann1, bob1, cat1} {
		d.login(t, nil, node.base)
	}
	conv := strings.TrimSpace(ann1.chat(t, "create", "--name", "Crash drill", "--member", bob.email, "--member", cat.email))
	if len(conv) != 32 {
		t.Fatalf("create printed %q; want a conversation ID", conv)
	}
	open := func(d *device) *client.Client {
		fsd, err := filestore.Open(d.profile)
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.Open(context.Background(), client.Options{Backend: fsd, Passphrase: []byte(d.passphrase)})
		if err != nil {
			t.Fatalf("open %s: %v", d.name, err)
		}
		return c
	}
	sender, reader := open(ann1), open(bob1)

	// The sender sends message after message. A send whose answer is lost
	// is offered again with the same client ID; one that still fails stays
	// in the client's outbox and goes before the next message.
	ctx, stop := context.WithCancel(context.Background())
	var (
		acked    atomic.Int64 // sends the server acknowledged
		failures atomic.Int64 // sends that failed
		took     atomic.Int64 // how long the last acknowledged send took
		kills    atomic.Int64
		spanned  atomic.Int64 // acknowledged sends that a kill interrupted
		mu       sync.Mutex
		ackedSet = map[string]bool{}
		tried    []string // every message offered, in order
		done     = make(chan struct{})
	)
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			text := fmt.Sprintf("crash drill message %06d", i)
			mu.Lock()
			tried = append(tried, text)
			mu.Unlock()
			began, killsBefore := time.Now(), kills.Load()
			if _, err := sender.Send(ctx, conv, text); err != nil {
				failures.Add(1)
				select { // the server is down: try again shortly
				case <-ctx.Done():
				case <-time.After(20 * time.Millisecond):
				}
				continue
			}
			mu.Lock()
			ackedSet[text] = true
			mu.Unlock()
			took.Store(int64(time.Since(began)))
			if kills.Load() != killsBefore {
				spanned.Add(1)
			}
			acked.Add(1)
		}
	}()
	// Another member syncs throughout, its cursor crossing the crashes.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for ctx.Err() == nil {
			if _, err := reader.Messages(ctx, conv); err != nil {
				select { // the server is down: try again shortly
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
			}
		}
	}()

	waitAcked := func(n int64, what string) {
		t.Helper()
		eventually(t, 30*time.Second, what, func() bool { return acked.Load() >= n })
	}
	for cycle := range crashCycles {
		// Kill once the sender has had a few more acknowledgements, at a
		// random moment within the next two sends' time, so that crashes
		// land anywhere in a send: its sync, before, during and after the
		// store's commit.
		waitAcked(acked.Load()+3, fmt.Sprintf("3 more sends acknowledged before kill %d", cycle+1))
		<-time.After(time.Duration(mrand.Int64N(2*took.Load() + 1)))
		node.kill(t)
		kills.Add(1)
		node = serve()
	}
	waitAcked(acked.Load()+3, "3 sends acknowledged after the last restart")
	stop()
	<-done
	<-readerDone
	t.Logf("%d kills; %d sends acknowledged (%d of them across a kill), %d failed while the server was down",
		crashCycles, acked.Load(), spanned.Load(), failures.Load())
	if spanned.Load() == 0 {
		t.Errorf("no acknowledged send had a kill in the middle of it; want crashes among sends in flight")
	}

	// The sender's next send flushes whatever its outbox still holds.
	last := "crash drill closing message"
	if _, err := sender.Send(context.Background(), conv, last); err != nil {
		t.Fatalf("Send after the last restart = %v; want it acknowledged", err)
	}
	tried, ackedSet[last] = append(tried, last), true
	order := map[string]int{}
	for i, m := range tried {
		order[m] = i
	}
	late := 0
	for _, d := range []*device{ann1, bob1, cat1} {
		c := open(d)
		got, err := c.Messages(context.Background(), conv)
		if err != nil {
			t.Fatalf("%s: Messages = %v", d.name, err)
		}
		late += checkCrashHistory(t, d.name, got, ackedSet, order)
	}
	t.Logf("%d messages whose send failed were stored from the outbox later, once", late/3)
	node.kill(t)
	if out, _, err := cli(t, "", "admin", "--data", data, "audit", "verify"); err != nil || !strings.Contains(out, "intact") {
		t.Errorf("audit verify after %d kills = %q, %v; want the chain intact", crashCycles, out, err)
	}
	t.Logf("took %v", time.Since(start).Round(time.Millisecond))
}

// checkCrashHistory checks one device's history of the conversation:
// every acknowledged message exactly once, nothing twice, nothing that
// was never sent, and everything in the order sent and in seq order. It
// returns how many messages it holds whose send was not acknowledged.
func checkCrashHistory(t *testing.T, who string, got []client.Message, acked map[string]bool, order map[string]int) int {
	t.Helper()
	seen := map[string]int{}
	lastIdx, lastSeq := -1, uint64(0)
	for _, m := range got {
		if m.Type != client.TypeText {
			continue
		}
		i, ok := order[m.Text]
		if !ok {
			t.Errorf("%s holds %q, which was never sent", who, m.Text)
			continue
		}
		seen[m.Text]++
		if i <= lastIdx || m.Seq <= lastSeq {
			t.Errorf("%s holds message %d (seq %d) after message %d (seq %d); want the order sent", who, i, m.Seq, lastIdx, lastSeq)
		}
		lastIdx, lastSeq = i, m.Seq
	}
	missing := 0
	for m := range acked {
		if seen[m] != 1 {
			missing++
			if missing <= 5 {
				t.Errorf("%s holds acknowledged %q %d times; want once", who, m, seen[m])
			}
		}
	}
	for m, n := range seen {
		if n > 1 && !acked[m] {
			t.Errorf("%s holds unacknowledged %q %d times; want at most once", who, m, n)
		}
	}
	if missing > 5 {
		t.Errorf("%s: %d acknowledged messages in all not held exactly once", who, missing)
	}
	late := 0
	for m := range seen {
		if !acked[m] {
			late++
		}
	}
	return late
}
