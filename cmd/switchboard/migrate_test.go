package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/postgres"
	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// populate fills every table of a SQLite installation: an organisation and
// a user through the console, then a setup link, a device and a session
// through the store.
func populate(t *testing.T, data string) {
	t.Helper()
	if _, errOut, err := cli(t, "", "admin", "--data", data, "org", "add", "--ods", "RXX", "--name", "Example Hospitals NHS Trust"); err != nil {
		t.Fatalf("org add = %v (%s)", err, errOut)
	}
	if _, errOut, err := cli(t, "tulip ladder velvet orbit\n", "admin", "--data", data, "user", "add", "--org", "RXX", "--email", "ann@example.nhs.uk",
		"--name", "Ann Example", "--role", "clinician", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatalf("user add = %v (%s)", err, errOut)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, data, dataKeys(t, data))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, "ann@example.nhs.uk")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.SetupEnrolment(ctx, &identity.Enrolment{TokenHash: "setup-hash", Kind: identity.EnrolSetup, ExpiresAt: now.Add(time.Hour)}))
	must(db.StartSession(ctx, &identity.Session{ID: "s1", TokenHash: "tok-hash", UserID: u.ID, DeviceID: "d1", CSRF: "c", Addr: "192.0.2.1",
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(identity.AbsoluteSessionLimit)},
		&identity.Device{ID: "d1", UserID: u.ID, Name: "Chrome on Linux", Kind: "web", CreatedAt: now, LastSeenAt: now}, 7, "",
		audit.Event{At: now, OrgID: u.OrgID, Actor: u.ID, Action: "signin.ok", Target: "s1", Detail: map[string]string{"device": "d1"}}))
	// Messaging: binary columns, a boolean (last resort) and a NULL (a
	// claimed KeyPackage's data).
	_, err = db.AddKeyPackages(ctx, "d1", []*messaging.KeyPackage{{Ref: []byte{1, 2}, Data: []byte{0, 0xff}, CreatedAt: now}},
		&messaging.KeyPackage{Ref: []byte{3}, LastResort: true, Data: []byte{9}, CreatedAt: now})
	must(err)
	_, _, err = db.ClaimKeyPackage(ctx, "d1", now)
	must(err)
	must(db.CreateConversation(ctx, &messaging.Conversation{ID: "c1", OrgID: u.OrgID, CreatedAt: now}, messaging.Member{Device: "d1"}))
	_, err = db.AppendMessages(ctx, []messaging.Send{{Message: &messaging.Message{Conversation: "c1", Kind: messaging.KindApplication,
		Device: "d1", ClientID: "m1", SentAt: now, Data: []byte("\x00ciphertext")}}})
	must(err)
	// Consultations: a timeline numbered by SQLite's AUTOINCREMENT.
	must(db.CreateConsultation(ctx, &consult.Consultation{ID: "k1", OrgID: u.OrgID, ClinicianID: u.ID, Practice: "P", PatientName: "Pat",
		StartsAt: now, Slot: 15 * time.Minute, Status: consult.StatusScheduled, Mode: consult.ModeVideo, CreatedAt: now}, nil,
		[]consult.Record{{ConsultID: "k1", At: now, Kind: consult.RecordScheduled, Actor: u.ID}, {ConsultID: "k1", At: now, Kind: "note", Actor: u.ID}},
		audit.Event{At: now, OrgID: u.OrgID, Actor: u.ID, Action: "consult.schedule", Target: "k1"}))
	// The DPO's console: booleans (reportable, builtin) and JSON text.
	must(db.CreateBreach(ctx, &dpo.Breach{ID: "b1", OrgID: u.OrgID, Kind: dpo.KindBreach, Category: "other", Summary: "A list left out",
		Reportable: true, AwareAt: now, OpenedAt: now, OpenedBy: u.ID, Version: 1}, dpo.Event{At: now, Actor: u.ID, Action: "opened"},
		audit.Event{At: now, OrgID: u.OrgID, Actor: u.ID, Action: "breach.open", Target: "b1"}))
	must(db.PutRegisterEntry(ctx, &dpo.Entry{ID: "switchboard-" + u.OrgID, OrgID: u.OrgID, Name: "Switchboard", LawfulBasis: "public-task",
		Status: dpo.StatusUnderReview, NextReview: now, Screening: map[string]bool{"sensitive-data": true}, Builtin: true, UpdatedAt: now, UpdatedBy: u.ID},
		dpo.RegisterChange{EntryID: "switchboard-" + u.OrgID, At: now, Actor: u.ID, Note: "Reviewed."},
		audit.Event{At: now, OrgID: u.OrgID, Actor: u.ID, Action: "register.put", Target: "switchboard-" + u.OrgID}))
}

func TestMigrateToPostgres(t *testing.T) {
	ctx := context.Background()
	data, url := t.TempDir(), pgtest.Database(t)
	populate(t, data)

	out, errOut, err := cli(t, "", "admin", "migrate-to-postgres", "--data", data, "--database-url", url)
	if err != nil {
		t.Fatalf("migrate-to-postgres = %v (%s)", err, errOut)
	}
	t.Logf("migrate-to-postgres printed:\n%s", out)
	for _, want := range []string{"Row counts and checksums match in all", "The audit chain verifies on PostgreSQL: 6 entries."} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate-to-postgres printed:\n%s\nwant a line containing %q", out, want)
		}
	}
	for _, table := range []string{"orgs", "users", "devices", "sessions", "enrolments", "audit", "audit_head", "key_packages", "messages", "consult_records"} {
		if !strings.Contains(out, table) {
			t.Errorf("migrate-to-postgres printed no figures for table %s:\n%s", table, out)
		}
	}

	// Both stores now answer alike.
	src, err := sqlite.Open(ctx, data, dataKeys(t, data))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, url, dataKeys(t, data))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	org, err := src.OrgByODS(ctx, "RXX")
	if err != nil {
		t.Fatal(err)
	}
	for name, get := range map[string]func(identity.Store) (any, error){
		"UserByEmail":        func(s identity.Store) (any, error) { return s.UserByEmail(ctx, "ann@example.nhs.uk") },
		"OrgByODS":           func(s identity.Store) (any, error) { return s.OrgByODS(ctx, "RXX") },
		"ListOrgDevices":     func(s identity.Store) (any, error) { return s.ListOrgDevices(ctx, org.ID) },
		"SessionByTokenHash": func(s identity.Store) (any, error) { return s.SessionByTokenHash(ctx, "tok-hash") },
		"EnrolmentByHash":    func(s identity.Store) (any, error) { return s.EnrolmentByHash(ctx, "setup-hash") },
		"ListAudit":          func(s identity.Store) (any, error) { return s.ListAudit(ctx, org.ID, 0, 100) },
		"Messages":           func(s identity.Store) (any, error) { return s.(store).Messages(ctx, "c1", 0, 10) },
		"KeyPackageDevice":   func(s identity.Store) (any, error) { return s.(store).KeyPackageDevice(ctx, []byte{1, 2}) },
		"ClaimKeyPackage": func(s identity.Store) (any, error) {
			data, n, err := s.(store).ClaimKeyPackage(ctx, "d1", time.Now()) // the last resort, kept
			return fmt.Sprint(data, n), err
		},
		"ListRecords":     func(s identity.Store) (any, error) { return s.(store).ListRecords(ctx, "k1") },
		"Breaches":        func(s identity.Store) (any, error) { return s.(store).Breaches(ctx, org.ID) },
		"RegisterEntries": func(s identity.Store) (any, error) { return s.(store).RegisterEntries(ctx, org.ID) },
	} {
		want, err1 := get(src)
		got, err2 := get(dst)
		if err := errors.Join(err1, err2); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s on PostgreSQL differs from SQLite (-sqlite +postgres):\n%s", name, diff)
		}
	}

	// PostgreSQL numbers new timeline records after the copied ones.
	rec := consult.Record{ConsultID: "k1", At: time.Now(), Kind: "note", Actor: "cli"}
	if err := dst.AddRecords(ctx, []consult.Record{rec}, audit.Event{At: time.Now(), OrgID: org.ID, Actor: "cli", Action: "consult.note", Target: "k1"}); err != nil {
		t.Fatalf("AddRecords on PostgreSQL after the copy: %v", err)
	}
	if rs, err := dst.ListRecords(ctx, "k1"); err != nil || len(rs) != 3 || rs[2].Seq != 3 {
		t.Errorf("ListRecords on PostgreSQL = %+v, %v; want the new record numbered 3", rs, err)
	}

	// The console works on the new database, and the chain goes on.
	if out, errOut, err := cli(t, "", "admin", "--data", data, "--database-url", url, "org", "add", "--ods", "RYY", "--name", "Second Trust"); err != nil {
		t.Fatalf("org add on PostgreSQL = %v (%s %s)", err, out, errOut)
	}
	if out, _, err := cli(t, "", "admin", "--data", data, "--database-url", url, "audit", "verify"); err != nil || !strings.Contains(out, "8 entries verified") {
		t.Errorf("audit verify on PostgreSQL = %q, %v; want 8 entries verified", out, err)
	}

	// A second run finds the target in use and changes nothing.
	_, _, err = cli(t, "", "admin", "migrate-to-postgres", "--data", data, "--database-url", url)
	if err == nil || !strings.Contains(userMessage(err), "The PostgreSQL database is not empty") || exitCode(err) != 1 {
		t.Errorf("migrate-to-postgres into a used database = %v; want refused, saying it is not empty", err)
	}
	if n, err := dst.VerifyAudit(ctx); err != nil || n != 8 {
		t.Errorf("VerifyAudit after a refused migration = %d, %v; want 8, nil", n, err)
	}
}

func TestMigrateToPostgresRefusals(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no URL", []string{"--data", data}, "give --database-url"},
		{"not PostgreSQL", []string{"--data", data, "--database-url", "mysql://x@localhost/db"}, "must be a PostgreSQL URL"},
		{"no database", []string{"--data", data, "--database-url", "postgres://x@127.0.0.1:1/db"}, "There is no Switchboard database in"},
		{"stray argument", []string{"--data", data, "now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := cli(t, "", append([]string{"admin", "migrate-to-postgres"}, tt.args...)...)
			if err == nil || !strings.Contains(userMessage(err), tt.want) {
				t.Errorf("migrate-to-postgres %v = %v; want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

// TestDatabaseURLFromEnvironment checks SWITCHBOARD_DATABASE_URL selects
// PostgreSQL for the console as --database-url does.
func TestDatabaseURLFromEnvironment(t *testing.T) {
	url := pgtest.Database(t)
	env := func(k string) string {
		if k == "SWITCHBOARD_DATABASE_URL" {
			return url
		}
		return ""
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"admin", "--data", t.TempDir(), "org", "add", "--ods", "RZZ", "--name", "Env Trust"}, env,
		strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("org add with SWITCHBOARD_DATABASE_URL = %v (%s)", err, errOut.String())
	}
	db, err := postgres.Open(context.Background(), url, keyring.New())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.OrgByODS(context.Background(), "RZZ"); err != nil {
		t.Errorf("OrgByODS(RZZ) on PostgreSQL = %v; want the organisation added through the environment's URL", err)
	}
}
