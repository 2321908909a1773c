package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/nats/natstest"
	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
)

// TestNodesDeliverLiveAcrossNATS runs two nodes on one PostgreSQL
// database, linked by NATS: a device connected to one node receives live
// what was sent through the other, in order and once; then one node is
// killed mid-stream, its devices reconnect to the other through the load
// balancer and resume, and no acknowledged message is lost or repeated.
func TestNodesDeliverLiveAcrossNATS(t *testing.T) {
	dbURL := pgtest.Database(t)
	natsURL := natstest.URL(t)
	key := filepath.Join(t.TempDir(), "secrets.key") // one key file for every node and the console
	where := []string{"--database-url", dbURL, "--secrets-key-file", key}
	if _, errOut, err := cli(t, "", append(append([]string{"admin"}, where...), "org", "add", "--ods", "RXX", "--name", "Example Trust")...); err != nil {
		t.Fatalf("org add = %v (%s)", err, errOut)
	}
	ann := addAccountIn(t, where, "ann@example.nhs.uk", "admin")
	bob := addAccountIn(t, where, "bob@example.nhs.uk")
	cat := addAccountIn(t, where, "cat@example.nhs.uk")

	shared := []string{"--database-url", dbURL, "--secrets-key-file", key, "--nats-url", natsURL}
	nodeA := startServer(t, t.TempDir(), shared...)
	nodeB := startNodeProcess(t, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--turn-addr", "127.0.0.1:0"}, shared...)...)
	lb := newBalancer(t, nodeB.base, nodeA.base)

	profiles := t.TempDir()
	dev := func(name string, a *account) *device {
		return &device{name: name, profile: filepath.Join(profiles, name), passphrase: "passphrase of " + name, acct: a}
	}
	ann1, bob1, bob2, cat1 := dev("ann1", ann), dev("bob1", bob), dev("bob2", bob), dev("cat1", cat)
	ann1.login(t, nil, nodeA.base)
	bob1.login(t, nil, nodeB.base)
	bob2.login(t, nil, lb)
	cat1.login(t, nil, lb)
	conv := strings.TrimSpace(ann1.chat(t, "create", "--name", "Major incident cell", "--member", bob.email, "--member", cat.email))
	if len(conv) != 32 {
		t.Fatalf("create printed %q; want a conversation ID", conv)
	}

	t.Run("live across nodes", func(t *testing.T) {
		onB, onA := bob1.watch(t), ann1.watch(t)
		defer onB.end()
		defer onA.end()
		first := unique(t, "first through node A")
		ann1.chat(t, "send", conv, first)
		onB.waitFor(first, 20*time.Second) // bob's socket is open on node B
		want := []string{first}
		for i := range 20 {
			m := unique(t, "through node A "+string(rune('a'+i)))
			ann1.chat(t, "send", conv, m)
			want = append(want, m)
		}
		onB.waitFor(want[len(want)-1], 20*time.Second)
		checkWatched(t, "bob's device on node B", onB, want, want)

		back := unique(t, "reply through node B")
		bob1.chat(t, "send", conv, back)
		onA.waitFor(back, 20*time.Second)
		checkWatched(t, "ann's device on node A", onA, []string{back}, []string{back})
	})

	t.Run("a node dies mid-stream", func(t *testing.T) {
		w := bob2.watch(t) // its socket goes to node B, through the balancer
		defer w.end()
		opening := unique(t, "before node B dies")
		ann1.chat(t, "send", conv, opening)
		w.waitFor(opening, 20*time.Second)
		if !strings.Contains(w.out.String(), opening) {
			t.Fatalf("bob's second device watched %q; want the opening message", w.out.String())
		}
		acked := []string{opening}
		var all []string // acknowledged or not: a failed send goes again with the next command
		for i := range 30 {
			if i == 10 {
				nodeB.kill(t)
			}
			sender := ann1 // straight to node A
			if i%2 == 1 {
				sender = cat1 // through the balancer, to either node
			}
			m := unique(t, "mid-stream "+string(rune('a'+i)))
			all = append(all, m)
			if out, err := sender.try(t, "", "send", conv, m); err == nil && len(strings.TrimSpace(out)) == 32 {
				acked = append(acked, m)
			}
		}
		closing := unique(t, "after node B died")
		ann1.chat(t, "send", conv, closing)
		acked = append(acked, closing)
		w.waitFor(closing, 30*time.Second)
		if len(acked) < 25 {
			t.Errorf("%d of 32 sends acknowledged while node B died; want nearly all (the other node answers)", len(acked))
		}
		checkWatched(t, "bob's device that moved from node B to node A", w, acked, append(append([]string{opening}, all...), closing))
		if got := texts(cat1.read(t, conv)); len(got) < len(acked) {
			t.Errorf("cat reads %d messages after node B died; want at least the %d acknowledged", len(got), len(acked))
		}
	})
}

// checkWatched checks that a watch printed every text of must exactly
// once, nothing outside may, and everything in sequence order.
func checkWatched(t *testing.T, who string, w *watcher, must, may []string) {
	t.Helper()
	got := parseLines(t, w.out.String())
	allowed := map[string]bool{}
	for _, m := range may {
		allowed[m] = true
	}
	seen := map[string]int{}
	var last uint64
	for _, m := range got {
		if !allowed[m.Text] {
			continue // earlier messages, caught up on connecting
		}
		seen[m.Text]++
		if m.Seq <= last {
			t.Errorf("%s: watch printed seq %d after seq %d; want each stream in order", who, m.Seq, last)
		}
		last = m.Seq
	}
	for _, m := range must {
		if seen[m] != 1 {
			t.Errorf("%s: watch printed %q %d times; want once", who, m, seen[m])
		}
	}
	for m, n := range seen {
		if n > 1 {
			t.Errorf("%s: watch printed %q %d times; want at most once", who, m, n)
		}
	}
}

// nodeProcess is `switchboard serve` running as a process of its own.
type nodeProcess struct {
	base string
	cmd  *exec.Cmd
	logs *syncBuffer
	once sync.Once
}

// startNodeProcess runs the test binary as `switchboard args...` (see
// TestMain) and waits for it to print its URL.
func startNodeProcess(t *testing.T, args ...string) *nodeProcess {
	t.Helper()
	n := &nodeProcess{logs: &syncBuffer{}}
	n.cmd = exec.Command(os.Args[0], args...)
	n.cmd.Env = append(os.Environ(), "SWITCHBOARD_TEST_MAIN=1")
	n.cmd.Stderr = n.logs
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.kill(t) })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if after, ok := strings.CutPrefix(sc.Text(), "Switchboard is running at "); ok {
				urls <- after
			}
		}
	}()
	select {
	case n.base = <-urls:
	case <-time.After(60 * time.Second):
		t.Fatalf("node process printed no URL within 60 s; logs:\n%s", n.logs)
	}
	return n
}

// kill ends the node at once, as a power cut would: no clean shutdown.
func (n *nodeProcess) kill(t *testing.T) {
	n.once.Do(func() {
		_ = n.cmd.Process.Signal(syscall.SIGKILL)
		_ = n.cmd.Wait()
		t.Logf("node %s killed", n.base)
	})
}

// newBalancer starts a load balancer in front of nodes and returns its
// URL. WebSocket handshakes go to the first node that answers, in the
// order given; other requests take turns among the nodes. A node that
// refuses the connection is skipped, as a balancer's health check would.
func newBalancer(t *testing.T, nodes ...string) string {
	t.Helper()
	b := &balancer{tr: &http.Transport{DisableKeepAlives: true}}
	for _, n := range nodes {
		u, err := url.Parse(n)
		if err != nil {
			t.Fatal(err)
		}
		b.nodes = append(b.nodes, u)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(*httputil.ProxyRequest) {}, Transport: b,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "no node answered", http.StatusBadGateway)
		}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

type balancer struct {
	tr    *http.Transport
	nodes []*url.URL
	mu    sync.Mutex
	turn  int
}

func (b *balancer) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	order := append([]*url.URL(nil), b.nodes...)
	if r.Header.Get("Upgrade") == "" {
		b.mu.Lock()
		b.turn++
		k := b.turn % len(order)
		b.mu.Unlock()
		order = append(order[k:], order[:k]...)
	}
	var err error
	for _, n := range order {
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host, out.Host = n.Scheme, n.Host, n.Host
		out.Body = io.NopCloser(bytes.NewReader(body))
		var res *http.Response
		if res, err = b.tr.RoundTrip(out); err == nil {
			return res, nil
		}
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" {
			return nil, err // the node took the request: not safe to send it twice
		}
	}
	return nil, err
}
