package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
)

// api sends a JSON request and decodes the JSON reply into out (if non-nil).
func api(t *testing.T, c *http.Client, method, u string, body any, hdr map[string]string, out any) *http.Response {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: reply %q is not JSON: %v", method, u, b, err)
		}
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res
}

type errBody struct {
	Error string `json:"error"`
}

type me struct {
	User struct {
		ID    string   `json:"id"`
		Email string   `json:"email"`
		Roles []string `json:"roles"`
	} `json:"user"`
	DeviceID  string `json:"device_id"`
	CSRFToken string `json:"csrf_token"`
	Token     string `json:"token"`
}

// TestFirstRunThroughHTTP drives a fresh installation as its first admin
// would, over HTTP: setup link, password, TOTP, then administration.
func TestFirstRunThroughHTTP(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { firstRun(t, startServer(t, t.TempDir())) })
	t.Run("postgres", func(t *testing.T) {
		firstRun(t, startServer(t, t.TempDir(), "--database-url", pgtest.Database(t)))
	})
}

func firstRun(t *testing.T, srv *server) {
	if srv.setup == "" {
		t.Fatal("serve on an empty database printed no setup link")
	}
	c := browser(t)
	res := api(t, c, "GET", srv.base+"/healthz", nil, nil, nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET /healthz = %d; want 200", res.StatusCode)
	}
	if res := api(t, c, "GET", srv.base+"/readyz", nil, nil, nil); res.StatusCode != 200 {
		t.Fatalf("GET /readyz = %d; want 200: the database takes writes", res.StatusCode)
	}
	setupTok := srv.setup[strings.LastIndex(srv.setup, "/")+1:]
	if res := api(t, c, "GET", srv.base+"/api/setup/"+setupTok, nil, nil, nil); res.StatusCode != 200 {
		t.Fatalf("GET setup check = %d; want 200", res.StatusCode)
	}
	var e errBody
	if res := api(t, c, "POST", srv.base+"/api/setup", map[string]string{"token": setupTok, "ods": "R X", "org_name": "T", "name": "A", "email": "a@x.nhs.uk"}, nil, &e); res.StatusCode != 400 || !strings.Contains(e.Error, "ODS code") {
		t.Errorf("POST /api/setup with a bad ODS code = %d %q; want 400 about the ODS code", res.StatusCode, e.Error)
	}
	var setup struct {
		EnrolToken string `json:"enrol_token"`
	}
	api(t, c, "POST", srv.base+"/api/setup", map[string]string{"token": setupTok, "ods": "RXX", "org_name": "Example Hospitals NHS Trust", "name": "Ann Admin", "email": "ann@example.nhs.uk"}, nil, &setup)
	if setup.EnrolToken == "" {
		t.Fatal("setup returned no enrolment token")
	}
	if res := api(t, c, "POST", srv.base+"/api/enrol/password", map[string]string{"token": setup.EnrolToken, "password": "password123"}, nil, &e); res.StatusCode != 400 || !strings.Contains(e.Error, "12 characters") {
		t.Errorf("weak password = %d %q; want 400 saying how long", res.StatusCode, e.Error)
	}
	var key struct {
		URI    string `json:"totp_uri"`
		Secret string `json:"totp_secret"`
		QR     string `json:"qr_png"`
	}
	api(t, c, "POST", srv.base+"/api/enrol/password", map[string]string{"token": setup.EnrolToken, "password": "tulip ladder velvet orbit"}, nil, &key)
	if key.Secret == "" || !strings.HasPrefix(key.QR, "data:image/png;base64,") {
		t.Fatalf("enrol password reply = %+v; want a secret and a QR code", key)
	}
	var m me
	res = api(t, c, "POST", srv.base+"/api/enrol/confirm", map[string]any{"token": setup.EnrolToken, "code": srv.clock.code(t, key.Secret),
		"device": map[string]string{"name": "Chrome on Linux", "kind": "web"}}, nil, &m)
	if res.StatusCode != 200 || m.CSRFToken == "" || m.Token != "" {
		t.Fatalf("enrol confirm = %d %+v; want signed in, with no token in the body of a browser reply", res.StatusCode, m)
	}
	var cookie string
	for _, sc := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "sb_session=") {
			cookie = sc
		}
	}
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Errorf("session cookie %q; want HttpOnly and SameSite=Strict", cookie)
	}

	// State changes need the CSRF token, and a same-site origin.
	newUser := map[string]any{"email": "cara@example.nhs.uk", "name": "Cara Clinician", "roles": []string{"clinician"}, "registration": "1234567"}
	if res := api(t, c, "POST", srv.base+"/api/admin/users", newUser, nil, &e); res.StatusCode != 403 {
		t.Errorf("add user without CSRF token = %d; want 403", res.StatusCode)
	}
	if res := api(t, c, "POST", srv.base+"/api/admin/users", newUser, map[string]string{"X-CSRF-Token": m.CSRFToken, "Origin": "https://evil.example"}, &e); res.StatusCode != 403 {
		t.Errorf("add user from another origin = %d; want 403", res.StatusCode)
	}
	var added struct {
		EnrolURL string `json:"enrol_url"`
	}
	if res := api(t, c, "POST", srv.base+"/api/admin/users", newUser, map[string]string{"X-CSRF-Token": m.CSRFToken}, &added); res.StatusCode != 201 || !strings.HasPrefix(added.EnrolURL, srv.base+"/enrol/") {
		t.Fatalf("add user = %d %+v; want 201 with an enrolment link", res.StatusCode, added)
	}
	if res := api(t, c, "POST", srv.base+"/api/admin/users", newUser, map[string]string{"X-CSRF-Token": m.CSRFToken}, &e); res.StatusCode != 409 || !strings.Contains(e.Error, "exists already") {
		t.Errorf("add the same user again = %d %q; want 409", res.StatusCode, e.Error)
	}
	for _, bad := range []string{`{"email":`, `{"email":"x@y.nhs.uk","bogus":1}`, `[]`, `{"email":"a@b.nhs.uk","name":"N","roles":["clinician"]} {}`} {
		req, _ := http.NewRequest("POST", srv.base+"/api/admin/users", strings.NewReader(bad))
		req.Header.Set("X-CSRF-Token", m.CSRFToken)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(res.Body).Decode(&e)
		res.Body.Close()
		if res.StatusCode != 400 || e.Error == "" {
			t.Errorf("POST %q = %d %q; want 400 with a sentence", bad, res.StatusCode, e.Error)
		}
	}

	// The clinician enrols through the link in their own browser.
	cara := browser(t)
	enrolTok := added.EnrolURL[strings.LastIndex(added.EnrolURL, "/")+1:]
	api(t, cara, "POST", srv.base+"/api/enrol/password", map[string]string{"token": enrolTok, "password": "amber kettle winter maple"}, nil, &key)
	var cm me
	api(t, cara, "POST", srv.base+"/api/enrol/confirm", map[string]any{"token": enrolTok, "code": srv.clock.code(t, key.Secret), "device": map[string]string{"name": "Phone", "kind": "web"}}, nil, &cm)
	if cm.User.Email != "cara@example.nhs.uk" {
		t.Fatalf("clinician enrolment signed in %+v", cm)
	}
	if res := api(t, cara, "GET", srv.base+"/api/admin/users", nil, nil, &e); res.StatusCode != 403 {
		t.Errorf("clinician lists users = %d; want 403", res.StatusCode)
	}

	// The admin revokes the clinician's device: their next request is refused.
	var devs struct {
		Devices []struct {
			ID string `json:"id"`
		} `json:"devices"`
	}
	api(t, c, "GET", srv.base+"/api/admin/devices", nil, nil, &devs)
	if len(devs.Devices) != 2 {
		t.Fatalf("admin sees %d devices; want 2", len(devs.Devices))
	}
	if res := api(t, c, "POST", srv.base+"/api/admin/devices/"+cm.DeviceID+"/revoke", nil, map[string]string{"X-CSRF-Token": m.CSRFToken}, nil); res.StatusCode != 204 {
		t.Fatalf("revoke = %d; want 204", res.StatusCode)
	}
	if res := api(t, cara, "GET", srv.base+"/api/me", nil, nil, &e); res.StatusCode != 401 {
		t.Errorf("revoked device GET /api/me = %d; want 401", res.StatusCode)
	}

	// A command-line client signs in with a bearer token.
	cliClient := &http.Client{Timeout: 10 * time.Second}
	var cliMe me
	used := srv.clock.step() + 1
	code := srv.clock.code(t, key.Secret, 1)
	signIn := map[string]any{"email": "cara@example.nhs.uk", "password": "amber kettle winter maple",
		"code": code, "device": map[string]string{"name": "laptop", "kind": "cli"}}
	api(t, cliClient, "POST", srv.base+"/api/session", signIn, nil, &cliMe)
	// Each code signs in once: used again it is refused, both now and once
	// the server's clock reaches the code's own step.
	for _, step := range []int64{used - 1, used} {
		srv.clock.toStep(step)
		if res := api(t, cliClient, "POST", srv.base+"/api/session", signIn, nil, &e); res.StatusCode != 401 {
			t.Errorf("the code of step %d used again in step %d = %d; want 401", used, step, res.StatusCode)
		}
	}
	srv.clock.toStep(used + 1)
	signIn["code"] = srv.clock.code(t, key.Secret)
	if res := api(t, cliClient, "POST", srv.base+"/api/session", signIn, nil, &e); res.StatusCode != 200 {
		t.Errorf("the next step's code = %d %q; want 200", res.StatusCode, e.Error)
	}
	if res := api(t, cliClient, "POST", srv.base+"/api/session", map[string]any{"email": "cara@example.nhs.uk", "password": "amber kettle winter maple",
		"code": "000000", "device": map[string]string{"kind": "cli"}}, nil, &e); res.StatusCode != 401 || e.Error != "The email, password or security code is not right." {
		t.Errorf("wrong code = %d %q; want 401 without saying which factor", res.StatusCode, e.Error)
	}
	if cliMe.Token == "" {
		t.Fatal("a cli sign-in returned no token")
	}
	var again me
	api(t, cliClient, "GET", srv.base+"/api/me", nil, map[string]string{"Authorization": "Bearer " + cliMe.Token}, &again)
	if again.User.Email != "cara@example.nhs.uk" {
		t.Errorf("bearer GET /api/me = %+v", again)
	}

	res = api(t, c, "GET", srv.base+"/api/audit", nil, nil, nil)
	var audit struct {
		Entries []struct {
			Action string `json:"action"`
		} `json:"entries"`
		Verified bool `json:"verified"`
	}
	json.NewDecoder(res.Body).Decode(&audit)
	actions := []string{}
	for _, en := range audit.Entries {
		actions = append(actions, en.Action)
	}
	for _, want := range []string{"setup", "enrol.password", "enrol.complete", "user.create", "device.revoke", "signin.ok", "signin.fail"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit actions %v; want %s among them", actions, want)
		}
	}
	if !audit.Verified {
		t.Error("audit chain did not verify")
	}
	res = api(t, c, "GET", srv.base+"/metrics", nil, nil, nil)
	b, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(b), `switchboard_signins_total{outcome="ok"}`) {
		t.Error("/metrics has no sign-in counter")
	}
	for _, secret := range []string{"tulip ladder velvet orbit", "amber kettle winter maple"} {
		if strings.Contains(srv.logs.String(), secret) || strings.Contains(string(b), secret) {
			t.Errorf("a password appears in the logs or metrics")
		}
	}
}
