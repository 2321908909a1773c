// Package sqlstore is Switchboard's store over database/sql, written once
// for every SQL database it runs on: each capability's store interface
// (identity.Store, messaging.Store, consult.Store) in files named by domain
// noun. Package sqlite and package postgres open their database, run their
// migrations and hand this package a Dialect; their DB types embed Store.
//
// Queries are written once, with ? placeholders, integer microsecond times
// (0 while unset), boolean forms both databases accept (NOT last_resort,
// leaving = true), ON CONFLICT upserts, and PostgreSQL's row-lock clauses.
// The dialect rewrites each query once, cached: $n placeholders for
// PostgreSQL; for SQLite the lock clauses go, since its single writer
// connection already makes writers take turns.
//
// Invariants:
//   - Every statement takes the caller's context.
//   - Every change of identity state appends its audit entry in the same
//     transaction; an append locks the audit head first, so appends from
//     concurrent transactions and nodes form one chain.
//   - Each write transaction first locks the rows it decides on: a
//     conversation's (one commit per epoch, gapless sequence numbers; a
//     batch locks its conversations in ID order, so batches cannot
//     deadlock), a user's (the TOTP counter, enrolment replacement), an
//     organisation's (its last admin), and SKIP LOCKED hands out each
//     KeyPackage once.
//   - The columns listed in sealed.go (TOTP secrets, pending enrolment
//     credentials, patients' and guests' names and contacts, reasons,
//     checklists, outcomes) hold only values sealed with the keyring the
//     store was made with, bound to their column and row; they are sealed
//     and opened here, at the boundary, so that domain packages see
//     plaintext and the database never does. Opening refuses a database
//     sealed under keys the keyring does not hold.
//
// Errors leave through the dialect's translation (no rows → NotFound,
// unique violation → Conflict, busy → Unavailable). This package makes no
// authorisation decisions and never sees message plaintext.
package sqlstore
