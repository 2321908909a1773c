package httpd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

func newTestServer(t *testing.T) (*Server, *identity.Service, *httptest.Server) {
	t.Helper()
	return newTestServerWith(t, Config{PublicURL: "http://example.test"})
}

func newTestServerWith(t *testing.T, cfg Config) (*Server, *identity.Service, *httptest.Server) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), t.TempDir(), keyring.New())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ids := identity.NewService(store, log, time.Now)
	assets := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Switchboard</title>")}}
	s := New(cfg, log, time.Now, ids, assets, func() bool { return true })
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ids, ts
}

func concrete(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	for strings.Contains(path, "{") {
		i, j := strings.Index(path, "{"), strings.Index(path, "}")
		path = path[:i] + "abc" + path[j+1:]
	}
	return method, path
}

// TestEveryRouteNeedsAuth walks the whole API: every route registered as
// authed refuses a caller without a session, and with a clinician's session
// every admin route is forbidden.
func TestEveryRouteNeedsAuth(t *testing.T) {
	s, ids, ts := newTestServer(t)
	ctx := context.Background()
	if _, err := ids.CreateOrg(ctx, "RXX", "Trust"); err != nil {
		t.Fatal(err)
	}
	_, key, err := ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: "RXX", Email: "c@x.nhs.uk", Name: "C", Roles: []string{"clinician"}, Password: "tulip ladder velvet orbit"})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := identity.TOTPCode(key.Secret, identity.TOTPCounter(time.Now()))
	si, err := ids.SignIn(ctx, identity.SignInInput{Email: "c@x.nhs.uk", Password: "tulip ladder velvet orbit", Code: code, Device: identity.DeviceInput{Kind: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	authed := 0
	for _, rt := range s.Routes() {
		if !rt.Authed {
			continue
		}
		authed++
		method, path := concrete(rt.Pattern)
		for _, bearer := range []string{"", si.Token} {
			if bearer != "" && rt.Pattern == "DELETE /api/session" {
				continue // signing out would end the session the walk uses
			}
			req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if bearer != "" {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Error string }
			json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			switch {
			case bearer == "" && res.StatusCode != http.StatusUnauthorized:
				t.Errorf("%s without a session = %d; want 401", rt.Pattern, res.StatusCode)
			case bearer != "" && strings.HasPrefix(path, "/api/admin/") && res.StatusCode != http.StatusForbidden:
				t.Errorf("%s as a clinician = %d; want 403", rt.Pattern, res.StatusCode)
			case bearer != "" && strings.HasPrefix(path, "/api/audit") && res.StatusCode != http.StatusForbidden:
				t.Errorf("%s as a clinician = %d; want 403", rt.Pattern, res.StatusCode)
			}
			if res.StatusCode >= 500 || body.Error == "" && res.StatusCode >= 400 {
				t.Errorf("%s = %d with error %q; want a 4xx with a sentence", rt.Pattern, res.StatusCode, body.Error)
			}
		}
	}
	if authed < 10 {
		t.Errorf("walked %d authed routes; want the whole API", authed)
	}

	// An admin naming users and devices that do not exist is told so in a
	// sentence; nothing answers 5xx.
	_, akey, err := ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: "RXX", Email: "a@x.nhs.uk", Name: "A", Roles: []string{"admin"}, Password: "tulip ladder velvet orbit"})
	if err != nil {
		t.Fatal(err)
	}
	acode, _ := identity.TOTPCode(akey.Secret, identity.TOTPCounter(time.Now()))
	asi, err := ids.SignIn(ctx, identity.SignInInput{Email: "a@x.nhs.uk", Password: "tulip ladder velvet orbit", Code: acode, Device: identity.DeviceInput{Kind: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range s.Routes() {
		method, path := concrete(rt.Pattern)
		if !strings.HasPrefix(path, "/api/admin/") || !strings.Contains(path, "/abc") {
			continue
		}
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(`{"roles":["clinician"]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+asi.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound || body.Error == "" {
			t.Errorf("%s as an admin naming nothing = %d %q; want 404 with a sentence", rt.Pattern, res.StatusCode, body.Error)
		}
	}
}

func TestSecurityHeadersAndFallback(t *testing.T) {
	_, _, ts := newTestServer(t)
	for _, path := range []string{"/", "/admin", "/api/me", "/api/nothing"} {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q; want strict with frame-ancestors 'none'", path, csp)
		}
		for k, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
			if h.Get(k) != want {
				t.Errorf("GET %s: %s = %q; want %q", path, k, h.Get(k), want)
			}
		}
	}
	res, _ := http.Get(ts.URL + "/api/nothing")
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET /api/nothing = %d %s; want a JSON 404", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, _ = http.Get(ts.URL + "/enrol/abc")
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(b), "<title>Switchboard") {
		t.Errorf("GET /enrol/abc = %d %q; want the web client", res.StatusCode, b)
	}
	res, _ = http.Post(ts.URL+"/admin", "text/plain", nil)
	if res.StatusCode != 400 {
		t.Errorf("POST /admin = %d; want 400", res.StatusCode)
	}
}

// TestSlowBodyIsCutOff: a client trickling its request body cannot hold
// the request open: past the body deadline it gets a 400 with a sentence.
func TestSlowBodyIsCutOff(t *testing.T) {
	_, _, ts := newTestServerWith(t, Config{PublicURL: "http://example.test", BodyTimeout: 200 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	defer res.Body.Close()
	var body struct{ Error string }
	json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 400 || !strings.Contains(body.Error, "too slowly") {
		t.Errorf("stalled body = %d %q; want 400 saying it came too slowly", res.StatusCode, body.Error)
	}
}

// TestReadiness: /readyz fails with the store's sentence while the
// database cannot take a write, so a load balancer takes the node out;
// /healthz, the liveness check, stays up.
func TestReadiness(t *testing.T) {
	var broken atomic.Bool
	ready := func(context.Context) error {
		if broken.Load() {
			return fault.New(fault.Unavailable, "Switchboard cannot save right now.")
		}
		return nil
	}
	_, _, ts := newTestServerWith(t, Config{PublicURL: "http://example.test", Ready: ready})
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d; want 200", code)
	}
	broken.Store(true)
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "cannot save") {
		t.Errorf("/readyz with a database that cannot write = %d %q; want 503 with the sentence", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d; want 200: the process is alive", code)
	}
}

// TestBodyDeadlineLiftedAfterBody: once the body has been read, a handler
// that runs on past the body deadline (a long poll) keeps its request.
func TestBodyDeadlineLiftedAfterBody(t *testing.T) {
	s, _, ts := newTestServerWith(t, Config{PublicURL: "http://example.test", BodyTimeout: 100 * time.Millisecond})
	s.handle("POST /test/slow", func(w http.ResponseWriter, r *http.Request) error {
		var in struct{}
		if err := decode(w, r, &in); err != nil {
			return err
		}
		select {
		case <-r.Context().Done():
			return fault.New(fault.Unavailable, "cancelled")
		case <-time.After(400 * time.Millisecond): // longer than the body deadline, on purpose
		}
		return reply(w, http.StatusOK, map[string]bool{"ok": true})
	})
	res, err := http.Post(ts.URL+"/test/slow", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Errorf("a handler running past the body deadline = %d %s; want 200", res.StatusCode, b)
	}
}
