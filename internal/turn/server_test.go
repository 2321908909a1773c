package turn

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v5"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestPasswordMatchesCoturnRESTAPI(t *testing.T) {
	// coturn: password = base64(hmac-sha1(static-auth-secret, "timestamp:userid")).
	user := "1764000000:p1"
	m := hmac.New(sha1.New, []byte("north-secret"))
	m.Write([]byte(user))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	if got := Password("north-secret", user); got != want {
		t.Errorf("Password = %q; want %q", got, want)
	}
	now := time.Unix(1763990000, 0)
	ice := NewIssuer("north-secret", []string{"turn:turn.example:3478"}, time.Hour, func() time.Time { return now }).ICEServers("p1")
	if len(ice) != 1 || ice[0].Username != "1763993600:p1" || ice[0].Credential != Password("north-secret", "1763993600:p1") {
		t.Errorf("ICEServers = %+v", ice)
	}
}

func TestStrictPolicy(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", false}, {"10.1.2.3", false}, {"172.20.0.1", false}, {"192.168.1.1", false},
		{"169.254.169.254", false}, {"100.64.0.1", false}, {"0.0.0.0", false}, {"224.0.0.1", false},
		{"::1", false}, {"fe80::1", false}, {"fd00::1", false}, {"::ffff:10.0.0.1", false}, {"::ffff:127.0.0.1", false},
		{"::", false}, {"::10.0.0.1", false}, {"100::1", false}, {"2001:0:4136:e378::1", false}, {"2001:db8::1", false},
		{"192.0.2.10", false}, {"198.51.100.7", false}, {"203.0.113.9", false},
		{"64:ff9b::10.0.0.1", false}, {"64:ff9b::127.0.0.1", false}, {"64:ff9b::169.254.169.254", false},
		{"2002:7f00:1::1", false}, {"2002:c0a8:101::1", false},
		{"64:ff9b::81.2.69.160", true}, {"2002:5102:45a0::1", true},
		{"81.2.69.160", true}, {"2a00:1450:4009::1", true}, {"172.32.0.1", true},
	} {
		if got := Strict(net.ParseIP(tc.ip)); got != tc.want {
			t.Errorf("Strict(%s) = %v; want %v", tc.ip, got, tc.want)
		}
	}
	if !AllowLoopback(net.ParseIP("127.0.0.1")) || AllowLoopback(net.ParseIP("10.0.0.1")) {
		t.Error("AllowLoopback must add loopback and nothing else")
	}
}

// relay allocates on srv with the given credentials and tries to send a
// datagram to peer through the relay and get its echo back.
func relay(t *testing.T, srv *Server, user, pass string, peer net.PacketConn) error {
	t.Helper()
	return relayVia(t, srv.Addr().String(), user, pass, peer)
}

// relayVia allocates a relay on the TURN server at addr with the
// credentials, sends "ping" through it to peer and waits for the echo.
func relayVia(t *testing.T, addr, user, pass string, peer net.PacketConn) error {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := pionturn.NewClient(&pionturn.ClientConfig{
		TURNServerAddr: addr, STUNServerAddr: addr,
		Username: user, Password: pass, Realm: Realm, Conn: conn, LoggerFactory: loggerFactory{quiet()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	rc, err := c.Allocate()
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := rc.WriteTo([]byte("ping"), peer.LocalAddr()); err != nil {
		return err
	}
	rc.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64)
	n, _, err := rc.ReadFrom(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "ping" {
		t.Fatalf("relay echoed %q; want ping", buf[:n])
	}
	return nil
}

func echo(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	return pc
}

func listen(t *testing.T, allow PeerPolicy, now func() time.Time) *Server {
	t.Helper()
	srv, err := Listen(Config{Addr: "127.0.0.1:0", Secret: "s3cret", Allow: allow}, quiet(), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestRelay(t *testing.T) {
	now := time.Now
	peer := echo(t)
	good := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10) + ":p1"

	t.Run("loopback allowed by opt-in", func(t *testing.T) {
		srv := listen(t, AllowLoopback, now)
		if err := relay(t, srv, good, Password("s3cret", good), peer); err != nil {
			t.Fatalf("relay = %v; want the echo", err)
		}
	})
	t.Run("loopback refused by default", func(t *testing.T) {
		srv := listen(t, nil, now)
		if err := relay(t, srv, good, Password("s3cret", good), peer); err == nil {
			t.Fatal("relayed to 127.0.0.1 under the strict policy")
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		srv := listen(t, AllowLoopback, now)
		err := relay(t, srv, good, Password("other", good), peer)
		if err == nil {
			t.Fatal("relayed with a password signed by another secret")
		}
	})
	t.Run("expired", func(t *testing.T) {
		srv := listen(t, AllowLoopback, now)
		old := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10) + ":p1"
		if err := relay(t, srv, old, Password("s3cret", old), peer); err == nil {
			t.Fatal("relayed with expired credentials")
		}
	})
}
