package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
	"github.com/switchboard-nhs/switchboard/internal/storetest"
)

var _ identity.Store = (*DB)(nil)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func openURL(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openTest(t *testing.T) *DB { return openURL(t, pgtest.Database(t)) }

// tamper edits the audit table as someone with the database's owner role
// could: around the triggers.
func tamper(t *testing.T, db *DB, stmts ...string) {
	t.Helper()
	all := append([]string{"ALTER TABLE audit DISABLE TRIGGER USER"}, stmts...)
	for _, s := range append(all, "ALTER TABLE audit ENABLE TRIGGER USER") {
		if _, err := db.db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestContract runs the contract every store meets (package storetest).
func TestContract(t *testing.T) {
	t.Run("identity", func(t *testing.T) {
		storetest.Identity(t, storetest.IdentityBackend{
			Open: func(t *testing.T) identity.Store { return openTest(t) },
			AlterAudit: func(t *testing.T, s identity.Store, seq int64) {
				tamper(t, s.(*DB), fmt.Sprintf(`UPDATE audit SET action = 'altered' WHERE seq = %d`, seq))
			},
		})
	})
	t.Run("messaging", func(t *testing.T) {
		storetest.Messaging(t, func(t *testing.T) storetest.MessagingStore { return openTest(t) })
	})
	t.Run("consult", func(t *testing.T) {
		storetest.Consult(t, func(t *testing.T) storetest.ConsultStore { return openTest(t) })
	})
}

// seed writes n audit entries through the store's own path.
func seed(t *testing.T, db *DB, n int) {
	t.Helper()
	at := time.Date(2026, 11, 2, 9, 0, 0, 123456789, time.UTC)
	for i := range n {
		err := db.CreateOrg(context.Background(), &identity.Org{ID: fmt.Sprint("o", i), ODS: fmt.Sprintf("R%02d", i), Name: "Org",
			Policy: identity.DefaultPolicy, CreatedAt: at}, audit.Event{At: at.Add(time.Duration(i) * time.Second), OrgID: "org1",
			Actor: "u1", Action: "test.action", Target: fmt.Sprint("t", i), Detail: map[string]string{"n": fmt.Sprint(i)}})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
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
		{"rehashed", []string{`UPDATE audit SET action = 'x', hash = decode(repeat('00', 32), 'hex') WHERE seq = 2`}, "audit entry 2: its contents were altered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
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
	for _, s := range []string{`UPDATE audit SET action = 'x' WHERE seq = 1`, `DELETE FROM audit WHERE seq = 2`, `TRUNCATE audit`} {
		if _, err := db.db.Exec(s); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s = %v; want refused as append-only", s, err)
		}
	}
	if n, err := db.VerifyAudit(context.Background()); err != nil || n != 2 {
		t.Errorf("VerifyAudit = %d, %v; want 2, nil", n, err)
	}
}

// TestNodes runs several stores on one database, as several serve nodes
// do: opening at once (so migrations race) and writing at once (so audit
// appends race); the chain must come out whole.
func TestNodes(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	const nodes, writes = 3, 10
	dbs := make([]*DB, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { dbs[i], errs[i] = Open(ctx, url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open node %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i := range nodes {
		wg.Go(func() {
			for j := range writes {
				id := fmt.Sprintf("o%d-%d", i, j)
				err := dbs[i].CreateOrg(ctx, &identity.Org{ID: id, ODS: fmt.Sprintf("R%d%02d", i, j), Name: "Org", Policy: identity.DefaultPolicy,
					CreatedAt: at}, audit.Event{At: at, OrgID: id, Actor: audit.ActorCLI, Action: "org.create", Target: id})
				if err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d CreateOrg: %v", i, err)
		}
	}
	for i, db := range dbs {
		if n, err := db.VerifyAudit(ctx); err != nil || n != nodes*writes {
			t.Errorf("node %d VerifyAudit = %d, %v; want %d, nil", i, n, err, nodes*writes)
		}
	}
}

func TestOpenBadURL(t *testing.T) {
	_, err := Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("Open(unreachable) = %v; want the database reported unreachable", err)
	}
	_, err = Open(context.Background(), "postgres://%zz")
	if err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("Open(malformed) = %v; want the URL reported not valid", err)
	}
}
