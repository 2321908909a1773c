// Command turnload measures a TURN relay's throughput on one machine: it
// allocates relays with coturn REST API credentials and pumps UDP through
// them to an echo peer on 127.0.0.1, then reports the packets per second
// the relay forwarded. It runs against Switchboard's embedded relay
// (started in another process with -serve) or any coturn with the same
// shared secret, so the two can be compared under the same load.
//
//	turnload -serve -listen 127.0.0.1:3479 -secret s3cret &
//	turnload -server 127.0.0.1:3479 -secret s3cret -allocs 50 -pps 400 -duration 10s
//
// Load is bounded: at most 500 allocations, 5,000 packets per second each,
// 60 seconds.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	pionturn "github.com/pion/turn/v5"

	"github.com/switchboard-nhs/switchboard/internal/turn"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "turnload:", err)
		os.Exit(1)
	}
}

type config struct {
	serve    bool
	listen   string
	server   string
	secret   string
	realm    string
	allocs   int
	pps      int
	size     int
	duration time.Duration
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("turnload", flag.ContinueOnError)
	fs.BoolVar(&c.serve, "serve", false, "run Switchboard's embedded TURN relay (loopback peers allowed) until interrupted")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:3479", "with -serve: UDP address to listen on")
	fs.StringVar(&c.server, "server", "127.0.0.1:3479", "TURN server to load")
	fs.StringVar(&c.secret, "secret", "", "the TURN shared secret (coturn's static-auth-secret)")
	fs.StringVar(&c.realm, "realm", turn.Realm, "TURN realm")
	fs.IntVar(&c.allocs, "allocs", 20, "relay allocations (1-500)")
	fs.IntVar(&c.pps, "pps", 200, "packets per second each allocation sends (1-5000)")
	fs.IntVar(&c.size, "size", 200, "UDP payload bytes (about one audio packet; 20-1200)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to send (1s-60s)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case c.secret == "":
		return errors.New("give -secret")
	case c.allocs < 1 || c.allocs > 500, c.pps < 1 || c.pps > 5000, c.size < 20 || c.size > 1200,
		c.duration < time.Second || c.duration > time.Minute:
		return errors.New("-allocs 1-500, -pps 1-5000, -size 20-1200 and -duration 1s-60s")
	}
	if c.serve {
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		srv, err := turn.Listen(turn.Config{Addr: c.listen, Secret: c.secret, Allow: turn.AllowLoopback}, log, time.Now)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "embedded TURN relay on", srv.Addr())
		<-ctx.Done()
		return srv.Close()
	}
	return load(ctx, c, out)
}

// echo answers every datagram with itself and counts them.
func echo(ctx context.Context, pc net.PacketConn, n *atomic.Int64) {
	buf := make([]byte, 1500)
	for ctx.Err() == nil {
		k, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		n.Add(1)
		pc.WriteTo(buf[:k], from)
	}
}

func load(ctx context.Context, c config, out io.Writer) error {
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer peer.Close()
	peer.(*net.UDPConn).SetReadBuffer(8 << 20)
	var atPeer, back, sent atomic.Int64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); echo(ctx, peer, &atPeer) }()

	user := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10) + ":load"
	pass := turn.Password(c.secret, user)
	var relays []net.PacketConn
	var clients []*pionturn.Client
	defer func() {
		for _, r := range relays {
			r.Close()
		}
		for _, cl := range clients {
			cl.Close()
		}
	}()
	for range c.allocs {
		conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		conn.(*net.UDPConn).SetReadBuffer(4 << 20)
		cl, err := pionturn.NewClient(&pionturn.ClientConfig{TURNServerAddr: c.server, STUNServerAddr: c.server,
			Username: user, Password: pass, Realm: c.realm, Conn: conn})
		if err != nil {
			return err
		}
		clients = append(clients, cl)
		if err := cl.Listen(); err != nil {
			return err
		}
		rc, err := cl.Allocate()
		if err != nil {
			return fmt.Errorf("allocate: %w", err)
		}
		relays = append(relays, rc)
	}
	start := time.Now()
	sendCtx, stopSend := context.WithTimeout(ctx, c.duration)
	defer stopSend()
	for _, rc := range relays {
		wg.Add(2)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1500)
			for ctx.Err() == nil {
				rc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				if _, _, err := rc.ReadFrom(buf); err == nil {
					back.Add(1)
				} else if !errors.Is(err, os.ErrDeadlineExceeded) {
					var ne net.Error
					if !errors.As(err, &ne) || !ne.Timeout() {
						return
					}
				}
			}
		}()
		go func() {
			defer wg.Done()
			payload := make([]byte, c.size)
			tick := time.NewTicker(time.Second / time.Duration(c.pps))
			defer tick.Stop()
			for {
				select {
				case <-sendCtx.Done():
					return
				case <-tick.C:
					if _, err := rc.WriteTo(payload, peer.LocalAddr()); err == nil {
						sent.Add(1)
					}
				}
			}
		}()
	}
	<-sendCtx.Done()
	elapsed := time.Since(start)
	time.Sleep(500 * time.Millisecond) // let the last echoes arrive
	cancel()
	peer.Close()
	for _, r := range relays {
		r.Close()
	}
	wg.Wait()
	secs := elapsed.Seconds()
	relayed := atPeer.Load() + back.Load()
	fmt.Fprintf(out, "server %s: %d allocations, %d B payloads, offered %.0f pkt/s\n", c.server, c.allocs, c.size, float64(sent.Load())/secs)
	fmt.Fprintf(out, "  relayed %.0f pkt/s (client to peer %.0f, peer to client %.0f); round-trip loss %.2f%%\n",
		float64(relayed)/secs, float64(atPeer.Load())/secs, float64(back.Load())/secs,
		100*(1-float64(back.Load())/float64(max(sent.Load(), 1))))
	return nil
}
