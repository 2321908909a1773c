package httpd

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// Limits of a signalling socket.
const (
	socketReadLimit = 64 << 10 // a session description with many candidates fits easily
	socketPing      = 20 * time.Second
	socketWrite     = 10 * time.Second
)

// handleConsultSocket is the clinician's signalling socket: waiting-room
// presence arrives on it, and offers, answers and candidates go both ways.
func (s *Server) handleConsultSocket(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	cl, err := s.clinician(p, r)
	if err != nil {
		return err
	}
	c, err := s.cfg.Consult.Authorize(r.Context(), cl, r.PathValue("id"))
	if err != nil {
		return err
	}
	peer := consult.NewPeer(consult.PeerInfo{ID: consult.ClinicianPeer, Role: "clinician", Label: p.User.Name})
	// The socket lives only as long as the session: a signed-out or revoked
	// device loses it at the next ping.
	bearer := r.Header.Get("Authorization")
	if c, err := r.Cookie(sessionCookie); err == nil && !strings.HasPrefix(bearer, "Bearer ") {
		bearer = "Bearer " + c.Value
	}
	alive := func(ctx context.Context) bool {
		_, err := s.identity.Authenticate(ctx, strings.TrimPrefix(bearer, "Bearer "))
		return err == nil
	}
	return s.serveSocket(w, r, c.ID, peer, true, alive)
}

var endedPrefix = []byte(`{"type":"ended"`)

// serveSocket runs one signalling socket: this goroutine reads, one
// writer goroutine writes what the hub queues and pings; both stop when
// either fails, the peer is dropped, or the server shuts down. The
// browser's Origin must be this server's (websocket.Accept checks it).
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request, consultID string, peer *consult.Peer, admitted bool, alive func(context.Context) bool) error {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return nil // Accept has answered the request
	}
	defer conn.CloseNow()
	conn.SetReadLimit(socketReadLimit)
	hub := s.cfg.Consult.Hub()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	hub.Join(consultID, peer, admitted)
	defer hub.Leave(consultID, peer)

	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		s.writeSocket(ctx, conn, peer, alive)
	}()
	for {
		b, err := readFrame(ctx, conn)
		if err != nil {
			break
		}
		var m consult.Message
		if json.Unmarshal(b, &m) != nil || m.Type != "signal" || m.To == "" || len(m.Data) == 0 {
			continue // only signalling is relayed; anything else is ignored
		}
		hub.Relay(consultID, peer.Info.ID, m.To, m.Data)
	}
	cancel()
	<-done
	return nil
}

func (s *Server) writeSocket(ctx context.Context, conn *websocket.Conn, peer *consult.Peer, alive func(context.Context) bool) {
	ping := time.NewTicker(socketPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-peer.Gone():
			conn.Close(websocket.StatusPolicyViolation, peer.Reason())
			return
		case <-ping.C:
			if alive != nil && !alive(ctx) {
				conn.Close(websocket.StatusPolicyViolation, "signed out")
				return
			}
			pctx, cancel := context.WithTimeout(ctx, socketWrite)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		case b := <-peer.Outbox():
			wctx, cancel := context.WithTimeout(ctx, socketWrite)
			err := conn.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				return
			}
			if bytes.HasPrefix(b, endedPrefix) {
				conn.Close(websocket.StatusNormalClosure, "the consultation has ended")
				return
			}
		}
	}
}
