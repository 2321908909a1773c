package turn

import (
	"net"
	"strconv"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v5"
)

// BenchmarkRelay sends packets through one allocation of the embedded
// relay to an echo peer on 127.0.0.1 and waits for each to come back, so
// one op is two relayed packets. cmd/turnload measures many allocations
// and compares with coturn.
func BenchmarkRelay(b *testing.B) {
	srv, err := Listen(Config{Addr: "127.0.0.1:0", Secret: "s3cret", Allow: AllowLoopback}, quiet(), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := peer.ReadFrom(buf)
			if err != nil {
				return
			}
			peer.WriteTo(buf[:n], from)
		}
	}()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	user := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10) + ":bench"
	c, err := pionturn.NewClient(&pionturn.ClientConfig{TURNServerAddr: srv.Addr().String(), STUNServerAddr: srv.Addr().String(),
		Username: user, Password: Password("s3cret", user), Realm: Realm, Conn: conn, LoggerFactory: loggerFactory{quiet()}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		b.Fatal(err)
	}
	rc, err := c.Allocate()
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	payload, buf := make([]byte, 200), make([]byte, 1500)
	b.SetBytes(int64(2 * len(payload)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := rc.WriteTo(payload, peer.LocalAddr()); err != nil {
			b.Fatal(err)
		}
		rc.SetReadDeadline(time.Now().Add(time.Second))
		if _, _, err := rc.ReadFrom(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "relayed-pkt/s")
}
