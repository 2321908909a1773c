package main

import (
	"os"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
)

// TestMain gives the tests that use PostgreSQL a throwaway server (see
// package pgtest); the rest run as they would without it. Run with
// SWITCHBOARD_TEST_MAIN=1, the test binary is the switchboard command
// itself, so that a test can run a node as a process of its own and kill
// it (see startNodeProcess).
func TestMain(m *testing.M) {
	if os.Getenv("SWITCHBOARD_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(pgtest.Main(m))
}
