package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pressly/goose/v3"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "switchboard.db"

// DB is Switchboard's store on one SQLite file. Writes go through a single
// connection in immediate transactions, so writers queue rather than fail;
// reads use a pool of read-only connections that WAL mode lets run while a
// write is in progress.
type DB struct {
	*sqlstore.Store
	write *sql.DB
	read  *sql.DB
	path  string
}

// Open opens (creating if needed) the database in dir, brings its schema
// up to date, checks that keys open the secrets sealed in it, and seals
// any left in plaintext by earlier versions.
func Open(ctx context.Context, dir string, keys *keyring.Keyring) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fault.Wrap(fault.Invalid, "The data directory cannot be created; check the --data path and its permissions.", err)
	}
	path := filepath.Join(dir, FileName)
	// The database, and the WAL and shared-memory files SQLite makes with
	// the database's permissions, are for the server's user alone.
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Chmod(path+suffix, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fault.Wrap(fault.Invalid, "The database file's permissions cannot be set; check who owns the --data directory.", err)
		}
	}
	dsn := func(extra string) string {
		v := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "secure_delete(1)", "synchronous(FULL)"} {
			v.Add("_pragma", p)
		}
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode() + extra
	}
	w, err := sql.Open("sqlite", dsn("&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	db := &DB{write: w, path: path}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn("&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	r.SetMaxOpenConns(8)
	db.read = r
	db.Store = sqlstore.New(w, r, dialect(), keys)
	if _, err := db.PrepareSecrets(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.write, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fault.Wrap(fault.Unavailable, "The database could not be brought up to date; see the log.", err)
	}
	return nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// dialect is SQLite's: ? placeholders as written, row-lock clauses
// dropped (the single writer connection already makes writers take turns),
// and PostgreSQL's spellings turned into SQLite's: code-point order is
// SQLite's default collation, and its max() of several arguments is
// GREATEST. Statements a batch repeats are prepared, which is local and
// cheap here.
func dialect() sqlstore.Dialect {
	lockClause := regexp.MustCompile(`\s+FOR (NO KEY )?UPDATE( SKIP LOCKED)?`)
	spellings := strings.NewReplacer(` COLLATE "C"`, ``, `GREATEST(`, `max(`)
	return sqlstore.Dialect{
		Rewrite:   func(q string) string { return spellings.Replace(lockClause.ReplaceAllString(q, "")) },
		Translate: translate,
		Prepare:   true,
	}
}

// translate turns SQLite's errors into fault errors at the boundary.
func translate(err error) error {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3lib.SQLITE_CONSTRAINT_UNIQUE, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fault.Wrap(fault.Conflict, "That already exists.", err)
		case sqlite3lib.SQLITE_BUSY, sqlite3lib.SQLITE_LOCKED:
			return fault.Wrap(fault.Unavailable, "The database is busy. Try again in a moment.", err)
		}
		switch se.Code() & 0xff { // the primary code of an extended one
		case sqlite3lib.SQLITE_FULL, sqlite3lib.SQLITE_IOERR, sqlite3lib.SQLITE_READONLY:
			return fault.Wrap(fault.Unavailable, sqlstore.CannotSave, err)
		}
	}
	return err
}

// Compact makes deleted data unrecoverable from the files at once: the
// database overwrites what it deletes (secure_delete), and this copies the
// write-ahead log into the database and truncates it, so that no older
// copy of a deleted page stays in the log.
//
// Most of the log is copied first on a reading connection (a passive
// checkpoint, which never stops writers), so that the writer is held only
// for what was written since, and for the truncation.
func (db *DB) Compact(ctx context.Context) error {
	var busy, logFrames, done int
	if err := db.read.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := db.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fault.New(fault.Unavailable, "The database is busy; the write-ahead log is truncated at the next sweep.")
	}
	return nil
}
