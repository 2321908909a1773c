package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// clock is a test server's clock: real time plus an offset that only
// grows. A test that needs a TOTP step the server has not seen yet moves
// the clock to it instead of waiting up to 30 seconds for it to come.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// advance moves the clock d forward and returns the new time.
func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.offset += d
	}
	return time.Now().Add(c.offset)
}

// step is the TOTP step the server is in.
func (c *clock) step() int64 { return identity.TOTPCounter(c.now()) }

// toStep moves the clock forward, if need be, to a second into step, so
// that the server takes step's code as the current one.
func (c *clock) toStep(step int64) {
	start := time.Unix(step*30+1, 0)
	c.advance(start.Sub(c.now()))
}

// code is secret's TOTP code for the server's current step, or for a
// later one: the server allows one step of drift either way.
func (c *clock) code(t *testing.T, secret string, ahead ...int64) string {
	t.Helper()
	step := c.step()
	if len(ahead) > 0 {
		step += ahead[0]
	}
	code, err := identity.TOTPCode(secret, step)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// serveControl serves the clock, for the browser tests in node, on a
// listener of the test's own that the server knows nothing of:
//
//	GET  /now             the clock's time
//	POST /advance?ms=N    moves it N milliseconds forward
//
// Both answer {"ms": Unix milliseconds}. It returns the base URL.
func (c *clock) serveControl(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, at time.Time) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]int64{"ms": at.UnixMilli()})
	}
	mux.HandleFunc("GET /now", func(w http.ResponseWriter, r *http.Request) { answer(w, c.now()) })
	mux.HandleFunc("POST /advance", func(w http.ResponseWriter, r *http.Request) {
		ms, err := strconv.ParseInt(r.URL.Query().Get("ms"), 10, 64)
		if err != nil || ms < 0 {
			http.Error(w, "ms must be a whole number of milliseconds, not negative", http.StatusBadRequest)
			return
		}
		answer(w, c.advance(time.Duration(ms)*time.Millisecond))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
