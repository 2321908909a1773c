package httpd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/mls"
	"github.com/switchboard-nhs/switchboard/internal/pdf"
	"github.com/switchboard-nhs/switchboard/internal/records"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
	"github.com/switchboard-nhs/switchboard/internal/webpush"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// msgClock is a settable time source for sign-ins (each needs a new TOTP
// step); messaging itself runs on real time.
type msgClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *msgClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *msgClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// msgFixture is a real server (SQLite in a temp dir, identity, messaging)
// behind httptest.
type msgFixture struct {
	t       *testing.T
	dir     string
	store   *sqlite.DB
	ids     *identity.Service
	svc     *messaging.Service
	inc     *incident.Service
	rec     *records.Service
	dpo     *dpo.Service
	bus     *lossyBus
	srv     *Server
	ts      *httptest.Server
	clk     *msgClock
	secrets map[string]string
}

const msgPassword = "tulip ladder velvet orbit"

func newMsgFixture(t *testing.T, limits messaging.Limits) *msgFixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, dir, keyring.New())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	clk := &msgClock{t: time.Now()}
	ids := identity.NewService(store, log, clk.now)
	keys, err := store.ServiceKeys(ctx, messaging.NewServiceKeys)
	if err != nil {
		t.Fatal(err)
	}
	pusher := webpush.New(keys.VAPIDPublic, keys.VAPIDPrivate, "mailto:test@example.nhs.uk", true)
	bus := &lossyBus{LocalBus: messaging.NewLocalBus()}
	svc, err := messaging.New(ctx, store, store, bus, messaging.NewHub(limits.SocketQueue, nil), pusher, log, time.Now, limits)
	if err != nil {
		t.Fatal(err)
	}
	ids.OnDeviceRevoked = svc.DeviceRevoked
	done := make(chan struct{})
	// Duty roles and urgent messages run on the settable clock; tests
	// sweep them by hand (Sweep) after moving it. It is made before the
	// delivery service runs, which it hooks into.
	inc := incident.New(store, store, svc, log, clk.now)
	rec := records.New(store, store, svc, log, clk.now)
	officer := dpo.New(store, store, store, svc.PushDevices, dpo.Deployment{Version: "test", PublicURL: "http://example.test"}, log, clk.now)
	go func() { defer close(done); svc.Run(ctx) }()
	assets := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Switchboard</title>")}}
	cs := consult.NewService(store, consult.NewHub(log), log, clk.now, "http://example.test")
	srv := New(Config{PublicURL: "http://example.test", Messaging: svc, Incident: inc, Records: rec, DPO: officer.WithRecords(rec), RenderPDF: pdf.Render, Consult: cs, PushHTTPLoopback: true}, log, clk.now, ids, assets, func() bool { return true })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		cancel()
		<-done
		store.Close()
	})
	if _, err := ids.CreateOrg(ctx, "RXX", "Example Hospitals NHS Trust"); err != nil {
		t.Fatal(err)
	}
	return &msgFixture{t: t, dir: dir, store: store, ids: ids, svc: svc, inc: inc, rec: rec, dpo: officer, bus: bus, srv: srv, ts: ts, clk: clk, secrets: map[string]string{}}
}

// lossyBus is the in-process bus, which can be told to lose events, as a
// node does whose link to the other nodes breaks.
type lossyBus struct {
	*messaging.LocalBus
	lose atomic.Bool
}

func (b *lossyBus) Publish(ctx context.Context, e messaging.Event) error {
	if b.lose.Load() && !e.Resync {
		return nil
	}
	return b.LocalBus.Publish(ctx, e)
}

// testLog sends server logs to the test's log.
type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// tdev is one signed-in device acting as an MLS client.
type tdev struct {
	f       *msgFixture
	email   string
	token   string
	id      string
	sigPriv []byte
	cred    mls.Credential
	kps     []*mls.KeyPackage
	privs   []*mls.KeyPackagePrivate
	groups  map[string]*mls.Group
	seen    map[string]int64 // the last seq processed, per conversation
}

// device signs in a new device of email (creating the user on first use),
// registers its credential and uploads KeyPackages.
func (f *msgFixture) device(email string, roles ...string) *tdev {
	t := f.t
	t.Helper()
	ctx := context.Background()
	if _, ok := f.secrets[email]; !ok {
		if len(roles) == 0 {
			roles = []string{"clinician"}
		}
		_, key, err := f.ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: "RXX", Email: email, Name: "Test", Roles: roles, Password: msgPassword})
		if err != nil {
			t.Fatal(err)
		}
		f.secrets[email] = key.Secret
	}
	code, _ := identity.TOTPCode(f.secrets[email], identity.TOTPCounter(f.clk.now()))
	si, err := f.ids.SignIn(ctx, identity.SignInInput{Email: email, Password: msgPassword, Code: code,
		Device: identity.DeviceInput{Name: "test", Kind: "cli"}, Addr: "192.0.2.1"})
	if err != nil {
		t.Fatalf("SignIn(%s) = %v", email, err)
	}
	f.clk.add(30 * time.Second)
	d := &tdev{f: f, email: email, token: si.Token, id: si.Device.ID, groups: map[string]*mls.Group{}, seen: map[string]int64{}}
	priv, pub, err := mls.GenerateSignatureKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	d.sigPriv = priv
	var cr struct{ Identity []byte }
	if code := d.do("PUT", "/api/mls/credential", map[string]any{"signature_key": pub}, &cr); code != 200 {
		t.Fatalf("PUT credential = %d", code)
	}
	d.cred = mls.NewBasicCredential(cr.Identity)
	d.upload(3)
	return d
}

func (d *tdev) upload(n int) {
	var msgs [][]byte
	for i := 0; i < n+1; i++ {
		kp, priv, err := mls.NewKeyPackage(d.cred, d.sigPriv, time.Now(), 30*24*time.Hour)
		if err != nil {
			d.f.t.Fatal(err)
		}
		d.kps, d.privs = append(d.kps, kp), append(d.privs, priv)
		msgs = append(msgs, (&mls.MLSMessage{Version: mls.ProtocolVersionMLS10, WireFormat: mls.WireFormatKeyPackage, KeyPackage: kp}).Bytes())
	}
	if code := d.do("POST", "/api/keypackages", map[string]any{"key_packages": msgs[:n], "last_resort": msgs[n]}, nil); code != 200 {
		d.f.t.Fatalf("upload key packages = %d", code)
	}
}

// do sends a JSON request and decodes the answer into out; it returns the
// status.
func (d *tdev) do(method, path string, body, out any) int {
	d.f.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, d.f.ts.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+d.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			d.f.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return res.StatusCode
}

func (d *tdev) mlsConfig() mls.Config {
	return mls.Config{PublicHandshake: true, AcceptAnyCredential: true}
}

// create starts a conversation with the given members' devices, through a
// real MLS commit that also names the server as external sender.
func (d *tdev) create(emails ...string) string {
	t := d.f.t
	t.Helper()
	gid := make([]byte, 16)
	rand.Read(gid)
	id := hex.EncodeToString(gid)
	kp, priv, _ := mls.NewKeyPackage(d.cred, d.sigPriv, time.Now(), time.Hour)
	g, err := mls.CreateGroup(d.mlsConfig(), gid, kp, priv)
	if err != nil {
		t.Fatal(err)
	}
	d.groups[id] = g
	if code := d.do("POST", "/api/conversations", map[string]string{"id": id}, nil); code != 201 {
		t.Fatalf("create conversation = %d", code)
	}
	var svc struct {
		ExternalSender []byte `json:"external_sender"`
	}
	d.do("GET", "/api/mls/service", nil, &svc)
	es, err := mls.DecodeExternalSender(svc.ExternalSender)
	if err != nil {
		t.Fatal(err)
	}
	opts := mls.CommitOptions{SetExtensions: true, Extensions: mls.Extensions{mls.ExternalSendersExtension(*es)}, RatchetTreeInWelcome: true}
	if len(emails) > 0 {
		opts.Add = d.claim(emails...)
	}
	if code, _ := d.commit(id, opts); code != 200 {
		t.Fatalf("first commit = %d", code)
	}
	return id
}

func (d *tdev) claim(emails ...string) []*mls.KeyPackage {
	var out struct {
		KeyPackages []struct {
			KeyPackage []byte `json:"key_package"`
		} `json:"key_packages"`
	}
	if code := d.do("POST", "/api/keypackages/claim", map[string]any{"emails": emails}, &out); code != 200 {
		d.f.t.Fatalf("claim = %d", code)
	}
	var kps []*mls.KeyPackage
	for _, k := range out.KeyPackages {
		kp, err := mls.InspectKeyPackage(k.KeyPackage)
		if err != nil {
			d.f.t.Fatal(err)
		}
		kps = append(kps, kp)
	}
	return kps
}

// commit makes and posts a commit; on success the group moves on.
func (d *tdev) commit(id string, opts mls.CommitOptions) (int, map[string]any) {
	t := d.f.t
	t.Helper()
	g := d.groups[id]
	out, err := g.Commit(opts)
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	code := d.do("POST", "/api/conversations/"+id+"/commits", map[string]any{"epoch": g.Epoch(), "commit": out.Commit, "welcome": out.Welcome}, &res)
	if code == 200 {
		if err := g.MergePendingCommit(); err != nil {
			t.Fatal(err)
		}
	} else {
		g.DiscardPendingCommit()
	}
	return code, res
}

// join processes the device's waiting Welcomes.
func (d *tdev) join() {
	t := d.f.t
	t.Helper()
	var out struct{ Welcomes []wire.Welcome }
	d.do("GET", "/api/welcomes", nil, &out)
	for _, w := range out.Welcomes {
		m, err := mls.DecodeMLSMessage(w.Welcome)
		if err != nil {
			t.Fatal(err)
		}
		var g *mls.Group
		for i, kp := range d.kps {
			if g, err = mls.JoinGroup(d.mlsConfig(), m.Welcome, kp, d.privs[i], nil); err == nil {
				break
			}
		}
		if g == nil {
			t.Fatalf("no KeyPackage of %s opens the Welcome: %v", d.email, err)
		}
		d.groups[w.Conversation] = g
		d.seen[w.Conversation] = int64(w.Seq)
		d.do("DELETE", "/api/welcomes/"+w.ID, nil, nil)
	}
}

// send encrypts text and posts it; it returns the status and seq.
func (d *tdev) send(id, clientID, text string) (int, int64) {
	ct, err := d.groups[id].Protect([]byte(text), nil)
	if err != nil {
		d.f.t.Fatal(err)
	}
	var out struct{ Seq int64 }
	code := d.do("POST", "/api/conversations/"+id+"/messages", map[string]any{"client_id": clientID, "message": ct}, &out)
	return code, out.Seq
}

// read fetches the stream after seq and processes it, returning the texts.
func (d *tdev) read(id string, after int64) ([]string, []wire.Message) {
	t := d.f.t
	t.Helper()
	var out struct{ Messages []wire.Message }
	if code := d.do("GET", "/api/conversations/"+id+"/messages?after="+itoa(after), nil, &out); code != 200 {
		t.Fatalf("GET messages = %d", code)
	}
	var texts []string
	for _, m := range out.Messages {
		if int64(m.Seq) <= d.seen[id] {
			continue
		}
		d.seen[id] = int64(m.Seq)
		if m.Device == d.id && m.Kind == wire.KindApplication {
			continue // a sender cannot decrypt its own messages
		}
		if m.Device == d.id && m.Kind == wire.KindCommit {
			continue // merged already
		}
		r, err := d.groups[id].Process(m.Message)
		if err != nil {
			t.Fatalf("%s: Process(seq %d) = %v", d.email, m.Seq, err)
		}
		if r.ApplicationData != nil {
			texts = append(texts, string(r.ApplicationData))
		}
	}
	return texts, out.Messages
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// dial opens the device's WebSocket and says hello.
func (d *tdev) dial(cursors map[string]int64) *websocket.Conn {
	t := d.f.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(d.f.ts.URL, "http")+"/api/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + d.token}}})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	if cursors == nil {
		cursors = map[string]int64{}
	}
	b, _ := json.Marshal(map[string]any{"type": "hello", "cursors": cursors})
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	return c
}

// frame reads the next frame (of any type) within d.
func frame(t *testing.T, c *websocket.Conn, d time.Duration) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// until reads frames until one of type typ arrives.
func until(t *testing.T, c *websocket.Conn, typ string) map[string]any {
	t.Helper()
	for {
		if m := frame(t, c, 10*time.Second); m["type"] == typ {
			return m
		}
	}
}

func testLimits() messaging.Limits {
	l := messaging.DefaultLimits
	l.SendRate = 0
	return l
}

// waitConnected waits until d's poll or socket has subscribed to the hub,
// so that what happens next reaches it while it waits rather than in its
// first read of the store.
func (f *msgFixture) waitConnected(d *tdev) {
	f.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !f.svc.Hub().Connected(d.id); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			f.t.Fatalf("%s is not connected after 10 s", d.email)
		}
	}
}
