package turn

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestCredentialsWorkOnCoturn runs Debian's coturn with a shared secret,
// as a scale-out deployment does (--turn-url, --turn-secret), and relays
// through it with the credentials Switchboard issues: coturn accepts
// them, and refuses those signed with another secret.
func TestCredentialsWorkOnCoturn(t *testing.T) {
	bin, err := exec.LookPath("turnserver")
	if err != nil {
		msg := "coturn is not installed (apt-get install coturn)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
	pc.Close()
	cmd := exec.Command(bin, "-n", "--listening-ip=127.0.0.1", "--listening-port="+port, "--relay-ip=127.0.0.1",
		"--min-port=49152", "--max-port=65535", "--use-auth-secret", "--static-auth-secret=north-secret", "--realm="+Realm,
		"--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-cli", "--no-tcp-relay", "--log-file=stdout", "--simple-log")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	peer := echo(t)
	url := "turn:127.0.0.1:" + port + "?transport=udp"
	ice := NewIssuer("north-secret", []string{url}, time.Hour, time.Now).ICEServers("p1")
	if len(ice) != 1 || ice[0].URLs[0] != url {
		t.Fatalf("ICEServers = %+v; want the coturn URL", ice)
	}
	addr := "127.0.0.1:" + port
	deadline := time.Now().Add(15 * time.Second)
	for {
		err = relayVia(t, addr, ice[0].Username, ice[0].Credential, peer)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("relay through coturn with issued credentials = %v; want the echo", err)
		}
		time.Sleep(200 * time.Millisecond) // coturn is still starting
	}
	other := NewIssuer("another-secret", []string{url}, time.Hour, time.Now).ICEServers("p1")
	if err := relayVia(t, addr, other[0].Username, other[0].Credential, peer); err == nil {
		t.Error("coturn relayed with credentials signed by another secret")
	}
}
