// Package postgres is Switchboard's store on PostgreSQL, for scale-out
// installations where any number of `switchboard serve` nodes and
// `switchboard admin` commands share one database. It implements every
// store interface that package sqlite does, with the same behaviour: the
// same fault kinds and user-safe messages, the same audit chain, the same
// microsecond times. One contract suite (package storetest) runs against
// both.
//
// It goes through pgx's database/sql driver (pgx/v5/stdlib) rather than
// pgxpool: the migration library (goose) and the SQLite-to-PostgreSQL copy
// both work on *sql.DB, the store's code then mirrors package sqlite's
// line for line, and database/sql's pool is ample for a store whose
// transactions are short. Errors still arrive as *pgconn.PgError, so
// translation at the boundary loses nothing.
//
// Invariants:
//   - The schema mirrors SQLite's column for column; times are bigint
//     microseconds since the Unix epoch (0 while unset), so a migrated row
//     is the same row.
//   - Every change of identity state appends its audit entry in the same
//     transaction. Appends lock the audit_head row (SELECT … FOR UPDATE), so
//     appends from concurrent transactions and nodes form one chain.
//   - What SQLite gets from its single writer, this store gets from row
//     locks taken first in each transaction: a conversation's row (one
//     commit per epoch, gapless sequence numbers; a batch locks its
//     conversations in ID order so batches cannot deadlock), a user's row
//     (the TOTP counter, enrolment replacement), an advisory lock (the
//     setup link), and SKIP LOCKED for handing out KeyPackages once each.
//   - The audit table refuses UPDATE, DELETE and TRUNCATE through triggers,
//     as do consultation records.
//   - Migrations run under a PostgreSQL advisory lock, so nodes starting at
//     once do not race.
//
// This package translates driver errors into fault kinds (unique violation
// → Conflict, no rows → NotFound, lock and connection failures →
// Unavailable) and makes no authorisation decisions.
package postgres
