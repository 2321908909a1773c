// Package postgres is Switchboard's store on PostgreSQL, for scale-out
// installations where any number of `switchboard serve` nodes and
// `switchboard admin` commands share one database. The store itself is
// package sqlstore's, shared with package sqlite: the same queries, fault
// kinds, user-safe messages, audit chain and microsecond times. One
// contract suite (package storetest) runs against both.
//
// This package opens the database through pgx's database/sql driver
// (pgx/v5/stdlib), whose pool is ample for a store whose transactions are
// short and which goose and the SQLite-to-PostgreSQL copy can use too, and
// supplies the dialect: $n placeholders, translation of *pgconn.PgError,
// repeatable-read snapshots for the audit walk, and an advisory lock where
// transactions share no row to lock (the setup link).
//
// Invariants:
//   - The schema mirrors SQLite's column for column; times are bigint
//     microseconds since the Unix epoch (0 while unset), so a migrated row
//     is the same row.
//   - What SQLite gets from its single writer, this store gets from row
//     locks taken first in each transaction (see package sqlstore).
//   - The audit table refuses UPDATE, DELETE and TRUNCATE through triggers,
//     as do consultation records; the audit head row exists from the first
//     migration, so that appends can lock it.
//   - Migrations run under a PostgreSQL advisory lock, so nodes starting at
//     once do not race.
//
// This package translates driver errors into fault kinds (unique violation
// → Conflict, no rows → NotFound, lock and connection failures →
// Unavailable) and makes no authorisation decisions.
package postgres
