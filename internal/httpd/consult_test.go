package httpd

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// TestConsultRoutesRefuseOthers walks the consultation routes with video
// consultations turned on: without a session they answer 401; for an
// admin who is not a clinician, 403; for a clinician, bad input and other
// people's consultations get a 4xx with a sentence, never a 5xx. Join
// routes with made-up tokens answer 404 with a sentence.
func TestConsultRoutesRefuseOthers(t *testing.T) {
	store, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ids := identity.NewService(store, log, time.Now)
	cs := consult.NewService(store, consult.NewHub(log), log, time.Now, "http://example.test")
	assets := fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Switchboard</title>")}}
	s := New(Config{PublicURL: "http://example.test", Consult: cs}, log, time.Now, ids, assets, func() bool { return true })
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)

	ctx := context.Background()
	if _, err := ids.CreateOrg(ctx, "A81001", "Riverside Surgery"); err != nil {
		t.Fatal(err)
	}
	token := func(email string, roles ...string) string {
		_, key, err := ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: "A81001", Email: email, Name: "N", Roles: roles, Password: "tulip ladder velvet orbit"})
		if err != nil {
			t.Fatal(err)
		}
		code, _ := identity.TOTPCode(key.Secret, identity.TOTPCounter(time.Now()))
		si, err := ids.SignIn(ctx, identity.SignInInput{Email: email, Password: "tulip ladder velvet orbit", Code: code, Device: identity.DeviceInput{Kind: "cli"}})
		if err != nil {
			t.Fatal(err)
		}
		return si.Token
	}
	clin, admin := token("c@x.nhs.uk", "clinician"), token("a@x.nhs.uk", "admin")

	do := func(method, path, bearer, body string) (int, string) {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var e struct{ Error string }
		json.NewDecoder(res.Body).Decode(&e)
		return res.StatusCode, e.Error
	}
	walked := 0
	for _, rt := range s.Routes() {
		method, path := concrete(rt.Pattern)
		if !strings.HasPrefix(path, "/api/consultations") {
			continue
		}
		walked++
		if code, _ := do(method, path, "", "{}"); code != 401 {
			t.Errorf("%s without a session = %d; want 401", rt.Pattern, code)
		}
		if code, msg := do(method, path, admin, "{}"); code != 403 || msg == "" {
			t.Errorf("%s as an admin who is not a clinician = %d %q; want 403 with a sentence", rt.Pattern, code, msg)
		}
		for _, body := range []string{"{}", "{", `{"unknown":1}`, `[]`} {
			if code, msg := do(method, path, clin, body); code < 400 && path != "/api/consultations" || code >= 500 || code >= 400 && msg == "" {
				t.Errorf("%s as a clinician with %s = %d %q; want a 4xx with a sentence", rt.Pattern, body, code, msg)
			}
		}
	}
	if code, _ := do("GET", "/api/reports/consultations?week=2026-W60", clin, ""); code != 400 {
		t.Errorf("report for week 60 = %d; want 400", code)
	}
	if code, _ := do("GET", "/api/reports/consultations", admin, ""); code != 200 {
		t.Errorf("report for an admin = %d; want 200 (it has no patient identifiers)", code)
	}
	if walked < 11 {
		t.Errorf("walked %d consultation routes; want all of them", walked)
	}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/join/sbj_nothing"}, {"POST", "/api/join/sbj_nothing/enter"}, {"GET", "/api/join/sbj_nothing/ws"},
		{"GET", "/api/join/" + strings.Repeat("x", 500)},
	} {
		code, msg := do(tc.method, tc.path, "", `{"consent_version":"x","check":{}}`)
		if code != 404 || !strings.Contains(msg, "contact the practice") {
			t.Errorf("%s %s = %d %q; want 404 saying to contact the practice", tc.method, tc.path, code, msg)
		}
	}
	res, err := http.Get(ts.URL + "/join/sbj_nothing")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /join/unknown = %d %s; want the web client with 404", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
