package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// EnvURL names the variable holding the URL of a PostgreSQL database whose
// role may create databases. Main sets it for the test binary when it
// starts a private cluster, so that every test, and any process a test
// starts, finds the same server.
const EnvURL = "SWITCHBOARD_TEST_DATABASE_URL"

// envMissing records, for the tests, why no server could be had.
const envMissing = "SWITCHBOARD_TEST_POSTGRES_MISSING"

// Main runs the tests of a package that uses Database, starting a private
// cluster first if EnvURL is unset and PostgreSQL is installed, and
// stopping it afterwards. Use it as `func TestMain(m *testing.M) {
// os.Exit(pgtest.Main(m)) }`.
func Main(m *testing.M) int {
	if os.Getenv(EnvURL) != "" {
		return m.Run()
	}
	bin, err := findBinaries()
	if err != nil {
		os.Setenv(envMissing, err.Error())
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	c, err := startCluster(ctx, bin)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: start PostgreSQL:", err)
		return 1
	}
	os.Setenv(EnvURL, c.url)
	code := m.Run()
	if err := c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: stop PostgreSQL:", err)
	}
	return code
}

// Database creates a fresh, empty database for t, dropped when t ends, and
// returns its URL. It skips t (fails it under CI) when no PostgreSQL is
// available.
func Database(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		why := os.Getenv(envMissing)
		if why == "" {
			why = "neither " + EnvURL + " is set nor was a cluster started (call pgtest.Main from TestMain)"
		}
		msg := "PostgreSQL tests need PostgreSQL: apt-get install postgresql, or set " + EnvURL + " (" + why + ")"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	db, err := openURL(admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer db.Close()
	var b [8]byte
	rand.Read(b[:])
	name := "switchboard_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		db, err := openURL(admin)
		if err != nil {
			t.Errorf("pgtest: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// withDatabase returns the URL admin with its database replaced by name.
func withDatabase(admin, name string) (string, error) {
	if strings.HasPrefix(admin, "postgres://") || strings.HasPrefix(admin, "postgresql://") {
		u, err := url.Parse(admin)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", EnvURL, err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return admin + " dbname=" + name, nil // libpq key=value form: the last one wins
}

func openURL(u string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", EnvURL, err)
	}
	return stdlib.OpenDB(*cfg), nil
}

// findBinaries locates initdb and postgres: Debian keeps them in
// /usr/lib/postgresql/N/bin, off the PATH.
func findBinaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if isExec(filepath.Join(dirs[i], "initdb")) && isExec(filepath.Join(dirs[i], "postgres")) {
			return dirs[i], nil
		}
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if isExec(filepath.Join(dir, "initdb")) && isExec(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("initdb and postgres were not found in /usr/lib/postgresql/*/bin or on the PATH")
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
