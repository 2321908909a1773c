package httpd

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
)

// LimitPerAddress returns a listener that holds at most max open
// connections from any one address: one more is closed as soon as it is
// accepted. The exempt prefixes (the trusted reverse proxies, which carry
// everyone's connections, and loopback) are not limited; max <= 0 limits
// nobody.
func LimitPerAddress(ln net.Listener, max int, exempt []netip.Prefix, log *slog.Logger) net.Listener {
	if max <= 0 {
		return ln
	}
	return &capListener{Listener: ln, max: max, exempt: exempt, log: log, open: map[netip.Addr]int{}}
}

type capListener struct {
	net.Listener
	max    int
	exempt []netip.Prefix
	log    *slog.Logger

	mu      sync.Mutex
	open    map[netip.Addr]int
	refused int64
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		if err != nil {
			return c, nil
		}
		a := ap.Addr().Unmap()
		if contains(l.exempt, a) {
			return c, nil
		}
		l.mu.Lock()
		if l.open[a] >= l.max {
			l.refused++
			n := l.refused
			l.mu.Unlock()
			c.Close()
			if n&(n-1) == 0 { // the 1st, 2nd, 4th, 8th… refusal, not every one
				l.log.Warn("refused a connection over the per-address limit", "limit", l.max, "refused", n)
			}
			continue
		}
		l.open[a]++
		l.mu.Unlock()
		return &capConn{Conn: c, l: l, addr: a}, nil
	}
}

// capConn gives its place back when closed.
type capConn struct {
	net.Conn
	l    *capListener
	addr netip.Addr
	once sync.Once
}

func (c *capConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		if c.l.open[c.addr]--; c.l.open[c.addr] <= 0 {
			delete(c.l.open, c.addr)
		}
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
