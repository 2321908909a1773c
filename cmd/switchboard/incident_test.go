package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// incidentWorld is an organisation with duty roles and call-in lists, a
// server on a test clock and CLI devices.
type incidentWorld struct {
	data, base, profiles string
	// store names the world's store to admin and serve: --data, or a
	// PostgreSQL database with its key file.
	store []string
	clock *clock
	srv   *server
	sent  []string // texts sent end to end, to search the files for
}

func newIncidentWorld(t *testing.T) *incidentWorld {
	data := t.TempDir()
	return newWorldOn(t, data, []string{"--data", data})
}

// newWorldOn is a world whose store the flags name, its organisation RXX
// made.
func newWorldOn(t *testing.T, data string, store []string) *incidentWorld {
	w := &incidentWorld{data: data, store: store, profiles: t.TempDir(), clock: &clock{}}
	if _, _, err := cli(t, "", append(append([]string{"admin"}, store...), "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust")...); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *incidentWorld) start(t *testing.T) {
	addr := freeAddr(t)
	w.base = "http://" + addr
	w.srv = startServerAt(t, w.clock, w.data, append([]string{"--addr", addr}, w.store...)...)
}

func (w *incidentWorld) device(t *testing.T, name string, a *account) *device {
	d := &device{name: name, profile: filepath.Join(w.profiles, name), passphrase: "passphrase of " + name, acct: a}
	d.login(t, w.clock, w.base)
	return d
}

// admin runs a console command against the world's data, on its clock.
func (w *incidentWorld) admin(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runAt(context.Background(), w.clock.now, append(append([]string{"admin"}, w.store...), args...), func(string) string { return "" },
		strings.NewReader(""), &out, &errb)
	if err != nil {
		return errb.String(), err
	}
	return out.String(), nil
}

func (w *incidentWorld) mustAdmin(t *testing.T, args ...string) string {
	t.Helper()
	out, err := w.admin(t, args...)
	if err != nil {
		t.Fatalf("admin %s: %v (%s)", strings.Join(args, " "), err, out)
	}
	return out
}

// incident runs an incident command on the device.
func (d *device) incident(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	stderr, err := d.sb(t, context.Background(), "", &out, append([]string{"incident", "--profile", d.profile}, args...)...)
	if err != nil {
		return stderr, err
	}
	return out.String(), nil
}

func (d *device) urgent(t *testing.T, conv string) []wire.Urgent {
	t.Helper()
	var us []wire.Urgent
	if err := json.Unmarshal([]byte(d.chat(t, "urgent", conv)), &us); err != nil {
		t.Fatal(err)
	}
	return us
}

// reads waits until the device reads text in conv.
func (d *device) reads(t *testing.T, conv, text string) bool {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		out, err := d.try(t, "", "read", conv, "--json")
		if err == nil && strings.Contains(out, text) {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// TestBleepEscalationHandover: a bleep to a duty role reaches its holder
// and nobody else; an urgent one unacknowledged escalates on schedule (the
// server's clock moved, not waited for) to the role's escalation target,
// who joins and reads it; at handover the new holder reads what follows
// and the open urgent message, the old one nothing more; acknowledgements
// close it; the server's files hold none of the text.
func TestBleepEscalationHandover(t *testing.T) {
	w := newIncidentWorld(t)
	addAccount(t, w.data, "ann@example.nhs.uk", "admin")
	bob := addAccount(t, w.data, "bob@example.nhs.uk")
	cat := addAccount(t, w.data, "cat@example.nhs.uk")
	dan := addAccount(t, w.data, "dan@example.nhs.uk")
	eve := addAccount(t, w.data, "eve@example.nhs.uk")
	w.mustAdmin(t, "duty", "add", "--org", "RXX", "--name", "Consultant on call")
	out := w.mustAdmin(t, "duty", "add", "--org", "RXX", "--name", "Medical registrar on call", "--escalate-to", "Consultant on call",
		"--escalate-after", "10m", "--json")
	var role struct {
		Name  string `json:"name"`
		After int    `json:"escalate_after_seconds"`
	}
	if err := json.Unmarshal([]byte(out), &role); err != nil || role.After != 600 {
		t.Fatalf("duty add --json printed %q", out)
	}
	w.mustAdmin(t, "duty", "assign", "--org", "RXX", "--name", "consultant on call", "--email", dan.email)
	w.mustAdmin(t, "duty", "assign", "--org", "RXX", "--name", "Medical registrar on call", "--email", bob.email)

	// Bad input: a clear sentence each, nothing written.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"duty", "add", "--org", "RXX", "--name", "Medical Registrar on call"}, "already"},
		{[]string{"duty", "add", "--org", "RXX", "--name", "X", "--escalate-to", "Nobody on call"}, "no duty role called"},
		{[]string{"duty", "assign", "--org", "RXX", "--name", "Porter", "--email", bob.email}, "the duty roles are"},
		{[]string{"duty", "assign", "--org", "RXX", "--name", "Consultant on call", "--email", "zed@example.nhs.uk"}, "no one with the email"},
		{[]string{"calllist", "add", "--org", "RXX", "--name", "Nobody"}, "at least one person"},
	} {
		if _, err := w.admin(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("admin %s: %v; want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}

	w.start(t)
	eve1, bob1, cat1, dan1 := w.device(t, "eve1", eve), w.device(t, "bob1", bob), w.device(t, "cat1", cat), w.device(t, "dan1", dan)

	if _, err := eve1.try(t, "", "bleep", "Porter on call", "hello"); err == nil || !strings.Contains(err.Error(), "Medical registrar on call") {
		t.Errorf("bleeping an unknown role: %v; want the roles listed", err)
	}
	first := unique(t, "urgent: bed 4 deteriorating")
	w.sent = append(w.sent, first)
	fields := strings.Fields(eve1.chat(t, "bleep", "medical registrar on call", first, "--urgent"))
	if len(fields) != 2 {
		t.Fatalf("bleep printed %q; want the conversation and message IDs", fields)
	}
	conv, msg := fields[0], fields[1]
	if !bob1.reads(t, conv, first) {
		t.Fatal("the registrar on call never read the bleep")
	}
	if got := cat1.list(t); slices.ContainsFunc(got, func(c listedConv) bool { return c.ID == conv }) {
		t.Error("someone not holding the role is in its conversation")
	}
	us := eve1.urgent(t, conv)
	if len(us) != 1 || !us[0].Open || len(us[0].Recipients) != 1 || us[0].Recipients[0].Person.Email != bob.email {
		t.Fatalf("urgent state %+v; want one open message waiting for bob", us)
	}

	// Nobody acknowledges: at 10 minutes it escalates to the consultant on
	// call, who joins (eve's device, online, commits the Add) and reads
	// the message sent again for them.
	wt := eve1.watch(t)
	defer wt.end()
	w.clock.advance(11 * time.Minute)
	eventually(t, 30*time.Second, "escalation to the consultant", func() bool {
		us := eve1.urgent(t, conv)
		return len(us) == 1 && us[0].EscalatedTo != nil && us[0].EscalatedTo.Email == dan.email
	})
	if !dan1.reads(t, conv, first) {
		t.Fatal("the consultant the message escalated to never read it")
	}

	// Handover: cat takes over the registrar role; bob is taken out.
	w.mustAdmin(t, "duty", "assign", "--org", "RXX", "--name", "Medical registrar on call", "--email", cat.email)
	if !cat1.reads(t, conv, first) {
		t.Fatal("the new holder does not see the open urgent message")
	}
	after := unique(t, "after handover")
	w.sent = append(w.sent, after)
	eve1.chat(t, "send", conv, after)
	if !cat1.reads(t, conv, after) {
		t.Fatal("the new holder does not read what follows the handover")
	}
	if out, _ := bob1.try(t, "", "read", conv, "--json"); strings.Contains(out, after) {
		t.Error("the previous holder reads what was sent after the handover")
	}
	us = eve1.urgent(t, conv)
	var pending []string
	for _, r := range us[0].Recipients {
		if r.Acknowledged == "" {
			pending = append(pending, r.Person.Email)
		}
	}
	slices.Sort(pending)
	if want := []string{cat.email, dan.email}; !slices.Equal(pending, want) {
		t.Errorf("waiting for %v; want %v (the new holder and the consultant)", pending, want)
	}
	if _, err := bob1.try(t, "", "ack", conv, msg); err == nil {
		t.Error("the previous holder acknowledged a message no longer theirs")
	}
	cat1.chat(t, "ack", conv, msg)
	dan1.chat(t, "ack", conv, msg)
	if us := eve1.urgent(t, conv); us[0].Open {
		t.Errorf("urgent state %+v; want it closed once everyone acknowledged", us[0])
	}

	// cat hands the role back to bob with a note, which only bob reads;
	// bob is back in the role's conversation for what follows.
	if _, err := bob1.try(t, "", "handover", "Medical registrar on call", eve.email); err == nil {
		t.Error("someone not holding the role handed it over")
	}
	note := unique(t, "handover note: bed 4 settled")
	w.sent = append(w.sent, note)
	out = cat1.chat(t, "handover", "medical registrar on call", bob.email, note)
	f := strings.Fields(strings.TrimSuffix(out, ".\n"))
	if noteConv := f[len(f)-1]; !bob1.reads(t, noteConv, note) {
		t.Errorf("the incoming holder never read the handover note (%s)", out)
	}
	back := unique(t, "back to bob")
	w.sent = append(w.sent, back)
	eventually(t, 30*time.Second, "the role's conversation to follow the handover", func() bool {
		c, err := eve1.try(t, "", "list", "--json")
		return err == nil && strings.Contains(c, bob.email) && !strings.Contains(c, cat.email)
	})
	eve1.chat(t, "send", conv, back)
	if !bob1.reads(t, conv, back) {
		t.Error("the holder handed back to does not read what follows")
	}
	w.noPlaintext(t)
}

// TestMajorIncident: a declared (exercise) major incident reaches everyone
// on the call-in lists, who read the METHANE report; answers aggregate on
// the board for every viewer; stand-down and close work; the commander's
// exported log is complete; bad input is refused clearly; the server's
// files hold no METHANE text.
func TestMajorIncident(t *testing.T) {
	w := newIncidentWorld(t)
	ann := addAccount(t, w.data, "ann@example.nhs.uk", "admin")
	bob := addAccount(t, w.data, "bob@example.nhs.uk")
	cat := addAccount(t, w.data, "cat@example.nhs.uk")
	dan := addAccount(t, w.data, "dan@example.nhs.uk")
	w.mustAdmin(t, "calllist", "add", "--org", "RXX", "--name", "ED consultants", "--email", bob.email, cat.email)
	w.mustAdmin(t, "calllist", "add", "--org", "RXX", "--name", "Theatres", "--email", cat.email, "--email", dan.email, "--json")
	w.start(t)
	ann1, bob1, cat1, dan1 := w.device(t, "ann1", ann), w.device(t, "bob1", bob), w.device(t, "cat1", cat), w.device(t, "dan1", dan)

	methane := unique(t, "M: declared. E: M62 junction 18. T: coach crash. H: fuel. A: southbound. N: 40, 8 P1. E: fire, ambulance.")
	w.sent = append(w.sent, methane)
	file := filepath.Join(t.TempDir(), "methane.txt")
	if err := os.WriteFile(file, []byte(methane), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		d    *device
		args []string
		want string
	}{
		{ann1, []string{"declare", "--methane-file", file, "--lists", "ED consultants,Porters"}, "no call-in list called"},
		{bob1, []string{"declare", "--methane-file", file, "--lists", "Theatres"}, "Only an admin"},
	} {
		if out, err := c.d.incident(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: incident %s: %v %s; want %q", c.d.name, strings.Join(c.args, " "), err, out, c.want)
		}
	}
	start := time.Now()
	out, err := ann1.incident(t, "declare", "--methane-file", file, "--exercise", "--lists", "ED consultants,Theatres")
	if err != nil {
		t.Fatalf("declare: %v (%s)", err, out)
	}
	id := strings.TrimSpace(out)
	t.Logf("declared to 3 people in %v", time.Since(start))
	out, err = ann1.incident(t, "declare", "--methane-file", file, "--lists", "Theatres", "--json")
	if err != nil {
		t.Fatalf("a second declare: %v (%s)", err, out)
	}
	var second wire.Incident
	if err := json.Unmarshal([]byte(out), &second); err != nil || second.Name != "Major incident 2" {
		t.Errorf("the second incident is %q; want it named apart as Major incident 2", second.Name)
	}

	var inc wire.Board
	board := func(d *device) wire.Board {
		t.Helper()
		out, err := d.incident(t, "board", id, "--json")
		if err != nil {
			t.Fatalf("%s: board: %v (%s)", d.name, err, out)
		}
		var b wire.Board
		if err := json.Unmarshal([]byte(out), &b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	inc = board(bob1)
	if inc.Incident.Name != "EXERCISE Major incident 1" || len(inc.Answers) != 3 {
		t.Fatalf("board %+v; want the exercise with three people called in", inc.Incident)
	}
	for _, d := range []*device{bob1, cat1, dan1} {
		if !d.reads(t, inc.Incident.Conversation, methane) {
			t.Fatalf("%s never read the METHANE report", d.name)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"respond", id, "en-route", "--eta", "-5"}, "from 1 to"},
		{[]string{"respond", id, "en-route", "--eta", "soon"}, "whole number of minutes"},
		{[]string{"respond", id, "maybe"}, "available"},
	} {
		if out, err := bob1.incident(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("incident %s: %v %s; want %q", strings.Join(c.args, " "), err, out, c.want)
		}
	}
	if _, err := bob1.incident(t, "respond", id, "en-route", "--eta", "20"); err != nil {
		t.Fatal(err)
	}
	if _, err := cat1.incident(t, "respond", id, "available"); err != nil {
		t.Fatal(err)
	}
	b := board(dan1)
	tally := map[string]wire.Tally{}
	for _, x := range b.Tallies {
		tally[x.By+"/"+x.Name] = x
	}
	if ed := tally["list/ED consultants"]; ed.Alerted != 2 || ed.EnRoute != 1 || ed.Available != 1 || ed.FirstAnswer == nil {
		t.Errorf("ED consultants tally %+v; want 2 alerted, one on the way, one available", ed)
	}
	if th := tally["list/Theatres"]; th.Alerted != 2 || th.NoAnswer != 1 {
		t.Errorf("Theatres tally %+v; want dan not answered", th)
	}
	if _, err := bob1.incident(t, "close", id); err == nil {
		t.Error("someone not commanding closed the incident")
	}
	if _, err := ann1.incident(t, "standdown", id, "--lists", "Theatres"); err != nil {
		t.Fatal(err)
	}
	b = board(ann1)
	for _, a := range b.Answers {
		if stood := a.StoodDownAt != ""; stood != (a.Person.Email == dan.email) {
			t.Errorf("%s stood down %v; only dan, on Theatres alone, should be", a.Person.Email, stood)
		}
	}
	if _, err := ann1.incident(t, "close", id); err != nil {
		t.Fatal(err)
	}
	if _, err := cat1.incident(t, "respond", id, "available"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("answering a closed incident: %v", err)
	}
	logFile := filepath.Join(t.TempDir(), "log.json")
	if out, err := ann1.incident(t, "log", id, "--out", logFile); err != nil {
		t.Fatalf("log: %v (%s)", err, out)
	}
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Server   wire.IncidentLog `json:"server"`
		Messages []shownMessage   `json:"messages"`
	}
	if err := json.Unmarshal(raw, &log); err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, e := range log.Server.Timeline {
		events = append(events, e.Event)
	}
	if want := []string{"declared", "answered", "answered", "stood_down", "closed"}; !slices.Equal(events, want) {
		t.Errorf("timeline %v; want %v", events, want)
	}
	if !slices.ContainsFunc(log.Messages, func(m shownMessage) bool { return m.Text == methane }) {
		t.Error("the exported log lacks the decrypted METHANE report")
	}
	if page, err := os.ReadFile(strings.TrimSuffix(logFile, ".json") + ".html"); err != nil || !bytes.Contains(page, []byte("coach crash")) {
		t.Errorf("the printable log is missing or lacks the report: %v", err)
	}
	if _, err := bob1.incident(t, "log", id, "--out", filepath.Join(t.TempDir(), "x.json")); err == nil {
		t.Error("someone not commanding exported the log")
	}
	w.noPlaintext(t)
}

// noPlaintext searches the server's files for every text sent.
func (w *incidentWorld) noPlaintext(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir(w.data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range w.sent {
			if bytes.Contains(b, []byte(s[len(s)-18:])) {
				t.Errorf("%s holds the plaintext %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
