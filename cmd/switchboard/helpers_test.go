package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/keyring"
)

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// cli runs one command through run, as the binary would, and returns its
// output and error.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// server is a running `switchboard serve`.
type server struct {
	base  string
	setup string // the one-time setup link, if printed
	data  string
	logs  *syncBuffer
	clock *clock
}

// startServer runs `switchboard serve` on 127.0.0.1:0 over data until the
// test ends, on a clock of its own.
func startServer(t *testing.T, data string, extra ...string) *server {
	t.Helper()
	return startServerAt(t, &clock{}, data, extra...)
}

// startServerAt is startServer on clk; servers that share a database, or
// one restarted over the same data, share a clock, as TOTP steps once used
// stay used.
func startServerAt(t *testing.T, clk *clock, data string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	done := make(chan error, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--turn-addr", "127.0.0.1:0"}, extra...)
	go func() {
		done <- runAt(ctx, clk.now, args, func(string) string { return "" }, strings.NewReader(""), pw, logs)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve ended with %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop within 15 s of cancellation")
		}
	})
	s := &server{data: data, logs: logs, clock: clk}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	for s.base == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before it was ready; logs:\n%s", logs)
			}
			if i := strings.Index(l, "http"); i >= 0 && strings.Contains(l, "/setup/") {
				s.setup = l[i:] // printed before the running line, if at all
			}
			if after, ok := strings.CutPrefix(l, "Switchboard is running at "); ok {
				s.base = after
			}
		case <-deadline:
			t.Fatalf("serve printed no URL within 30 s; logs:\n%s", logs)
		}
	}
	go func() {
		for range lines {
		}
	}()
	return s
}

// browser is an HTTP client that keeps cookies, as a browser does.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// eventually polls cond until it holds, failing the test if it does not
// within d. Tests use it only where nothing signals the change.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v, still not %s", d, what)
		}
	}
}

// sockets counts the WebSockets the server has opened for device (it
// logs each at debug level).
func (s *server) sockets(device string) int {
	return strings.Count(s.logs.String(), `"msg":"socket open","device":"`+device+`"`)
}

// waitSocket waits until the server has opened more than n sockets for
// device, so that what is sent next reaches it live.
func (s *server) waitSocket(t *testing.T, device string, n int) {
	t.Helper()
	eventually(t, 10*time.Second, "a socket open for device "+device, func() bool { return s.sockets(device) > n })
}

// dataKeys reads the secrets key file the server or console made in the
// data directory.
func dataKeys(t testing.TB, data string) *keyring.Keyring {
	t.Helper()
	keys, err := keyring.Load(filepath.Join(data, secretsKeyFileName))
	if err != nil {
		t.Fatalf("read the secrets key file: %v", err)
	}
	return keys
}
