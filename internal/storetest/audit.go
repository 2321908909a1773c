package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// AuditBackend is what the audit chain's tamper checks need from a backend:
// ways to reach the table as someone with the database file or its owner
// role could, past the store.
type AuditBackend struct {
	// Open returns a fresh, empty store, closed when t ends.
	Open func(t *testing.T) identity.Store
	// Exec runs one statement on the database directly, with the
	// append-only triggers in place.
	Exec func(t *testing.T, s identity.Store, stmt string) error
	// Tamper runs statements on the audit table around its append-only
	// triggers, failing t if one fails.
	Tamper func(t *testing.T, s identity.Store, stmts ...string)
	// Refused lists statements beyond UPDATE and DELETE that the audit
	// table must refuse on this database (TRUNCATE, where there is one).
	Refused []string
}

// seedAudit writes n audit entries through the store's own path.
func seedAudit(t *testing.T, s identity.Store, n int) {
	t.Helper()
	at := time.Date(2026, 11, 2, 9, 0, 0, 123456789, time.UTC)
	for i := range n {
		err := s.CreateOrg(context.Background(), &identity.Org{ID: fmt.Sprint("o", i), ODS: fmt.Sprintf("R%02d", i), Name: "Org",
			Policy: identity.DefaultPolicy, CreatedAt: at}, audit.Event{At: at.Add(time.Duration(i) * time.Second), OrgID: "org1",
			Actor: "u1", Action: "test.action", Target: fmt.Sprint("t", i), Detail: map[string]string{"n": fmt.Sprint(i)}})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

// Audit runs the audit chain's tamper checks against b: every alteration,
// removal or reordering made behind the store's back is reported by
// VerifyAudit, and the table refuses changes made in front of it.
func Audit(t *testing.T, b AuditBackend) {
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
		{"reordered", []string{`UPDATE audit SET seq = 100 WHERE seq = 2`, `UPDATE audit SET seq = 2 WHERE seq = 3`,
			`UPDATE audit SET seq = 3 WHERE seq = 100`}, "audit entry 2: does not follow entry 1"},
		{"rehashed", []string{`UPDATE audit SET action = 'x', hash = prev_hash WHERE seq = 2`}, "audit entry 2: its contents were altered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := b.Open(t)
			seedAudit(t, s, 5)
			b.Tamper(t, s, tt.stmts...)
			n, err := s.VerifyAudit(context.Background())
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
	t.Run("append only", func(t *testing.T) {
		t.Parallel()
		s := b.Open(t)
		seedAudit(t, s, 2)
		stmts := append([]string{`UPDATE audit SET action = 'x' WHERE seq = 1`, `DELETE FROM audit WHERE seq = 2`}, b.Refused...)
		for _, stmt := range stmts {
			if err := b.Exec(t, s, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s = %v; want refused as append-only", stmt, err)
			}
		}
		if n, err := s.VerifyAudit(context.Background()); err != nil || n != 2 {
			t.Errorf("VerifyAudit = %d, %v; want 2, nil", n, err)
		}
	})
}
