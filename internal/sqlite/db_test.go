package sqlite

import (
	"context"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/identity"
)

var _ identity.Store = (*DB)(nil)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir())
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
