// Package pgtest gives tests a real PostgreSQL: the server named by
// SWITCHBOARD_TEST_DATABASE_URL when that is set, and otherwise a private
// throwaway cluster that Main starts in a temporary directory (initdb, then
// postgres listening only on a unix socket there) and stops when the tests
// end. Each test gets a fresh database of its own.
//
// PostgreSQL refuses to run as root, so under root the cluster runs as the
// postgres OS user in a directory that user owns. Without PostgreSQL
// installed, tests that need it skip, saying how to install it; under CI
// (CI set) they fail instead.
//
// Main owns the cluster it starts: the postmaster is its child, stopped
// (fast shutdown) and its directory removed when the tests end, and killed
// by the kernel if the test binary dies first.
package pgtest
