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
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is Switchboard's store on a PostgreSQL database, shared by any number
// of `switchboard serve` nodes and `switchboard admin` commands.
type DB struct {
	db *sql.DB
}

// Open connects to the database at url (a postgres:// URL or a libpq
// key=value string) and brings its schema up to date. Nodes starting at
// once take turns at the migrations under an advisory lock.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, "The database URL is not valid; give one like postgres://user:password@host:5432/switchboard.", err)
	}
	sdb := stdlib.OpenDB(*cfg)
	sdb.SetMaxOpenConns(16)
	sdb.SetMaxIdleConns(8)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{db: sdb}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fault.Wrap(fault.Unavailable, "The PostgreSQL database cannot be reached; check --database-url and that the server is running.", err)
	}
	if err := db.migrate(ctx); err != nil {
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

// tx runs f in a read-committed transaction, committing if it returns nil.
// Row locks (the audit head's, a user's on the TOTP counter) order
// concurrent writers; read committed lets a waiter see the row its
// predecessor committed rather than fail.
func (db *DB) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return translate(err)
	}
	return translate(tx.Commit())
}

// PostgreSQL error codes translated at the boundary.
const (
	uniqueViolation      = "23505"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
	lockNotAvailable     = "55P03"
	tooManyConnections   = "53300"
	adminShutdown        = "57P01"
	cannotConnectNow     = "57P03"
)

// translate turns driver errors into fault errors at the boundary, with the
// same kinds and messages as the SQLite store.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err // translated already, with a better message
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fault.Wrap(fault.NotFound, "Not found.", err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case uniqueViolation:
			return fault.Wrap(fault.Conflict, "That already exists.", err)
		case serializationFailure, deadlockDetected, lockNotAvailable, tooManyConnections:
			return fault.Wrap(fault.Unavailable, "The database is busy. Try again in a moment.", err)
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

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}
