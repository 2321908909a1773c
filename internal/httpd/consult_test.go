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
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// TestConsultRoutesRefuseOthers walks the consultation routes with video
// consultations turned on: without a session they answer 401; for an
// admin who is not a clinician, 403; for a clinician, bad input and other
// people's consultations get a 4xx with a sentence, never a 5xx. Join
// routes with made-up tokens answer 404 with a sentence.
func TestConsultRoutesRefuseOthers(t *testing.T) {
	r := newConsultRig(t)
	s, clin, admin, do := r.s, r.token("c@x.nhs.uk", "clinician"), r.token("a@x.nhs.uk", "admin"), r.do
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
	res, err := http.Get(r.ts.URL + "/join/sbj_nothing")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /join/unknown = %d %s; want the web client with 404", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// consultRig is a server with video consultations on, over SQLite, with
// one organisation (A81001).
type consultRig struct {
	t   *testing.T
	ids *identity.Service
	cs  *consult.Service
	s   *Server
	ts  *httptest.Server
}

func newConsultRig(t *testing.T) *consultRig {
	store, err := sqlite.Open(context.Background(), t.TempDir(), keyring.New())
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
	if _, err := ids.CreateOrg(context.Background(), "A81001", "Riverside Surgery"); err != nil {
		t.Fatal(err)
	}
	return &consultRig{t: t, ids: ids, cs: cs, s: s, ts: ts}
}

// token adds a user to org A81001 and signs them in; tokenIn to another.
func (r *consultRig) token(email string, roles ...string) string {
	return r.tokenIn("A81001", email, roles...)
}

func (r *consultRig) tokenIn(ods, email string, roles ...string) string {
	t, ctx := r.t, context.Background()
	_, key, err := r.ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: ods, Email: email, Name: "N " + email, Roles: roles, Password: "tulip ladder velvet orbit"})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := identity.TOTPCode(key.Secret, identity.TOTPCounter(time.Now()))
	si, err := r.ids.SignIn(ctx, identity.SignInInput{Email: email, Password: "tulip ladder velvet orbit", Code: code, Device: identity.DeviceInput{Kind: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	return si.Token
}

// do sends a request and returns the status and the error sentence, if any.
func (r *consultRig) do(method, path, bearer, body string) (int, string) {
	code, raw := r.raw(method, path, bearer, body)
	return code, sentence(raw)
}

func (r *consultRig) raw(method, path, bearer, body string) (int, []byte) {
	return call(r.t, r.ts.URL, method, path, bearer, body)
}

// TestConsultationReview: the data protection officer lists every
// consultation of the organisation and reads each one's record, without
// the clinical outcome note; each reading is audited. Nobody else may,
// and another organisation's are not found.
func TestConsultationReview(t *testing.T) {
	r := newConsultRig(t)
	ctx := context.Background()
	clin, dpo, admin := r.token("c@x.nhs.uk", "clinician"), r.token("d@x.nhs.uk", "dpo"), r.token("a@x.nhs.uk", "admin")
	if _, err := r.ids.CreateOrg(ctx, "B82002", "Hillside Practice"); err != nil {
		t.Fatal(err)
	}
	otherDPO := r.tokenIn("B82002", "o@y.nhs.uk", "dpo")
	p, err := r.ids.Authenticate(ctx, clin)
	if err != nil {
		t.Fatal(err)
	}
	cl := consult.Clinician{UserID: p.User.ID, OrgID: p.Org.ID, Practice: p.Org.Name}
	c, _, err := r.cs.Schedule(ctx, cl, consult.ScheduleInput{PatientName: "Jo Bloggs", PatientPhone: "07700900123",
		Reason: "Review", StartsAt: time.Now().Add(time.Hour), Slot: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := r.do("PUT", "/api/consultations/"+c.ID+"/outcome", clin, `{"outcome":"Started amoxicillin"}`); code != 200 {
		t.Fatalf("save outcome = %d", code)
	}

	type listed struct {
		ID          string
		PatientName string `json:"patient_name"`
		Outcome     string
		Clinician   string
	}
	var list struct {
		Consultations []listed
		From, To      string
	}
	code, raw := r.raw("GET", "/api/reviews/consultations", dpo, "")
	if err := json.Unmarshal(raw, &list); code != 200 || err != nil || len(list.Consultations) != 1 {
		t.Fatalf("review list = %d %s; want the one consultation", code, raw)
	}
	if got := list.Consultations[0]; got.ID != c.ID || got.Clinician != "N c@x.nhs.uk" || got.Outcome != "" || got.PatientName != "Jo Bloggs" {
		t.Errorf("listed %+v; want the consultation with its clinician's name and no outcome", got)
	}
	code, raw = r.raw("GET", "/api/reviews/consultations/"+c.ID, dpo, "")
	if code != 200 || strings.Contains(string(raw), "amoxicillin") || !strings.Contains(string(raw), `"kind":"scheduled"`) {
		t.Errorf("review = %d %s; want the timeline without the outcome note", code, raw)
	}
	es, err := r.ids.ListAudit(ctx, mustPrincipal(t, r.ids, dpo), 0, 10)
	if err != nil || len(es) < 2 || es[0].Action != "consultation.reviewed" || es[0].Target != c.ID ||
		es[1].Action != "consultation.review.listed" || es[1].Detail["count"] != "1" {
		t.Errorf("newest audit entries = %+v, %v; want the listing (1 consultation), then consultation.reviewed of %s", es, err, c.ID)
	}
	for _, tc := range []struct {
		who, path string
		want      int
	}{
		{clin, "/api/reviews/consultations", 403},
		{admin, "/api/reviews/consultations/" + c.ID, 403},
		{otherDPO, "/api/reviews/consultations/" + c.ID, 404},
		{dpo, "/api/reviews/consultations/nothing", 404},
		{dpo, "/api/reviews/consultations?from=yesterday", 400},
		{dpo, "/api/reviews/consultations?from=2026-01-01&to=2025-01-01", 400},
		{dpo, "/api/reviews/consultations?from=2020-01-01&to=2026-01-01", 400},
	} {
		if code, msg := r.do("GET", tc.path, tc.who, ""); code != tc.want || msg == "" {
			t.Errorf("GET %s = %d %q; want %d with a sentence", tc.path, code, msg, tc.want)
		}
	}
	var other struct{ Consultations []listed }
	_, raw = r.raw("GET", "/api/reviews/consultations", otherDPO, "")
	if json.Unmarshal(raw, &other); len(other.Consultations) != 0 {
		t.Errorf("another organisation's DPO lists %s", raw)
	}
}

func mustPrincipal(t *testing.T, ids *identity.Service, tok string) *identity.Principal {
	p, err := ids.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
