package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// socketServer is enough of the server for a device with no
// conversations to watch: nothing waiting, KeyPackages in stock, and a
// socket that does what the test says once the device has said hello.
type socketServer struct {
	mu      sync.Mutex
	ended   bool // the session has ended: requests get 401
	sockets int
	opened  chan int // the number of each socket, once its hello is read
	// onSocket runs for the nth socket after its hello; when it returns
	// the socket is closed.
	onSocket func(ctx context.Context, n int, conn *websocket.Conn)
}

func newSocketServer(t *testing.T, onSocket func(ctx context.Context, n int, conn *websocket.Conn)) (*socketServer, *httptest.Server) {
	s := &socketServer{opened: make(chan int, 16), onSocket: onSocket}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/welcomes", s.authed(func(w http.ResponseWriter) { w.Write([]byte(`{"welcomes":[]}`)) }))
	mux.HandleFunc("GET /api/keypackages/stock", s.authed(func(w http.ResponseWriter) { w.Write([]byte(`{"stock":100}`)) }))
	mux.HandleFunc("GET /api/ws", s.socket)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return s, ts
}

func (s *socketServer) endSession() { s.mu.Lock(); s.ended = true; s.mu.Unlock() }

func (s *socketServer) authed(f func(http.ResponseWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ended := s.ended
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if ended {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"Your session has ended."}`))
			return
		}
		f(w)
	}
}

func (s *socketServer) socket(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	if _, _, err := conn.Read(r.Context()); err != nil { // hello
		return
	}
	s.mu.Lock()
	s.sockets++
	n := s.sockets
	s.mu.Unlock()
	s.opened <- n
	s.onSocket(r.Context(), n, conn)
	conn.Close(websocket.StatusGoingAway, "the server is restarting")
}

// watch runs c.Watch until it returns, and gives what it returned.
func watch(ctx context.Context, c *Client) <-chan error {
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx, func(Message) {}) }()
	return done
}

func waitOpened(t *testing.T, s *socketServer, n int) {
	t.Helper()
	select {
	case got := <-s.opened:
		if got != n {
			t.Fatalf("socket %d opened; want socket %d", got, n)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("socket %d did not open within 10 s", n)
	}
}

func ended(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return within 10 s")
		return nil
	}
}

// holdOpen keeps a socket open until the device goes.
func holdOpen(ctx context.Context, _ int, conn *websocket.Conn) {
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			return
		}
	}
}

// TestWatchStopsWhenCancelled: closing the watch (leaving the page,
// Ctrl-C at the console) ends it at once, without an error.
func TestWatchStopsWhenCancelled(t *testing.T) {
	srv, ts := newSocketServer(t, holdOpen)
	c, _ := testClient(t, ts)
	ctx, cancel := context.WithCancel(context.Background())
	done := watch(ctx, c)
	waitOpened(t, srv, 1)
	cancel()
	if err := ended(t, done); err != nil {
		t.Errorf("Watch after cancel = %v; want nil", err)
	}
}

// TestDroppedSocketDoesNotEndWatching: the server going away is not the
// end; the device reconnects, and keeps watching until it is revoked,
// when its messages are erased.
func TestDroppedSocketDoesNotEndWatching(t *testing.T) {
	srv, ts := newSocketServer(t, func(ctx context.Context, n int, conn *websocket.Conn) {
		if n == 1 {
			return // dropped at once
		}
		conn.Write(ctx, websocket.MessageText, []byte(`{"type":"erase"}`))
		holdOpen(ctx, n, conn)
	})
	c, b := testClient(t, ts)
	done := watch(t.Context(), c)
	waitOpened(t, srv, 1)
	waitOpened(t, srv, 2)
	if err := ended(t, done); !errors.Is(err, ErrErased) {
		t.Errorf("Watch after the server said erase = %v; want ErrErased", err)
	}
	if !b.wasErased() {
		t.Error("the revoked device's store was not erased")
	}
}

// TestEndedSessionEndsWatching: when the socket drops and the server then
// says the session has ended, watching stops with the sentence to sign in
// again, rather than retrying for ever.
func TestEndedSessionEndsWatching(t *testing.T) {
	var srv *socketServer
	srv, ts := newSocketServer(t, func(ctx context.Context, n int, conn *websocket.Conn) {
		srv.endSession() // signed out elsewhere; the socket goes with it
	})
	c, b := testClient(t, ts)
	done := watch(t.Context(), c)
	waitOpened(t, srv, 1)
	err := ended(t, done)
	if !fault.Is(err, fault.Unauthenticated) || fault.Message(err) != "This device's session has ended; sign in again." {
		t.Errorf("Watch after the session ended = %v; want Unauthenticated, saying to sign in again", err)
	}
	select {
	case n := <-srv.opened:
		t.Errorf("socket %d opened after the session ended", n)
	default:
	}
	if b.wasErased() {
		t.Error("a signed-out device's store was erased; only revocation erases it")
	}
}
