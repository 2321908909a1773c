package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
)

// Dialect is what differs between the databases the store runs on. Queries
// are written once, with ? placeholders and PostgreSQL's lock clauses;
// Rewrite turns each into the database's own text, once per query.
type Dialect struct {
	// Rewrite turns a query as written into the database's text: $n
	// placeholders for PostgreSQL (see Numbered), lock clauses removed for
	// SQLite, whose single writer already serialises writes.
	Rewrite func(query string) string
	// Translate turns the driver's errors into fault errors (unique
	// violation → Conflict, busy → Unavailable), returning others as they
	// are. The store has already dealt with nil, fault errors and no rows.
	Translate func(error) error
	// Snapshot are the options of a read-only transaction that reads one
	// consistent snapshot (nil: the database's default gives one).
	Snapshot *sql.TxOptions
	// Lock takes a lock on key held until tx ends, so that transactions
	// that change nothing in common still take turns (nil: writers already
	// take turns).
	Lock func(ctx context.Context, tx *sql.Tx, key int64) error
	// Prepare prepares the statements a batch repeats, where preparing is
	// local and cheap (SQLite), rather than leaving them to the driver's
	// statement cache (pgx).
	Prepare bool
}

// Store is Switchboard's store on a SQL database: every capability's store
// interface (identity.Store, messaging.Store, consult.Store) over one
// dialect. The backends embed it and add opening, migrations and their
// dialect.
type Store struct {
	write *sql.DB
	read  *sql.DB
	d     Dialect
	keys  *keyring.Keyring // seals the columns in sealedColumns

	mu      sync.RWMutex
	queries map[string]string // query as written → query as run
}

// New returns a store writing through write and reading through read
// (which may be the same pool), sealing secrets at rest with keys. The
// backend calls PrepareSecrets before it hands the store out.
func New(write, read *sql.DB, d Dialect, keys *keyring.Keyring) *Store {
	return &Store{write: write, read: read, d: d, keys: keys, queries: map[string]string{}}
}

// rewrite returns q in the dialect's text, rewriting each query only once.
func (s *Store) rewrite(q string) string {
	s.mu.RLock()
	r, ok := s.queries[q]
	s.mu.RUnlock()
	if ok {
		return r
	}
	r = s.d.Rewrite(q)
	s.mu.Lock()
	s.queries[q] = r
	s.mu.Unlock()
	return r
}

// translate turns errors into fault errors at the boundary: no rows is
// NotFound on every database; the dialect knows its driver's errors.
func (s *Store) translate(err error) error {
	var fe *fault.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return err // translated already, with a better message
	case errors.Is(err, sql.ErrNoRows):
		return fault.Wrap(fault.NotFound, "Not found.", err)
	}
	return s.d.Translate(err)
}

// query and queryRow read outside any transaction.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.read.QueryContext(ctx, s.rewrite(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.read.QueryRowContext(ctx, s.rewrite(q), args...)
}

// rowQuerier reads a row, outside a transaction (*Store) or in one (*txn).
type rowQuerier interface {
	queryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// txn is a write transaction whose queries are written as for any dialect.
// Every call takes the context.
type txn struct {
	tx *sql.Tx
	s  *Store
}

func (t *txn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.s.rewrite(q), args...)
}

func (t *txn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.s.rewrite(q), args...)
}

func (t *txn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.s.rewrite(q), args...)
}

// lock takes the dialect's transaction lock on key, if it needs one.
func (t *txn) lock(ctx context.Context, key int64) error {
	if t.s.d.Lock == nil {
		return nil
	}
	return t.s.d.Lock(ctx, t.tx, key)
}

// stmt is a statement a batch runs many times: prepared where the dialect
// asks for it, otherwise left to the driver.
type stmt struct {
	t  *txn
	q  string
	st *sql.Stmt
}

func (t *txn) prepare(ctx context.Context, q string) (*stmt, error) {
	s := &stmt{t: t, q: t.s.rewrite(q)}
	if t.s.d.Prepare {
		st, err := t.tx.PrepareContext(ctx, s.q)
		if err != nil {
			return nil, err
		}
		s.st = st
	}
	return s, nil
}

func (s *stmt) exec(ctx context.Context, args ...any) (sql.Result, error) {
	if s.st != nil {
		return s.st.ExecContext(ctx, args...)
	}
	return s.t.tx.ExecContext(ctx, s.q, args...)
}

func (s *stmt) queryRow(ctx context.Context, args ...any) *sql.Row {
	if s.st != nil {
		return s.st.QueryRowContext(ctx, args...)
	}
	return s.t.tx.QueryRowContext(ctx, s.q, args...)
}

func (s *stmt) close() {
	if s.st != nil {
		s.st.Close()
	}
}

// tx runs f in a write transaction, committing if it returns nil. SQLite
// runs it on its one writer connection, PostgreSQL in read committed,
// where the row locks each transaction takes first order concurrent
// writers and a waiter sees the row its predecessor committed.
func (s *Store) tx(ctx context.Context, f func(*txn) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.translate(err)
	}
	if err := f(&txn{tx: tx, s: s}); err != nil {
		tx.Rollback()
		return s.translate(err)
	}
	return s.translate(tx.Commit())
}

// Numbered rewrites ? placeholders as $1, $2…, for PostgreSQL. Queries
// hold no ? inside string literals.
func Numbered(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// placeholders returns n comma-separated placeholders, for IN lists.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
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

// scanRows reads every row of rs, closing it, into values whose scan
// targets fields gives.
func scanRows[T any](rs *sql.Rows, fields func(*T) []any) ([]T, error) {
	defer rs.Close()
	var out []T
	for rs.Next() {
		var v T
		if err := rs.Scan(fields(&v)...); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rs.Err()
}
