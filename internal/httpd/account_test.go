package httpd

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// accountRig is a server with an organisation, an admin and a clinician
// who can sign in over HTTP.
type accountRig struct {
	t       *testing.T
	url     string
	clk     *msgClock
	secrets map[string]string // TOTP secret by email
}

const rigPassword = "tulip ladder velvet orbit"

func newAccountRig(t *testing.T) *accountRig {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), keyring.New())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := &msgClock{t: time.Now()}
	ids := identity.NewService(store, log, clk.now)
	assets := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Switchboard</title>")}}
	ts := httptest.NewServer(New(Config{PublicURL: "http://example.test"}, log, clk.now, ids, assets, func() bool { return true }).Handler())
	t.Cleanup(ts.Close)
	r := &accountRig{t: t, url: ts.URL, clk: clk, secrets: map[string]string{}}
	for _, ods := range []string{"RXX", "RYY"} {
		if _, err := ids.CreateOrg(ctx, ods, "Trust "+ods); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct{ ods, email, role string }{
		{"RXX", "admin@x.nhs.uk", "admin"}, {"RXX", "bob@x.nhs.uk", "clinician"}, {"RYY", "other@y.nhs.uk", "admin"},
	} {
		_, key, err := ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: u.ods, Email: u.email, Name: "Person " + u.email,
			Roles: []string{u.role}, Password: rigPassword})
		if err != nil {
			t.Fatal(err)
		}
		r.secrets[u.email] = key.Secret
	}
	return r
}

// signIn signs in over HTTP as a CLI client and returns the status, the
// error sentence and the bearer token.
func (r *accountRig) signIn(email, password string) (int, string, string) {
	r.t.Helper()
	code, _ := identity.TOTPCode(r.secrets[email], identity.TOTPCounter(r.clk.now()))
	body, _ := json.Marshal(map[string]any{"email": email, "password": password, "code": code, "device": map[string]string{"kind": "cli", "name": "test"}})
	status, raw := r.raw("POST", "/api/session", "", string(body))
	var out struct {
		Token string `json:"token"`
		Error string `json:"error"`
	}
	json.Unmarshal(raw, &out)
	if status == 200 {
		r.clk.add(30 * time.Second) // the next sign-in needs the next code
	}
	return status, out.Error, out.Token
}

func (r *accountRig) token(email string) string {
	r.t.Helper()
	status, msg, tok := r.signIn(email, rigPassword)
	if status != 200 {
		r.t.Fatalf("sign in %s = %d %q", email, status, msg)
	}
	return tok
}

func (r *accountRig) raw(method, path, bearer, body string) (int, []byte) {
	r.t.Helper()
	return call(r.t, r.url, method, path, bearer, body)
}

// do sends a request and returns the status and the error sentence, if any.
func (r *accountRig) do(method, path, bearer, body string) (int, string) {
	r.t.Helper()
	status, raw := r.raw(method, path, bearer, body)
	return status, sentence(raw)
}

// listed returns one user as GET /api/admin/users gives them, as raw JSON fields.
func (r *accountRig) listed(admin, email string) map[string]json.RawMessage {
	r.t.Helper()
	status, raw := r.raw("GET", "/api/admin/users", admin, "")
	var out struct{ Users []map[string]json.RawMessage }
	if err := json.Unmarshal(raw, &out); status != 200 || err != nil {
		r.t.Fatalf("GET /api/admin/users = %d %s", status, raw)
	}
	for _, u := range out.Users {
		if string(u["email"]) == `"`+email+`"` {
			return u
		}
	}
	r.t.Fatalf("GET /api/admin/users does not list %s: %s", email, raw)
	return nil
}

func (r *accountRig) id(admin, email string) string {
	var id string
	json.Unmarshal(r.listed(admin, email)["id"], &id)
	return id
}

func TestAccountRoutes(t *testing.T) {
	r := newAccountRig(t)
	admin, bob := r.token("admin@x.nhs.uk"), r.token("bob@x.nhs.uk")
	bobID, adminID := r.id(admin, "bob@x.nhs.uk"), r.id(admin, "admin@x.nhs.uk")
	other := r.token("other@y.nhs.uk")
	otherID := r.id(other, "other@y.nhs.uk")

	// The list says whether each person is disabled or locked, null when not.
	u := r.listed(admin, "bob@x.nhs.uk")
	if string(u["disabled"]) != "false" || string(u["locked_until"]) != "null" || string(u["enrolled"]) != "true" {
		t.Errorf("listed user = disabled %s, locked_until %s, enrolled %s; want false, null, true", u["disabled"], u["locked_until"], u["enrolled"])
	}

	status, raw := r.raw("PUT", "/api/admin/users/"+bobID+"/roles", admin, `{"roles":["clinician","dpo"]}`)
	var got adminUserJSON
	if err := json.Unmarshal(raw, &got); status != 200 || err != nil || strings.Join(got.Roles, ",") != "clinician,dpo" || !got.Enrolled || got.Disabled {
		t.Errorf("PUT roles = %d %s; want 200 with the user holding clinician and dpo", status, raw)
	}
	if status, raw := r.raw("GET", "/api/me", bob, ""); status != 200 || !strings.Contains(string(raw), `"dpo"`) {
		t.Errorf("GET /api/me after the change = %d %s; want the dpo role", status, raw)
	}

	for _, tt := range []struct {
		name, method, path, body string
		want                     int
		msg                      string
	}{
		{"no role", "PUT", "/api/admin/users/" + bobID + "/roles", `{"roles":[]}`, 400, "at least one role"},
		{"unknown role", "PUT", "/api/admin/users/" + bobID + "/roles", `{"roles":["surgeon"]}`, 400, "does not exist"},
		{"the last admin's role", "PUT", "/api/admin/users/" + adminID + "/roles", `{"roles":["clinician"]}`, 409, "last enabled administrator"},
		{"disable oneself", "POST", "/api/admin/users/" + adminID + "/disable", `{}`, 400, "your own account"},
		{"unknown user", "POST", "/api/admin/users/nobody/disable", `{}`, 404, "There is no such user in your organisation."},
		{"another organisation's user", "POST", "/api/admin/users/" + otherID + "/disable", `{}`, 404, "There is no such user in your organisation."},
		{"another organisation's user's roles", "PUT", "/api/admin/users/" + otherID + "/roles", `{"roles":["clinician"]}`, 404, "There is no such user"},
		{"another organisation's user unlocked", "POST", "/api/admin/users/" + otherID + "/unlock", `{}`, 404, "There is no such user"},
		{"another organisation's user enabled", "POST", "/api/admin/users/" + otherID + "/enable", `{}`, 404, "There is no such user"},
		{"a clinician", "POST", "/api/admin/users/" + adminID + "/disable", `{}`, 403, "Only an administrator"},
	} {
		bearer := admin
		if tt.name == "a clinician" {
			bearer = bob
		}
		if status, msg := r.do(tt.method, tt.path, bearer, tt.body); status != tt.want || !strings.Contains(msg, tt.msg) {
			t.Errorf("%s: %s %s = %d %q; want %d containing %q", tt.name, tt.method, tt.path, status, msg, tt.want, tt.msg)
		}
	}

	// Disabled: signed out at once, and refused at sign-in with a sentence
	// only once the password and code are right.
	status, raw = r.raw("POST", "/api/admin/users/"+bobID+"/disable", admin, "")
	if json.Unmarshal(raw, &got); status != 200 || !got.Disabled {
		t.Fatalf("POST disable = %d %s; want 200 with disabled true", status, raw)
	}
	if status, _ := r.do("GET", "/api/me", bob, ""); status != 401 {
		t.Errorf("GET /api/me with the disabled user's token = %d; want 401", status)
	}
	if status, msg, _ := r.signIn("bob@x.nhs.uk", "wrong password entirely"); status != 401 || strings.Contains(msg, "disabled") {
		t.Errorf("sign in with a wrong password = %d %q; want 401 not saying the account is disabled", status, msg)
	}
	if status, msg, _ := r.signIn("bob@x.nhs.uk", rigPassword); status != 403 || msg != "This account has been disabled; ask your organisation's administrator." {
		t.Errorf("sign in while disabled = %d %q; want 403 with the sentence", status, msg)
	}
	if string(r.listed(admin, "bob@x.nhs.uk")["disabled"]) != "true" {
		t.Errorf("the list does not show the user as disabled")
	}

	status, raw = r.raw("POST", "/api/admin/users/"+bobID+"/enable", admin, "")
	if json.Unmarshal(raw, &got); status != 200 || got.Disabled {
		t.Fatalf("POST enable = %d %s; want 200 with disabled false", status, raw)
	}
	if status, _ := r.do("GET", "/api/me", r.token("bob@x.nhs.uk"), ""); status != 200 {
		t.Errorf("GET /api/me after signing in again once enabled = %d; want 200", status)
	}

	// Locked out, then unlocked.
	for range 5 {
		r.signIn("bob@x.nhs.uk", "wrong password entirely")
	}
	var until string
	if err := json.Unmarshal(r.listed(admin, "bob@x.nhs.uk")["locked_until"], &until); err != nil {
		t.Fatalf("locked_until after five failures: %v; want a time", err)
	}
	if _, err := time.Parse(time.RFC3339, until); err != nil {
		t.Errorf("locked_until = %q; want RFC 3339", until)
	}
	if status, _, _ := r.signIn("bob@x.nhs.uk", rigPassword); status != 429 {
		t.Errorf("sign in while locked = %d; want 429", status)
	}
	status, raw = r.raw("POST", "/api/admin/users/"+bobID+"/unlock", admin, "")
	if status != 200 || !strings.Contains(string(raw), `"locked_until":null`) {
		t.Errorf("POST unlock = %d %s; want 200 with locked_until null", status, raw)
	}
	r.token("bob@x.nhs.uk")

	// Every change is in the audit log, whose chain verifies.
	status, raw = r.raw("GET", "/api/audit?limit=500", admin, "")
	for _, action := range []string{"user.roles", "user.disabled", "user.enabled", "user.unlocked", "device.revoke"} {
		if !strings.Contains(string(raw), `"`+action+`"`) {
			t.Errorf("audit log lacks %s", action)
		}
	}
	if status != 200 || !strings.Contains(string(raw), `"verified":true`) {
		t.Errorf("GET /api/audit = %d; want a verified chain", status)
	}
}
