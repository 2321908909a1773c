package turn

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/pion/logging"
	pionturn "github.com/pion/turn/v5"
)

// Realm is the TURN realm of the embedded server.
const Realm = "switchboard"

// Config configures the embedded relay.
type Config struct {
	Addr    string     // UDP address to listen on, such as 0.0.0.0:3478 or 127.0.0.1:0
	RelayIP net.IP     // the address clients are told to send to; required when Addr is unspecified
	Secret  string     // the shared secret credentials are signed with
	Allow   PeerPolicy // nil means Strict
}

// Server is the embedded TURN relay.
type Server struct {
	srv  *pionturn.Server
	conn net.PacketConn
}

// Listen starts the relay. Close stops it.
func Listen(cfg Config, log *slog.Logger, now func() time.Time) (*Server, error) {
	conn, err := net.ListenPacket("udp4", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("turn: listen on %s: %w", cfg.Addr, err)
	}
	// A relay's traffic comes in bursts (a video frame is many packets);
	// a larger receive buffer absorbs them instead of dropping packets.
	if uc, ok := conn.(*net.UDPConn); ok {
		uc.SetReadBuffer(4 << 20)
		uc.SetWriteBuffer(4 << 20)
	}
	host, _, _ := net.SplitHostPort(conn.LocalAddr().String())
	relayIP := cfg.RelayIP
	if relayIP == nil {
		relayIP = net.ParseIP(host)
	}
	if relayIP == nil || relayIP.IsUnspecified() {
		conn.Close()
		return nil, fmt.Errorf("turn: listening on %s needs the address clients reach it at (--turn-relay-ip)", cfg.Addr)
	}
	allow := cfg.Allow
	if allow == nil {
		allow = Strict
	}
	secret := cfg.Secret
	srv, err := pionturn.NewServer(pionturn.ServerConfig{
		Realm:         Realm,
		LoggerFactory: loggerFactory{log},
		AuthHandler: func(ra *pionturn.RequestAttributes) (string, []byte, bool) {
			if !checkUsername(ra.Username, now()) {
				return "", nil, false
			}
			return ra.Username, pionturn.GenerateAuthKey(ra.Username, ra.Realm, Password(secret, ra.Username)), true
		},
		PacketConnConfigs: []pionturn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &pionturn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: host},
			PermissionHandler:     func(_ net.Addr, peer net.IP) bool { return allow(peer) },
		}},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("turn: start: %w", err)
	}
	return &Server{srv: srv, conn: conn}, nil
}

// Addr is the UDP address the relay listens on.
func (s *Server) Addr() *net.UDPAddr { return s.conn.LocalAddr().(*net.UDPAddr) }

// Close stops the relay and every allocation.
func (s *Server) Close() error { return s.srv.Close() }

// loggerFactory sends pion's warnings and errors to slog; its chatter
// (debug, trace, info) is dropped.
type loggerFactory struct{ log *slog.Logger }

func (f loggerFactory) NewLogger(scope string) logging.LeveledLogger {
	return leveled{f.log.With("component", "turn", "scope", scope)}
}

type leveled struct{ log *slog.Logger }

func (l leveled) Trace(string)          {}
func (l leveled) Tracef(string, ...any) {}
func (l leveled) Debug(string)          {}
func (l leveled) Debugf(string, ...any) {}
func (l leveled) Info(string)           {}
func (l leveled) Infof(string, ...any)  {}
func (l leveled) Warn(m string)         { l.log.Warn(m) }
func (l leveled) Warnf(f string, a ...any) {
	l.log.Warn(fmt.Sprintf(f, a...))
}
func (l leveled) Error(m string) { l.log.Error(m) }
func (l leveled) Errorf(f string, a ...any) {
	l.log.Error(fmt.Sprintf(f, a...))
}
