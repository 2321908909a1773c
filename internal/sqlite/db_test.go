package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlstore"
)

var _ identity.Store = (*DB)(nil)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir(), testKeys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tamper edits the table as someone with the file would: around the triggers.
func tamper(t *testing.T, db *DB, stmts ...string) {
	t.Helper()
	all := append([]string{"DROP TRIGGER audit_append_only_update", "DROP TRIGGER audit_append_only_delete"}, stmts...)
	for _, s := range all {
		if _, err := db.write.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestPragmas(t *testing.T) {
	db := openTest(t)
	for _, tt := range []struct{ pragma, want string }{{"journal_mode", "wal"}, {"secure_delete", "1"}, {"foreign_keys", "1"}, {"synchronous", "2"}} {
		var got string
		if err := db.read.QueryRowContext(context.Background(), "PRAGMA "+tt.pragma).Scan(&got); err != nil || got != tt.want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", tt.pragma, got, err, tt.want)
		}
	}
}

func TestDialectRewrite(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE`, `SELECT seq FROM audit_head WHERE id = 1`},
		{"SELECT 1 FROM orgs WHERE id = ?\n\t\tFOR NO KEY UPDATE", `SELECT 1 FROM orgs WHERE id = ?`},
		{`SELECT ref FROM key_packages LIMIT 1 FOR UPDATE SKIP LOCKED`, `SELECT ref FROM key_packages LIMIT 1`},
		{`ORDER BY name COLLATE "C", email COLLATE "C"`, `ORDER BY name, email`},
		{`SET locked_until = GREATEST(locked_until, ?)`, `SET locked_until = max(locked_until, ?)`},
		{`UPDATE members SET leaving = true WHERE NOT last_resort`, `UPDATE members SET leaving = true WHERE NOT last_resort`},
	}
	d := dialect()
	for _, tt := range tests {
		if got := d.Rewrite(tt.in); got != tt.want {
			t.Errorf("Rewrite(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestFullDatabase: a database that cannot grow (as on a full disk)
// refuses writes as Unavailable with a sentence, fails the readiness
// probe, keeps serving reads, and recovers once it can grow again.
func TestFullDatabase(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	if err := db.Probe(ctx, time.Now()); err != nil {
		t.Fatalf("Probe on a healthy database: %v", err)
	}
	// No free pages left, and no room to add one.
	if _, err := db.write.ExecContext(ctx, `VACUUM`); err != nil {
		t.Fatal(err)
	}
	var pages int64
	if err := db.write.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)); err != nil {
		t.Fatal(err)
	}
	err := db.Probe(ctx, time.Now())
	if !fault.Is(err, fault.Unavailable) || fault.Message(err) != sqlstore.CannotSave {
		t.Errorf("Probe on a full database = %v (%q); want Unavailable saying it cannot save", err, fault.Message(err))
	}
	if _, err := db.CountOrgs(ctx); err != nil {
		t.Errorf("reads on a full database: %v", err)
	}
	if _, err := db.write.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if err := db.Probe(ctx, time.Now()); err != nil {
		t.Errorf("Probe once the database can grow again: %v", err)
	}
}

// TestFilesPrivate: the database and its WAL are readable by the
// server's user alone, even when the file was left readable before.
func TestFilesPrivate(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(t.Context(), dir, testKeys)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Chmod(filepath.Join(dir, FileName), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(t.Context(), dir, testKeys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Probe(t.Context(), time.Now()); err != nil { // a write: the WAL exists
		t.Fatal(err)
	}
	for _, name := range []string{FileName, FileName + "-wal"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v; want 0600", name, fi.Mode().Perm())
		}
	}
}

// testKeys seal the secrets of every database the tests open, so that a
// test may reopen one.
var testKeys = keyring.New()
