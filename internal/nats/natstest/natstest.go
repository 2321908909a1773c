// Package natstest gives tests a NATS server: the one named by
// SWITCHBOARD_TEST_NATS_URL if set, or else a real nats-server started in
// the test process on 127.0.0.1 and shut down when the test ends.
package natstest

import (
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// URL returns the URL of a NATS server for t.
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("SWITCHBOARD_TEST_NATS_URL"); u != "" {
		return u
	}
	return Start(t, 0).ClientURL()
}

// Start runs an embedded NATS server on 127.0.0.1:port (0: any free port)
// until t ends. Shut it down and Start it again on the same port to test
// what a node does when its NATS server goes away and comes back.
func Start(t testing.TB, port int) *server.Server {
	t.Helper()
	if port == 0 {
		port = server.RANDOM_PORT
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true,
		MaxPayload: 1 << 20})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("nats server not ready within 10 s")
	}
	t.Cleanup(s.Shutdown)
	return s
}

// Port returns the port s listens on.
func Port(t testing.TB, s *server.Server) int {
	t.Helper()
	_, p, err := net.SplitHostPort(s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}
