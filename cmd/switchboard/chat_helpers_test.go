package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// account is a user made with `admin user add`, whose TOTP steps are
// handed out once each, as the server accepts them.
type account struct {
	email, password, secret string
	lastStep                int64
}

// code returns a TOTP code this account has not used, for a server on
// clk: the current step's, unless the account has used it, when clk moves
// on to the next step. A nil clk is real time (a node running as a process
// of its own), on which the step after the current one also works, as the
// server allows a step of drift; past that the test fails rather than wait.
func (a *account) code(t *testing.T, clk *clock) string {
	t.Helper()
	var step int64
	if clk == nil {
		now := identity.TOTPCounter(time.Now())
		step = max(now, a.lastStep+1)
		if step > now+1 {
			t.Fatalf("%s has used the codes of steps %d and %d; a server on real time would make the test wait for the next", a.email, now, now+1)
		}
	} else {
		step = clk.step()
		if step <= a.lastStep {
			step = a.lastStep + 1
			clk.toStep(step)
		}
	}
	a.lastStep = step
	c, err := identity.TOTPCode(a.secret, step)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// addAccount adds a user to the organisation RXX in data.
func addAccount(t *testing.T, data, email string, roles ...string) *account {
	t.Helper()
	return addAccountIn(t, []string{"--data", data}, email, roles...)
}

// addAccountIn adds a user to the organisation RXX in the store that
// where (admin's --data or --database-url flag) names.
func addAccountIn(t *testing.T, where []string, email string, roles ...string) *account {
	t.Helper()
	a := &account{email: email, password: "tulip ladder velvet orbit " + email}
	args := append(append([]string{"admin"}, where...), "user", "add", "--org", "RXX", "--email", email, "--name", "Test "+email,
		"--password-stdin", "--json")
	for _, r := range append(roles, "clinician") {
		args = append(args, "--role", r)
	}
	out, _, err := cli(t, a.password+"\n", args...)
	if err != nil {
		t.Fatalf("user add %s: %v", email, err)
	}
	var res struct {
		Secret string `json:"totp_secret"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Secret == "" {
		t.Fatalf("user add %s printed %q", email, out)
	}
	a.secret = res.Secret
	return a
}

// device is one CLI profile.
type device struct {
	name, profile, passphrase string
	acct                      *account
	id                        string
	clk                       *clock // the device's clock; nil is real time
}

// sb runs the binary's run with the device's passphrase in the
// environment.
func (d *device) sb(t *testing.T, ctx context.Context, stdin string, stdout io.Writer, args ...string) (string, error) {
	t.Helper()
	var errb bytes.Buffer
	env := func(k string) string {
		if k == passphraseEnv {
			return d.passphrase
		}
		return ""
	}
	now := time.Now
	if d.clk != nil {
		now = d.clk.now
	}
	err := runAt(ctx, now, args, env, strings.NewReader(stdin), stdout, &errb)
	return errb.String(), err
}

// login signs the device in to server, whose clock is clk (nil for real
// time).
func (d *device) login(t *testing.T, clk *clock, server string) {
	t.Helper()
	var out bytes.Buffer
	stderr, err := d.sb(t, context.Background(), d.acct.password+"\n", &out, "login", "--server", server, "--email", d.acct.email,
		"--password-stdin", "--totp", d.acct.code(t, clk), "--profile", d.profile)
	if err != nil {
		t.Fatalf("%s: login: %v (%s)", d.name, err, stderr)
	}
	f := strings.Fields(strings.TrimSuffix(out.String(), ".\n"))
	d.id = f[len(f)-1]
}

// chat runs a chat command and returns its output, failing the test on
// error.
func (d *device) chat(t *testing.T, args ...string) string {
	t.Helper()
	out, err := d.try(t, "", args...)
	if err != nil {
		t.Fatalf("%s: chat %s: %v", d.name, strings.Join(args, " "), err)
	}
	return out
}

// try runs a chat command and returns its output and error.
func (d *device) try(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	_, err := d.sb(t, context.Background(), stdin, &out, append([]string{"chat", "--profile", d.profile}, args...)...)
	return out.String(), err
}

type shownMessage struct {
	ID     string    `json:"id"`
	Seq    uint64    `json:"seq"`
	Sender string    `json:"sender"`
	Text   string    `json:"text"`
	SentAt time.Time `json:"sent_at"`
}

// read returns the device's messages in a conversation.
func (d *device) read(t *testing.T, conv string) []shownMessage {
	t.Helper()
	return parseLines(t, d.chat(t, "read", conv, "--json"))
}

func parseLines(t *testing.T, out string) []shownMessage {
	t.Helper()
	var ms []shownMessage
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m shownMessage
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not a JSON message: %v", l, err)
		}
		if m.ID == "" || m.Sender == "" || m.SentAt.IsZero() {
			t.Fatalf("line %q lacks id, sender or sent_at", l)
		}
		ms = append(ms, m)
	}
	return ms
}

func texts(ms []shownMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

func countText(ms []shownMessage, text string) int {
	n := 0
	for _, m := range ms {
		if m.Text == text {
			n++
		}
	}
	return n
}

// freeAddr returns a loopback address nothing listens on, so that a
// server can be restarted where its clients expect it.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// dropProxy forwards to the server but, when armed, forwards a message
// send and then cuts the connection before the answer reaches the
// client, as a dropped mobile connection would. It records each send's
// client ID and the seq the server gave it.
type dropProxy struct {
	mu     sync.Mutex
	drops  int
	sends  []proxiedSend
	rp     *httputil.ReverseProxy
	before func() // run once before the next commit is forwarded
	// commitDrops cuts the connection after this many commits reach the
	// server.
	commitDrops int
	// noSockets refuses WebSocket upgrades, as a proxy that does not
	// carry them; polls counts the long-polls that passed, and open those
	// not answered yet.
	noSockets bool
	polls     int
	openPolls int
}

type proxiedSend struct {
	ClientID string
	Message  string // the ciphertext, as sent
	Seq      uint64
	Dropped  bool
}

func newDropProxy(t *testing.T, target string) (*dropProxy, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{rp: httputil.NewSingleHostReverseProxy(u)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return p, "http://" + l.Addr().String()
}

func (p *dropProxy) arm(n int) { p.mu.Lock(); p.drops = n; p.mu.Unlock() }

// beforeCommit arranges for f to run just before the next commit
// reaches the server, so that another device's commit can win the epoch.
func (p *dropProxy) beforeCommit(f func()) { p.mu.Lock(); p.before = f; p.mu.Unlock() }

func (p *dropProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	noSockets := p.noSockets
	if r.URL.Path == "/api/poll" {
		p.polls++
		p.openPolls++
		defer func() { p.mu.Lock(); p.openPolls--; p.mu.Unlock() }()
	}
	p.mu.Unlock()
	if noSockets && r.URL.Path == "/api/ws" {
		http.Error(w, "this proxy does not carry WebSockets", http.StatusBadGateway)
		return
	}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/commits") {
		p.mu.Lock()
		f := p.before
		p.before = nil
		drop := p.commitDrops > 0
		if drop {
			p.commitDrops--
		}
		p.mu.Unlock()
		if f != nil {
			f()
		}
		if drop {
			rec := &recorder{header: http.Header{}}
			p.rp.ServeHTTP(rec, r)
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
	}
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/messages") {
		p.rp.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in struct {
		ClientID string `json:"client_id"`
		Message  string `json:"message"`
	}
	json.Unmarshal(body, &in)
	rec := &recorder{header: http.Header{}}
	p.rp.ServeHTTP(rec, r)
	var out struct {
		Seq uint64 `json:"seq"`
	}
	json.Unmarshal(rec.body.Bytes(), &out)
	p.mu.Lock()
	drop := p.drops > 0
	if drop {
		p.drops--
	}
	p.sends = append(p.sends, proxiedSend{ClientID: in.ClientID, Message: in.Message, Seq: out.Seq, Dropped: drop})
	p.mu.Unlock()
	if drop {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

func (p *dropProxy) recorded() []proxiedSend {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxiedSend(nil), p.sends...)
}

// recorder keeps a proxied answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) { r.status = s }

// watcher is a running `chat watch`.
type watcher struct {
	out    syncBuffer
	done   chan error
	stop   context.CancelFunc
	err    error
	over   bool
	stderr string // what the watch logged, once it has ended
}

// watch starts `chat watch` on the device until end is called.
func (d *device) watch(t *testing.T) *watcher {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	w := &watcher{done: make(chan error, 1), stop: stop}
	go func() {
		stderr, err := d.sb(t, ctx, "", &w.out, "chat", "--profile", d.profile, "watch")
		w.stderr = stderr
		w.done <- err
	}()
	return w
}

// waitFor waits until the watch has printed text, or for at most d.
func (w *watcher) waitFor(text string, d time.Duration) {
	for deadline := time.Now().Add(d); !strings.Contains(w.out.String(), text) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
}

// end stops the watch and returns how it ended.
func (w *watcher) end() error {
	if !w.over {
		w.stop()
		w.err, w.over = <-w.done, true
	}
	return w.err
}
