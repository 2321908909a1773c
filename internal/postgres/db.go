package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is Switchboard's store on a PostgreSQL database, shared by any number
// of `switchboard serve` nodes and `switchboard admin` commands.
type DB struct {
	*sqlstore.Store
	db *sql.DB
}

// Open connects to the database at url (a postgres:// URL or a libpq
// key=value string), brings its schema up to date, checks that keys open
// the secrets sealed in it and seals any left in plaintext by earlier
// versions. Nodes starting at once take turns at the migrations under an
// advisory lock.
func Open(ctx context.Context, url string, keys *keyring.Keyring) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, "The database URL is not valid; give one like postgres://user:password@host:5432/switchboard.", err)
	}
	sdb := stdlib.OpenDB(*cfg)
	sdb.SetMaxOpenConns(16)
	sdb.SetMaxIdleConns(16) // as many as may open: a burst does not close and reopen connections
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{Store: sqlstore.New(sdb, sdb, dialect(), keys), db: sdb}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fault.Wrap(fault.Unavailable, "The PostgreSQL database cannot be reached; check --database-url and that the server is running.", err)
	}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	if _, err := db.PrepareSecrets(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.db, sub, goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fault.Wrap(fault.Unavailable, "The database could not be brought up to date; see the log.", err)
	}
	return nil
}

// SQL returns the underlying database handle, for the migration from
// SQLite and for tests.
func (db *DB) SQL() *sql.DB { return db.db }

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// dialect is PostgreSQL's: $n placeholders, row locks as written, and an
// advisory lock where transactions that share no row must take turns.
// Read committed is the default for writes: the row locks each takes first
// order concurrent writers, and a waiter sees the row its predecessor
// committed rather than fail. Reads that must see one snapshot (the audit
// walk) ask for repeatable read.
func dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Rewrite:   sqlstore.Numbered,
		Translate: translate,
		Snapshot:  &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		Lock: func(ctx context.Context, tx *sql.Tx, key int64) error {
			_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, key)
			return err
		},
	}
}

// PostgreSQL error codes translated at the boundary.
const (
	uniqueViolation       = "23505"
	serializationFailure  = "40001"
	deadlockDetected      = "40P01"
	lockNotAvailable      = "55P03"
	tooManyConnections    = "53300"
	adminShutdown         = "57P01"
	cannotConnectNow      = "57P03"
	insufficientResources = "53000"
	diskFull              = "53100"
	outOfMemory           = "53200"
)

// translate turns PostgreSQL's and pgx's errors into fault errors at the
// boundary, with the same kinds and messages as SQLite's.
func translate(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case uniqueViolation:
			return fault.Wrap(fault.Conflict, "That already exists.", err)
		case serializationFailure, deadlockDetected, lockNotAvailable, tooManyConnections:
			return fault.Wrap(fault.Unavailable, "The database is busy. Try again in a moment.", err)
		case diskFull, insufficientResources, outOfMemory:
			return fault.Wrap(fault.Unavailable, sqlstore.CannotSave, err)
		case adminShutdown, cannotConnectNow:
			return fault.Wrap(fault.Unavailable, "The database is unavailable. Try again in a moment.", err)
		}
		return err
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ne) || errors.As(err, &ce) {
		return fault.Wrap(fault.Unavailable, "The database is unavailable. Try again in a moment.", err)
	}
	return err
}

// Compact is SQLite's concern: on PostgreSQL, autovacuum reclaims the
// rows a sweep deleted (the README says when to VACUUM by hand), so there
// is nothing to do at once.
func (db *DB) Compact(context.Context) error { return nil }
