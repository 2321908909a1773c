package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
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

// seed writes n audit entries through the store's own path.
func seed(t *testing.T, db *DB, n int) {
	t.Helper()
	at := time.Date(2026, 11, 2, 9, 0, 0, 123456789, time.UTC)
	for i := range n {
		err := db.tx(context.Background(), func(tx *sql.Tx) error {
			return appendAudit(tx, audit.Event{At: at.Add(time.Duration(i) * time.Second), OrgID: "org1", Actor: "u1",
				Action: "test.action", Target: fmt.Sprint("t", i), Detail: map[string]string{"n": fmt.Sprint(i)}})
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

// tamper edits the table as someone with the file would: around the triggers.
func tamper(t *testing.T, db *DB, stmts ...string) {
	t.Helper()
	all := append([]string{"DROP TRIGGER audit_append_only_update", "DROP TRIGGER audit_append_only_delete"}, stmts...)
	for _, s := range all {
		if _, err := db.write.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestAuditChain(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		stmts   []string
		wantErr string
	}{
		{"intact", nil, ""},
		{"altered action", []string{`UPDATE audit SET action = 'other' WHERE seq = 3`}, "audit entry 3: its contents were altered"},
		{"altered detail", []string{`UPDATE audit SET detail = '{"n":"9"}' WHERE seq = 2`}, "audit entry 2: its contents were altered"},
		{"altered time", []string{`UPDATE audit SET at = at + 1 WHERE seq = 4`}, "audit entry 4: its contents were altered"},
		{"removed", []string{`DELETE FROM audit WHERE seq = 3`}, "audit entry 4: expected entry 3"},
		{"removed newest", []string{`DELETE FROM audit WHERE seq = 5`}, "removed from the end"},
		{"reordered", []string{`UPDATE audit SET seq = 100 WHERE seq = 2`, `UPDATE audit SET seq = 2 WHERE seq = 3`, `UPDATE audit SET seq = 3 WHERE seq = 100`}, "audit entry 2: does not follow entry 1"},
		{"rehashed", []string{`UPDATE audit SET action = 'x', hash = zeroblob(32) WHERE seq = 2`}, "audit entry 2: its contents were altered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			seed(t, db, 5)
			tamper(t, db, tt.stmts...)
			n, err := db.VerifyAudit(ctx)
			if tt.wantErr == "" {
				if err != nil || n != 5 {
					t.Fatalf("VerifyAudit = %d, %v; want 5, nil", n, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("VerifyAudit = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestAuditAppendOnly(t *testing.T) {
	db := openTest(t)
	seed(t, db, 2)
	for _, s := range []string{`UPDATE audit SET action = 'x' WHERE seq = 1`, `DELETE FROM audit WHERE seq = 2`} {
		if _, err := db.write.Exec(s); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s = %v; want refused as append-only", s, err)
		}
	}
}

func TestPragmas(t *testing.T) {
	db := openTest(t)
	for _, tt := range []struct{ pragma, want string }{{"journal_mode", "wal"}, {"secure_delete", "1"}, {"foreign_keys", "1"}, {"synchronous", "2"}} {
		var got string
		if err := db.read.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil || got != tt.want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", tt.pragma, got, err, tt.want)
		}
	}
}
