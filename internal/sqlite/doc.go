// Package sqlite is Switchboard's store on a single SQLite file (pure Go,
// modernc.org/sqlite), the default for a single-binary installation. The
// store itself is package sqlstore's, shared with package postgres; this
// package opens the file, runs its migrations and supplies the dialect.
//
// The database runs in WAL mode with a busy timeout, so `switchboard admin`
// commands can use it while the server runs, and with secure_delete on, so
// deleted rows are overwritten rather than left in free pages. Every write
// is an immediate transaction through one connection, so writers take turns
// and the dialect drops the row-lock clauses written for PostgreSQL; reads
// use a pool of read-only connections. Every change of identity state
// appends its audit entry in the same transaction. The audit table refuses
// UPDATE and DELETE through triggers.
//
// This package translates driver errors into fault kinds and makes no
// authorisation decisions.
package sqlite
