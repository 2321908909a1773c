package main

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/web"
)

// needBrowser returns the web directory when the browser tests can run: the
// client built into this binary, node and its packages, and Chromium. In CI
// a missing part fails the test; elsewhere it skips, saying what to install.
func needBrowser(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "web"))
	if err != nil {
		t.Fatal(err)
	}
	missing := ""
	switch {
	case !built():
		missing = "the web client is not built (run `npm ci && npm run build` in web/, then test again)"
	case !exists(filepath.Join(dir, "node_modules", "playwright-core")):
		missing = "web/node_modules is missing (run `npm ci` in web/)"
	case !exists("/usr/bin/chromium"):
		missing = "Chromium is missing (apt-get install chromium)"
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser tests cannot run: %s", missing)
		}
		t.Skipf("browser tests skipped: %s", missing)
	}
	return dir
}

func built() bool {
	_, err := fs.Stat(web.Dist, "dist/index.html")
	return err == nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// runNode runs node's test runner on the given test files against srv,
// giving them srv's clock to move on (see clock.serveControl).
func runNode(t *testing.T, dir string, srv *server, files ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{"--test", "--test-concurrency=1"}, files...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SWITCHBOARD_URL="+srv.base, "SWITCHBOARD_SETUP_URL="+srv.setup, "SWITCHBOARD_DATA="+srv.data,
		"SWITCHBOARD_CLOCK_URL="+srv.clock.serveControl(t))
	out, err := cmd.CombinedOutput()
	t.Logf("node --test %v:\n%s", files, out)
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
}

// TestBrowserFoundation drives the web client in headless Chromium: setup,
// enrolment with TOTP, administration and sign-in, with axe-core on every
// page.
func TestBrowserFoundation(t *testing.T) {
	dir := needBrowser(t)
	srv := startServer(t, t.TempDir())
	runNode(t, dir, srv, "e2e/foundation.test.mjs")
}
