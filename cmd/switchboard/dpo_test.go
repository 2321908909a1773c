package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// apiSession is a bearer session of a CLI-kind device, for calling the API
// as a script would.
type apiSession struct {
	base, token string
}

// signInAPI signs a in over HTTP as a new device of kind cli.
func signInAPI(t *testing.T, srv *server, a *account, name string) *apiSession {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"email": a.email, "password": a.password, "code": a.code(t, srv.clock),
		"device": map[string]string{"name": name, "kind": "cli"}})
	res, err := http.Post(srv.base+"/api/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Token string `json:"token"`
		Error string `json:"error"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusOK || out.Token == "" {
		t.Fatalf("sign in %s = %d %q", a.email, res.StatusCode, out.Error)
	}
	return &apiSession{base: srv.base, token: out.Token}
}

// call sends a JSON request and decodes the answer into out (if not nil);
// it returns the status and the error sentence, if any.
func (s *apiSession) call(t *testing.T, method, path string, in, out any) (int, string) {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		json.NewEncoder(&body).Encode(in)
	}
	req, _ := http.NewRequest(method, s.base+path, &body)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw bytes.Buffer
	raw.ReadFrom(res.Body)
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal(raw.Bytes(), &e)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return res.StatusCode, e.Error
}

// TestBreachConsole: the console's breach add and list, bad input refused
// with a sentence and nothing saved; a clinician refused the log, which
// the DPO reads and an admin reads without changing; and the 72-hour
// clock's 24-hour reminder sent when the server's clock passes it.
func TestBreachConsole(t *testing.T) {
	w := newIncidentWorld(t)
	dee := addAccount(t, w.data, "dee@example.nhs.uk", "dpo")
	ann := addAccount(t, w.data, "ann@example.nhs.uk", "admin")
	nat := addAccount(t, w.data, "nat@example.nhs.uk")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--category", "gossip", "--summary", "x"}, "The category must be one of"},
		{[]string{"--category", "misdirected-message", "--summary", "Letter for 943 476 5919 went to the wrong GP"}, "The summary holds an NHS number"},
		{[]string{"--category", "other", "--summary", "x", "--kind", "rumour"}, "The kind must be one of"},
	} {
		out, err := w.admin(t, append([]string{"breach", "add", "--org", "RXX"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("breach add %v = %v (%s); want %q", c.args, err, out, c.want)
		}
		if strings.Contains(out+err.Error(), "943 476 5919") {
			t.Errorf("the refusal repeats the NHS number: %v", err)
		}
	}
	if n := count(t, w.data, "breaches"); n != 0 {
		t.Fatalf("%d breaches saved after bad input; want none", n)
	}
	out := w.mustAdmin(t, "breach", "add", "--org", "RXX", "--category", "misdirected-message",
		"--summary", "Discharge letter emailed to the wrong practice", "--reportable", "--json")
	var added struct {
		ID       string `json:"id"`
		Deadline string `json:"deadline"`
		AwareAt  string `json:"aware_at"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.ID == "" {
		t.Fatalf("breach add --json printed %q", out)
	}
	aware, _ := time.Parse(time.RFC3339, added.AwareAt)
	if d, _ := time.Parse(time.RFC3339, added.Deadline); !d.Equal(aware.Add(72 * time.Hour)) {
		t.Errorf("deadline %s; want 72 hours after %s", added.Deadline, added.AwareAt)
	}
	var listed struct {
		Breaches []struct {
			ID      string `json:"id"`
			Clocked bool   `json:"clocked"`
		} `json:"breaches"`
	}
	if err := json.Unmarshal([]byte(w.mustAdmin(t, "breach", "list", "--org", "RXX", "--json")), &listed); err != nil ||
		len(listed.Breaches) != 1 || listed.Breaches[0].ID != added.ID || !listed.Breaches[0].Clocked {
		t.Fatalf("breach list --json = %+v, %v; want the one entry, its clock running", listed, err)
	}

	w.start(t)
	if code, msg := signInAPI(t, w.srv, nat, "nat-laptop").call(t, "GET", "/api/dpo/breaches", nil, nil); code != http.StatusForbidden || msg == "" {
		t.Errorf("a clinician reads the breach log: %d %q; want 403 with a sentence", code, msg)
	}
	admin := signInAPI(t, w.srv, ann, "ann-laptop")
	var log wire.BreachLog
	if code, msg := admin.call(t, "GET", "/api/dpo/breaches", nil, &log); code != http.StatusOK || len(log.Breaches) != 1 || log.CanChange {
		t.Errorf("an admin reads the log: %d %q %+v; want it, read-only", code, msg, log)
	}
	if code, _ := admin.call(t, "POST", "/api/dpo/breaches", wire.NewBreach{Category: "other", Summary: "x"}, nil); code != http.StatusForbidden {
		t.Errorf("an admin adds to the log: %d; want 403", code)
	}
	officer := signInAPI(t, w.srv, dee, "dee-laptop")
	if code, msg := officer.call(t, "POST", "/api/dpo/breaches", wire.NewBreach{Category: "complaint", Kind: "complaint",
		Summary: "Patient's relative saw a colleague's screen", Actions: "NHS number 9434765919 noted"}, nil); code != http.StatusBadRequest ||
		!strings.Contains(msg, "NHS number") {
		t.Errorf("the DPO adds an NHS number: %d %q; want 400 naming it", code, msg)
	}

	w.clock.advance(24*time.Hour + time.Minute)
	officer = signInAPI(t, w.srv, dee, "dee-phone") // the sessions expired meanwhile
	eventually(t, 30*time.Second, "the 24-hour reminder sent", func() bool {
		var one wire.Breach
		officer.call(t, "GET", "/api/dpo/breaches/"+added.ID, nil, &one)
		return one.RemindedHours == 24 && slices.ContainsFunc(one.History, func(e wire.BreachEvent) bool {
			return e.Action == "reminded" && e.Actor == "the server"
		})
	})
	var closed wire.Breach
	if code, msg := officer.call(t, "POST", "/api/dpo/breaches/"+added.ID, wire.BreachChange{Version: 1, Close: true}, &closed); code != http.StatusOK || closed.ClosedAt == "" {
		t.Errorf("close = %d %q %+v", code, msg, closed)
	}
	var audit struct {
		Entries []struct{ Action string } `json:"entries"`
	}
	officer.call(t, "GET", "/api/audit?limit=500", nil, &audit)
	var actions []string
	for _, e := range audit.Entries {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"breach.open", "breach.list.view", "breach.view", "breach.remind", "breach.closed"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit log lacks %s: %v", want, actions)
		}
	}
	if strings.Contains(w.srv.logs.String(), "Discharge letter") {
		t.Error("the server logs hold a breach summary")
	}
}

// TestLostPhone: a clinician reports, from another device, that their
// phone is lost: the phone is signed out and revoked at once, cannot read
// the messages sent after, and the DPO finds a near-miss entry naming it,
// when it was last seen and that its app lock was on.
func TestLostPhone(t *testing.T) {
	w := newIncidentWorld(t)
	ann := addAccount(t, w.data, "ann@example.nhs.uk", "admin")
	bob := addAccount(t, w.data, "bob@example.nhs.uk")
	dee := addAccount(t, w.data, "dee@example.nhs.uk", "dpo")
	w.start(t)
	ann1 := w.device(t, "ann1", ann)
	phone := &device{name: "bob-phone", profile: filepath.Join(w.profiles, "bob-phone"), passphrase: "passphrase of bob-phone", acct: bob}
	phone.login(t, w.clock, w.base)
	conv := strings.TrimSpace(ann1.chat(t, "create", "--name", "Ward 7 handover", "--member", bob.email))
	ann1.chat(t, "send", conv, "handover at eight")
	if got := texts(phone.read(t, conv)); len(got) != 1 {
		t.Fatalf("bob's phone reads %q; want the one message", got)
	}

	laptop := signInAPI(t, w.srv, bob, "bob-laptop")
	var lost wire.LostDevice
	if code, msg := laptop.call(t, "POST", "/api/me/devices/"+phone.id+"/lost", nil, &lost); code != http.StatusOK || lost.Breach == "" {
		t.Fatalf("report lost = %d %q %+v", code, msg, lost)
	}
	if code, msg := laptop.call(t, "POST", "/api/me/devices/"+phone.id+"/lost", nil, nil); code != http.StatusConflict || msg == "" {
		t.Errorf("reporting it lost again = %d %q; want 409 with a sentence", code, msg)
	}
	if _, err := phone.try(t, "", "read", conv, "--json"); err == nil {
		t.Error("the lost phone can still read")
	}
	ann1.read(t, conv) // ann's device commits the server's removal proposal
	ann1.chat(t, "send", conv, "handover moved to nine")
	if out := ann1.chat(t, "list", "--json"); strings.Contains(out, bob.email) {
		t.Errorf("ann lists %s; want bob's phone gone from the conversation", out)
	}
	if _, err := phone.try(t, "", "read", conv, "--json"); err == nil {
		t.Error("the lost phone reads the message sent after")
	}

	officer := signInAPI(t, w.srv, dee, "dee-laptop")
	var log wire.BreachLog
	officer.call(t, "GET", "/api/dpo/breaches", nil, &log)
	if len(log.Breaches) != 1 {
		t.Fatalf("the DPO's log = %+v; want the one near miss", log.Breaches)
	}
	b := log.Breaches[0]
	if b.ID != lost.Breach || b.Kind != "near-miss" || b.Category != "lost-or-stolen-device" || b.Device != phone.id || b.Clocked {
		t.Errorf("near miss = %+v", b)
	}
	for _, want := range []string{`"Command line on`, "(cli)", "by its owner", "Last seen", "App lock: on"} {
		if !strings.Contains(b.Summary, want) {
			t.Errorf("near-miss summary %q lacks %q", b.Summary, want)
		}
	}
}
