package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/fhirtest"
	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// stored returns the ciphertext the server keeps for a stream entry
// (nil once deleted), read straight from the database: the SQLite file in
// data, or the PostgreSQL database dbURL names.
func stored(t *testing.T, data, dbURL, conv string, seq uint64) []byte {
	t.Helper()
	driver, dsn, q := "sqlite", "file:"+(&url.URL{Path: filepath.Join(data, sqlite.FileName)}).EscapedPath()+"?mode=ro",
		`SELECT data FROM messages WHERE conversation_id = ? AND seq = ?`
	if dbURL != "" {
		driver, dsn, q = "pgx", dbURL, `SELECT data FROM messages WHERE conversation_id = $1 AND seq = $2`
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b []byte
	err = db.QueryRow(q, conv, seq).Scan(&b)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// filesHolding lists the files under dir whose bytes contain b.
func filesHolding(t *testing.T, dir string, b []byte) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, b) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// message returns the device's message whose text is text.
func (d *device) message(t *testing.T, conv, text string) (shownMessage, bool) {
	t.Helper()
	for _, m := range d.read(t, conv) {
		if m.Text == text {
			return m, true
		}
	}
	return shownMessage{}, false
}

// msgRecord is the path of a message's record in a CLI profile.
func (d *device) msgRecord(conv string, seq uint64) string {
	return filepath.Join(d.profile, "msg", conv, fmt.Sprintf("%020d", seq))
}

func (d *device) receipt(t *testing.T, filing string) wire.Filing {
	t.Helper()
	var f wire.Filing
	if err := json.Unmarshal([]byte(d.chat(t, "receipt", filing, "--json")), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRecordsRules drives the records rules through the real server, the
// console and CLI devices: a message filed to the record is kept while a
// legal hold applies, then deleted on the server (its ciphertext is in no
// file of the data directory) and on every member device, each of which
// confirms; the filer's receipt lists them all. A team conversation past
// its retention is deleted by a device on its own clock before the server
// sweeps, and then by the server. Bad input is refused with a sentence.
func TestRecordsRules(t *testing.T) {
	testRecordsRules(t, newIncidentWorld(t), "")
}

// TestRecordsRulesPostgres is TestRecordsRules with the server on
// PostgreSQL: there the rows are deleted, and VACUUM (the README says)
// reclaims their space.
func TestRecordsRulesPostgres(t *testing.T) {
	url, data := pgtest.Database(t), t.TempDir()
	testRecordsRules(t, newWorldOn(t, data, []string{"--database-url", url, "--secrets-key-file", filepath.Join(data, "secrets.key")}), url)
}

func testRecordsRules(t *testing.T, w *incidentWorld, dbURL string) {
	stored := func(t *testing.T, _, conv string, seq uint64) []byte { return stored(t, w.data, dbURL, conv, seq) }
	filesHolding := func(t *testing.T, dir string, b []byte) []string {
		if dbURL != "" {
			return nil // PostgreSQL's files are its own: VACUUM reclaims deleted rows
		}
		return filesHolding(t, dir, b)
	}
	ann := addAccountIn(t, w.store, "ann@example.nhs.uk", "admin", "dpo")
	bob := addAccountIn(t, w.store, "bob@example.nhs.uk")
	cat := addAccountIn(t, w.store, "cat@example.nhs.uk")

	// Bad input at the console: a sentence each, nothing changed.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"retention", "set", "--org", "RXX", "--kind", "clinical", "--max-age", "-1d"}, "at least an hour"},
		{[]string{"retention", "set", "--org", "RXX", "--kind", "gossip", "--max-age", "30d"}, "clinical, team or incident"},
		{[]string{"retention", "set", "--org", "RXX", "--kind", "team", "--max-age", "keep"}, "Say why"},
		{[]string{"retention", "set", "--org", "RXX", "--filed-grace", "45d"}, "0 to 30 days"},
		{[]string{"retention", "set", "--org", "RXY", "--kind", "team", "--max-age", "30d"}, "no organisation"},
		{[]string{"hold", "add", "--org", "RXX", "--email", bob.email}, "case reference"},
		{[]string{"hold", "add", "--org", "RXX", "--email", bob.email, "--from", "2026-12-01", "--to", "2026-12-02", "--case", "SAR-1"}, "not more than one"},
		{[]string{"hold", "add", "--org", "RXX", "--from", "2026-12-05", "--to", "2026-12-01", "--case", "SAR-1"}, "before its from date"},
	} {
		if _, err := w.admin(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("admin %s: %v; want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	var rules wire.Retention
	if err := json.Unmarshal([]byte(w.mustAdmin(t, "retention", "show", "--org", "RXX", "--json")), &rules); err != nil {
		t.Fatal(err)
	}
	if rules.FiledGraceSeconds != 86400 || slices.ContainsFunc(rules.Rules, func(r wire.RetentionRule) bool { return r.Set }) {
		t.Fatalf("a new organisation's rules %+v; want none set and a grace of 24 hours", rules)
	}
	w.mustAdmin(t, "retention", "set", "--org", "RXX", "--kind", "team", "--max-age", "30d")
	w.mustAdmin(t, "retention", "set", "--org", "RXX", "--kind", "incident", "--max-age", "keep", "--reason", "Major incident inquiry records")

	w.start(t)
	ann1, bob1, bob2, cat1 := w.device(t, "ann1", ann), w.device(t, "bob1", bob), w.device(t, "bob2", bob), w.device(t, "cat1", cat)

	// A clinical conversation: ann files one message to the record.
	if _, err := ann1.try(t, "", "create", "--name", "Ward 7", "--member", bob.email, "--kind", "gossip"); err == nil || !strings.Contains(err.Error(), "kind") {
		t.Errorf("create --kind gossip: %v; want the kinds named", err)
	}
	conv := strings.TrimSpace(ann1.chat(t, "create", "--name", "Ward 7", "--member", bob.email))
	filed, kept := unique(t, "bed 4 obs stable"), unique(t, "bed 5 for discharge")
	w.sent = append(w.sent, filed, kept)
	ann1.chat(t, "send", conv, filed)
	ann1.chat(t, "send", conv, kept)
	for _, d := range []*device{bob1, bob2} {
		if !d.reads(t, conv, kept) {
			t.Fatalf("%s never read the messages", d.name)
		}
	}
	m, ok := ann1.message(t, conv, filed)
	if !ok {
		t.Fatal("ann's device does not hold her own message")
	}
	cipher := stored(t, w.data, conv, m.Seq)
	if len(cipher) < 64 {
		t.Fatalf("the server holds %d bytes for the message; want its ciphertext", len(cipher))
	}
	if _, err := ann1.try(t, "", "file", conv, "0123456789abcdef0123456789abcdef", "--where", "EMIS"); err == nil || !strings.Contains(err.Error(), "cannot be read on this device") {
		t.Errorf("filing a message the device does not hold: %v; want a sentence saying so", err)
	}
	if _, err := ann1.try(t, "", "file", conv, m.ID); err == nil || !strings.Contains(err.Error(), "--where") {
		t.Errorf("filing without saying where: %v; want the usage", err)
	}
	fhirFile := filepath.Join(t.TempDir(), "filed.json")
	out := ann1.chat(t, "file", conv, m.ID, "--where", "EMIS, consultation 4 Dec 2026", "--fhir", fhirFile)
	filing := strings.SplitN(out, "\n", 2)[0]
	if !strings.Contains(out, filed) || !strings.Contains(out, "EMIS, consultation 4 Dec 2026") {
		t.Errorf("file printed %q; want the filing ID and a summary holding the message and where it went", out)
	}
	b, err := os.ReadFile(fhirFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := fhirtest.Validate(t, fhirtest.Schema(t, filepath.Join("..", "..")), b); err != nil || !bytes.Contains(b, []byte(filed)) {
		t.Errorf("the FHIR Bundle written (%v) does not validate or misses the message:\n%s", err, b)
	}
	if !bob1.reads(t, conv, "EMIS, consultation 4 Dec 2026") {
		t.Error("a member does not see the filing mark")
	}
	r := ann1.receipt(t, filing)
	if r.DeletedAt != nil || r.Held || !r.DueAt.After(w.clock.now().Add(23*time.Hour)) || len(r.Devices) != 0 {
		t.Errorf("receipt before the grace period %+v; want due in 24 hours, not deleted", r)
	}
	if _, err := cat1.try(t, "", "receipt", filing); err == nil || !strings.Contains(err.Error(), "no filing") {
		t.Errorf("someone outside the conversation read the receipt: %v", err)
	}

	// A hold on the conversation keeps it past the grace period.
	hold := strings.TrimSpace(w.mustAdmin(t, "hold", "add", "--org", "RXX", "--conversation", conv, "--case", "FOI-2026-0042"))
	w.clock.advance(25 * time.Hour)
	for _, d := range []*device{ann1, bob1, bob2, cat1} {
		d.login(t, w.clock, w.base) // their sessions ended, idle, in the hours that passed
	}
	w.mustAdmin(t, "sweep")
	if r := ann1.receipt(t, filing); r.DeletedAt != nil || !r.Held {
		t.Errorf("receipt under a hold %+v; want held, not deleted", r)
	}
	if stored(t, w.data, conv, m.Seq) == nil {
		t.Fatal("the server deleted a held message")
	}
	var listed []listedRecords
	for _, line := range strings.Split(strings.TrimSpace(bob1.chat(t, "list", "--json")), "\n") {
		var c listedRecords
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatal(err)
		}
		listed = append(listed, c)
	}
	if i := slices.IndexFunc(listed, func(c listedRecords) bool { return c.ID == conv }); i < 0 || listed[i].Records == nil ||
		listed[i].Records.Kind != "clinical" || !listed[i].Records.Held {
		t.Errorf("bob's list %+v; want the conversation shown as clinical and held", listed)
	}
	// The DPIA pack describes the rules and the hold in force.
	pack := filepath.Join(t.TempDir(), "pack.html")
	w.mustAdmin(t, "dpia", "--org", "RXX", "--out", pack)
	if b, err := os.ReadFile(pack); err != nil || !bytes.Contains(b, []byte("team conversations 30 days")) || !bytes.Contains(b, []byte("1 legal hold is in force")) {
		t.Errorf("the DPIA pack (%v) does not describe the retention rules and the hold in force", err)
	}
	var holds struct{ Holds []wire.Hold }
	if err := json.Unmarshal([]byte(w.mustAdmin(t, "hold", "list", "--org", "RXX", "--json")), &holds); err != nil || len(holds.Holds) != 1 || holds.Holds[0].Case != "FOI-2026-0042" {
		t.Fatalf("hold list %+v (%v)", holds, err)
	}

	// Released, the next sweep deletes it on the server and every device.
	w.mustAdmin(t, "hold", "release", hold)
	if _, err := w.admin(t, "hold", "release", hold); err == nil || !strings.Contains(err.Error(), "released already") {
		t.Errorf("releasing a hold twice: %v; want a sentence saying it was released", err)
	}
	w.mustAdmin(t, "sweep")
	if stored(t, w.data, conv, m.Seq) != nil {
		t.Fatal("the filed message is still on the server after the grace period and the hold")
	}
	if files := filesHolding(t, w.data, cipher[len(cipher)-48:]); len(files) > 0 {
		t.Errorf("the deleted ciphertext is still in %v", files)
	}
	for _, d := range []*device{ann1, bob1, bob2} {
		eventually(t, 30*time.Second, d.name+" to delete the filed message", func() bool {
			_, has := d.message(t, conv, filed)
			_, other := d.message(t, conv, kept)
			return !has && other
		})
		if _, err := os.Stat(d.msgRecord(conv, m.Seq)); err == nil {
			t.Errorf("%s's profile still holds the filed message's record", d.name)
		}
	}
	r = ann1.receipt(t, filing)
	var devices []string
	for _, d := range r.Devices {
		if d.ConfirmedAt == nil {
			t.Errorf("receipt %+v: %s has not confirmed", r, d.DeviceName)
		}
		devices = append(devices, d.Device)
	}
	if r.DeletedAt == nil || len(devices) != 3 {
		t.Errorf("receipt %+v; want deleted, with ann's and both of bob's devices", r)
	}

	// A team conversation kept 30 days: cat's device, on a clock 31 days
	// ahead, deletes on its own before the server has swept.
	team := strings.TrimSpace(ann1.chat(t, "create", "--name", "Rota swaps", "--member", cat.email, "--kind", "team"))
	rota := unique(t, "swap Friday nights")
	w.sent = append(w.sent, rota)
	ann1.chat(t, "send", team, rota)
	if !cat1.reads(t, team, rota) {
		t.Fatal("cat never read the rota message")
	}
	tm, _ := cat1.message(t, team, rota)
	teamCipher := stored(t, w.data, team, tm.Seq)
	if out := cat1.chat(t, "list"); !strings.Contains(out, "team, messages deleted after 30 days") {
		t.Errorf("cat's list %q does not say how long the team conversation is kept", out)
	}
	cat1.clk = &clock{offset: 31 * 24 * time.Hour}
	if _, has := cat1.message(t, team, rota); has {
		t.Error("a device past the retention period still shows the message")
	}
	if stored(t, w.data, team, tm.Seq) == nil {
		t.Fatal("the server swept before its clock passed the retention period")
	}
	// A hold on cat (a person) keeps everything she is in past its time;
	// released, the next sweep deletes it.
	catHold := strings.TrimSpace(w.mustAdmin(t, "hold", "add", "--org", "RXX", "--email", cat.email, "--case", "SAR-2026-17"))
	w.clock.advance(31 * 24 * time.Hour)
	ann1.login(t, w.clock, w.base)
	w.mustAdmin(t, "sweep")
	if stored(t, w.data, team, tm.Seq) == nil {
		t.Fatal("the server deleted a message of a person under a legal hold")
	}
	w.mustAdmin(t, "hold", "release", catHold)
	w.mustAdmin(t, "sweep")
	if stored(t, w.data, team, tm.Seq) != nil {
		t.Error("the server kept a message past its retention")
	}
	if files := filesHolding(t, w.data, teamCipher[len(teamCipher)-48:]); len(files) > 0 {
		t.Errorf("the expired ciphertext is still in %v", files)
	}
	eventually(t, 30*time.Second, "ann's device to delete the expired message", func() bool {
		_, has := ann1.message(t, team, rota)
		return !has
	})
	w.noPlaintext(t)
}

// listedRecords is a conversation's records rules as chat list --json
// prints them.
type listedRecords struct {
	ID      string          `json:"id"`
	Records *client.Records `json:"records"`
}
