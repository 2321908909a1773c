package main

import (
	"os"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
)

// TestMain gives the tests that use PostgreSQL a throwaway server (see
// package pgtest); the rest run as they would without it.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
