package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// clinicianAccount adds an organisation and a clinician through the
// console, as an operator would, and returns their email, password and
// TOTP secret.
func clinicianAccount(t *testing.T, data, ods, email string) (string, string) {
	t.Helper()
	if _, stderr, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", ods, "--name", "Riverside Surgery"); err != nil {
		t.Fatalf("org add: %v\n%s", err, stderr)
	}
	return addUser(t, data, ods, email, "Dr Sam Patel", "clinician")
}

// addUser adds a user to an existing organisation through the CLI and
// returns their password and TOTP secret.
func addUser(t *testing.T, data, ods, email, name, role string) (string, string) {
	t.Helper()
	const password = "harbour lantern meadow quiet"
	out, stderr, err := cli(t, password+"\n", "admin", "--data", data, "user", "add", "--org", ods, "--email", email,
		"--name", name, "--role", role, "--password-stdin", "--json")
	if err != nil {
		t.Fatalf("user add: %v\n%s", err, stderr)
	}
	var added struct {
		URI string `json:"totp_uri"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatalf("user add printed %q: %v", out, err)
	}
	u, err := url.Parse(added.URI)
	if err != nil {
		t.Fatal(err)
	}
	return password, u.Query().Get("secret")
}

// signInCLI signs in as a non-browser client and returns the bearer header.
func signInCLI(t *testing.T, srv *server, email, password, secret string, step int64) map[string]string {
	t.Helper()
	var m me
	res := api(t, &http.Client{Timeout: 10 * time.Second}, "POST", srv.base+"/api/session", map[string]any{"email": email, "password": password,
		"code": srv.clock.code(t, secret, step), "device": map[string]string{"name": "test", "kind": "cli"}}, nil, &m)
	if res.StatusCode != 200 || m.Token == "" {
		t.Fatalf("sign in = %d; want a token", res.StatusCode)
	}
	return map[string]string{"Authorization": "Bearer " + m.Token}
}

type socket struct {
	t    *testing.T
	conn *websocket.Conn
}

func dial(t *testing.T, u string, client *http.Client, hdr map[string]string) *socket {
	t.Helper()
	h := http.Header{}
	for k, v := range hdr {
		h.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(u, "http"), &websocket.DialOptions{HTTPClient: client, HTTPHeader: h})
	if err != nil {
		code := 0
		if res != nil {
			code = res.StatusCode
		}
		t.Fatalf("dial %s: %d %v", u, code, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &socket{t: t, conn: c}
}

// next reads messages until one of the given type arrives.
func (s *socket) next(typ string) map[string]any {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			s.t.Fatalf("waiting for %q: %v", typ, err)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		if m["type"] == typ {
			return m
		}
	}
}

func (s *socket) send(v any) {
	s.t.Helper()
	b, _ := json.Marshal(v)
	if err := s.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		s.t.Fatal(err)
	}
}

func jar(t *testing.T) *http.Client {
	j, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: j, Timeout: 10 * time.Second}
}

var deviceCheck = map[string]any{"webrtc": true, "camera": true, "microphone": true, "speaker": true, "connection": "relay", "uplink_kbps": 1200}

// TestConsultationThroughHTTP runs a consultation end to end against the
// real server: schedule, links, consent, waiting room, admission,
// signalling relay, checklist, mode change, end, export.
func TestConsultationThroughHTTP(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data, "--turn-allow-loopback")
	password, secret := clinicianAccount(t, data, "A81001", "sam@example.nhs.uk")
	auth := signInCLI(t, srv, "sam@example.nhs.uk", password, secret, 0)
	clin := &http.Client{Timeout: 10 * time.Second}

	var e errBody
	if res := api(t, clin, "POST", srv.base+"/api/consultations", map[string]any{"patient_name": "", "starts_at": "soon"}, auth, &e); res.StatusCode != 400 || e.Error == "" {
		t.Errorf("schedule with no name = %d %q; want 400 with a sentence", res.StatusCode, e.Error)
	}
	var sched struct {
		Consultation struct {
			ID string `json:"id"`
		} `json:"consultation"`
		Invite struct {
			Link string `json:"link"`
		} `json:"invite"`
	}
	res := api(t, clin, "POST", srv.base+"/api/consultations", map[string]any{"patient_name": "Margaret Oduya", "patient_phone": "07700 900123",
		"starts_at": time.Now().Add(5 * time.Minute).Format(time.RFC3339), "slot_minutes": 20}, auth, &sched)
	if res.StatusCode != 201 || !strings.HasPrefix(sched.Invite.Link, srv.base+"/join/sbj_") {
		t.Fatalf("schedule = %d %+v; want 201 with a link", res.StatusCode, sched)
	}
	id, link := sched.Consultation.ID, sched.Invite.Link
	tok := strings.TrimPrefix(link, srv.base+"/join/")

	for name, u := range map[string]string{"tampered": link[:len(link)-2] + "xy", "unknown": srv.base + "/join/sbj_nothing"} {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 404 || !strings.Contains(string(body), "<html") {
			t.Errorf("GET %s link = %d; want a 404 page of the web client", name, res.StatusCode)
		}
	}

	patient := jar(t)
	var info struct {
		Practice string `json:"practice"`
		Consent  struct {
			Version string `json:"version"`
		} `json:"consent"`
		ICE []struct {
			URLs     []string `json:"urls"`
			Username string   `json:"username"`
		} `json:"ice_servers"`
	}
	api(t, patient, "GET", srv.base+"/api/join/"+tok, nil, nil, &info)
	if info.Practice != "Riverside Surgery" || info.Consent.Version == "" || len(info.ICE) != 1 || !strings.HasPrefix(info.ICE[0].URLs[0], "turn:127.0.0.1:") {
		t.Fatalf("join info = %+v; want the practice, consent statement and a TURN server", info)
	}
	enter := map[string]any{"consent_version": info.Consent.Version, "check": deviceCheck}
	if res := api(t, patient, "POST", srv.base+"/api/join/"+tok+"/enter", enter, nil, nil); res.StatusCode != 200 {
		t.Fatalf("enter = %d", res.StatusCode)
	}
	if res := api(t, jar(t), "POST", srv.base+"/api/join/"+tok+"/enter", enter, nil, &e); res.StatusCode != 403 || !strings.Contains(e.Error, "another device") {
		t.Errorf("enter from a second browser = %d %q; want 403 saying the link was used", res.StatusCode, e.Error)
	}

	// A guest enters too; both wait.
	var guest struct {
		Invite struct {
			ParticipantID string `json:"participant_id"`
			Link          string `json:"link"`
		} `json:"invite"`
	}
	api(t, clin, "POST", srv.base+"/api/consultations/"+id+"/guests", map[string]any{"role": "interpreter", "label": "Polish interpreter"}, auth, &guest)
	gtok := strings.TrimPrefix(guest.Invite.Link, srv.base+"/join/")
	guestClient := jar(t)
	api(t, guestClient, "POST", srv.base+"/api/join/"+gtok+"/enter", enter, nil, nil)

	ps := dial(t, srv.base+"/api/join/"+tok+"/ws", patient, nil)
	ps.next("waiting")
	gs := dial(t, srv.base+"/api/join/"+gtok+"/ws", guestClient, nil)
	gs.next("waiting")
	cs := dial(t, srv.base+"/api/consultations/"+id+"/ws", clin, auth)
	cs.next("admitted")
	cs.next("presence")

	var detail struct {
		Participants []struct {
			ID        string `json:"id"`
			Role      string `json:"role"`
			State     string `json:"state"`
			Connected bool   `json:"connected"`
			Check     *struct {
				Connection string `json:"connection"`
			} `json:"check"`
		} `json:"participants"`
	}
	api(t, clin, "GET", srv.base+"/api/consultations/"+id, nil, auth, &detail)
	if len(detail.Participants) != 2 || detail.Participants[0].State != "waiting" || !detail.Participants[0].Connected || detail.Participants[0].Check == nil {
		t.Fatalf("waiting list = %+v; want the patient waiting, connected, with a device check", detail.Participants)
	}
	pid, gid := detail.Participants[0].ID, detail.Participants[1].ID

	// A waiting guest cannot reach anyone: had this been relayed, it would
	// be the first signal the clinician reads below.
	gs.send(map[string]any{"type": "signal", "to": "clinician", "data": map[string]string{"sdp": "offer"}})

	if res := api(t, clin, "POST", srv.base+"/api/consultations/"+id+"/admit", map[string]string{"participant_id": pid}, auth, &e); res.StatusCode != 200 {
		t.Fatalf("admit patient = %d %q", res.StatusCode, e.Error)
	}
	admitted := ps.next("admitted")
	if peers, _ := admitted["peers"].([]any); len(peers) != 1 {
		t.Errorf("patient admitted with peers %v; want the clinician", admitted["peers"])
	}
	cs.next("joined")
	ps.send(map[string]any{"type": "signal", "to": "clinician", "data": map[string]string{"sdp": "v=0"}})
	if m := cs.next("signal"); m["from"] != pid {
		t.Errorf("clinician got signal from %v; want only the admitted patient's, from %s", m["from"], pid)
	}

	if res := api(t, clin, "POST", srv.base+"/api/consultations/"+id+"/admit", map[string]string{"participant_id": gid}, auth, &e); res.StatusCode != 409 || !strings.Contains(e.Error, "checklist") {
		t.Errorf("admit guest before the checklist = %d %q; want 409 about the checklist", res.StatusCode, e.Error)
	}
	checklist := map[string]any{"identity_method": "name-dob", "private_space": true, "others_present": "None", "fallback_phone": "07700 900123"}
	if res := api(t, clin, "PUT", srv.base+"/api/consultations/"+id+"/checklist", checklist, auth, &e); res.StatusCode != 200 {
		t.Fatalf("checklist = %d %q", res.StatusCode, e.Error)
	}
	if res := api(t, clin, "POST", srv.base+"/api/consultations/"+id+"/admit", map[string]string{"participant_id": gid}, auth, &e); res.StatusCode != 200 {
		t.Fatalf("admit guest = %d %q", res.StatusCode, e.Error)
	}
	gs.next("admitted")
	ps.next("joined")

	api(t, clin, "POST", srv.base+"/api/consultations/"+id+"/mode", map[string]any{"mode": "telephone"}, auth, nil)
	if m := ps.next("mode"); m["mode"] != "telephone" {
		t.Errorf("patient told mode %v; want telephone", m["mode"])
	}
	api(t, clin, "POST", srv.base+"/api/consultations/"+id+"/end", nil, auth, nil)
	ps.next("ended")
	if res := api(t, patient, "GET", srv.base+"/api/join/"+tok, nil, nil, &e); res.StatusCode != 404 || !strings.Contains(e.Error, "ended") {
		t.Errorf("link after the end = %d %q; want 404 saying it ended", res.StatusCode, e.Error)
	}
	api(t, clin, "PUT", srv.base+"/api/consultations/"+id+"/outcome", map[string]string{"outcome": "Switched to telephone; advice given."}, auth, nil)

	res = api(t, clin, "GET", srv.base+"/api/consultations/"+id+"/fhir", nil, auth, nil)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "fhir+json") || !strings.Contains(string(body), `"resourceType": "Encounter"`) {
		t.Errorf("FHIR export = %d %s %.200s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res = api(t, clin, "GET", srv.base+"/api/reports/consultations", nil, auth, nil)
	body, _ = io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(string(body), "week_commencing,") || strings.Contains(string(body), "Margaret") {
		t.Errorf("activity report = %d %q", res.StatusCode, body)
	}
	if strings.Contains(srv.logs.String(), "Margaret") || strings.Contains(srv.logs.String(), "900123") {
		t.Errorf("server logs hold patient details:\n%s", srv.logs)
	}
}

// TestServeRefusesBadConsultationFlags checks that a mistake in the video
// consultation settings stops serve with one sentence saying what to fix.
func TestServeRefusesBadConsultationFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--turn-url", "turn:turn.example:3478"}, "--turn-secret"},
		{[]string{"--turn-url", "http://turn.example", "--turn-secret", "s"}, "turn: or turns:"},
		{[]string{"--turn-relay-ip", "not-an-ip"}, "--turn-relay-ip"},
		{[]string{"--smtp-url", "http://mail.example", "--smtp-from", "a@example.nhs.uk"}, "--smtp-url"},
		{[]string{"--smtp-url", "smtp://mail.example", "--smtp-from", "nobody"}, "--smtp-from"},
		{[]string{"--notify-key", "short"}, "--notify-key"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--turn-addr", "127.0.0.1:0"}, tc.args...)
		_, _, err := cli(t, "", args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(userMessage(err), tc.want) {
			t.Errorf("serve %v = %v; want a usage error naming %s", tc.args, err, tc.want)
		}
	}
}
