package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/postgres"
	"github.com/switchboard-nhs/switchboard/internal/records"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
	"github.com/switchboard-nhs/switchboard/internal/sqlstore"
)

// store is what every backend provides: each capability's Store, and Close.
// Both sqlite.DB and postgres.DB implement it.
type store interface {
	identity.Store
	messaging.Store
	messaging.MembershipLister
	consult.Store
	incident.Store
	records.Store
	// Reseal seals every secret again under the current key.
	Reseal(ctx context.Context, ev audit.Event) ([]sqlstore.Sealed, error)
	dpo.Store
	// Probe reports whether the database takes a write now.
	Probe(ctx context.Context, at time.Time) error
	Close() error
}

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// databaseURLHelp describes --database-url for serve and admin alike.
const databaseURLHelp = "PostgreSQL URL (postgres://user:password@host:5432/db); use PostgreSQL instead of SQLite in --data"

// checkDatabaseURL refuses anything but a PostgreSQL URL, so that a typo
// does not silently fall back to SQLite or reach some other server.
func checkDatabaseURL(u string) error {
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return fmt.Errorf("%w: --database-url must be a PostgreSQL URL starting postgres://", errUsage)
	}
	return nil
}
