// Package identity is who may use Switchboard: organisations (by NHS ODS
// code), the people in them with their roles, their enrolment (password and
// mandatory TOTP), sign-in with per-account lockout and per-address limits,
// sessions that end on idle and at an absolute limit, the devices each
// person registers, and what admins do to accounts (roles, disabling,
// unlocking).
//
// Invariants: secrets (session tokens, enrolment tokens) are stored only as
// hashes and passwords only as argon2id hashes; every change of state is
// audited in the same transaction as the change; an organisation always
// keeps at least one enabled admin; a disabled person can neither sign in
// nor use a session; authorisation is decided here, not in the store or
// the HTTP layer. Errors carry IDs only.
package identity
