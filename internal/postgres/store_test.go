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
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
	"github.com/switchboard-nhs/switchboard/internal/storetest"
)

var _ identity.Store = (*DB)(nil)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func openURL(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, testKeys)
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
		if _, err := db.db.ExecContext(context.Background(), s); err != nil {
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
	t.Run("audit", func(t *testing.T) {
		storetest.Audit(t, storetest.AuditBackend{
			Open: func(t *testing.T) identity.Store { return openTest(t) },
			Exec: func(t *testing.T, s identity.Store, stmt string) error {
				_, err := s.(*DB).db.ExecContext(t.Context(), stmt)
				return err
			},
			Tamper:  func(t *testing.T, s identity.Store, stmts ...string) { tamper(t, s.(*DB), stmts...) },
			Refused: []string{`TRUNCATE audit`},
		})
	})
	t.Run("messaging", func(t *testing.T) {
		storetest.Messaging(t, func(t *testing.T) storetest.MessagingStore { return openTest(t) })
	})
	t.Run("consult", func(t *testing.T) {
		storetest.Consult(t, func(t *testing.T) storetest.ConsultStore { return openTest(t) })
	})
	t.Run("incident", func(t *testing.T) {
		storetest.Incident(t, func(t *testing.T) storetest.IncidentStore { return openTest(t) })
	})
	t.Run("records", func(t *testing.T) {
		storetest.Records(t, func(t *testing.T) storetest.RecordsStore { return openTest(t) })
	})
	t.Run("dpo", func(t *testing.T) {
		storetest.DPO(t, func(t *testing.T) storetest.DPOStore { return openTest(t) })
	})
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
		wg.Go(func() { dbs[i], errs[i] = Open(ctx, url, testKeys) })
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
	_, err := Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", testKeys)
	if err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("Open(unreachable) = %v; want the database reported unreachable", err)
	}
	_, err = Open(context.Background(), "postgres://%zz", testKeys)
	if err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("Open(malformed) = %v; want the URL reported not valid", err)
	}
}

// BenchmarkAppendMessages stores batches of 32 sends of 300 bytes, one
// transaction per batch, as the stream writer does under load.
func BenchmarkAppendMessages(b *testing.B) {
	db, err := Open(context.Background(), pgtest.Database(b), testKeys)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchmarkAppendMessages(b, db)
}

// testKeys seal the secrets of every database the tests open, so that a
// test may reopen one.
var testKeys = keyring.New()
