package httpd

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// WebSocket limits (docs/messaging.md).
const (
	wsReadLimit    = 512 << 10
	wsPingEvery    = 30 * time.Second
	wsPongWithin   = 15 * time.Second
	wsWriteWithin  = 10 * time.Second
	wsHelloWithin  = 15 * time.Second
	wsReplyQueue   = 72 // replies to sends waiting for the writer
	wsSendsInFlght = 64 // sends a socket may have queued for storage
	wsReplayPage   = 500
)

// wsIn is any frame a client sends.
type wsIn struct {
	Type         string           `json:"type"`
	Cursors      map[string]int64 `json:"cursors"`
	Req          int64            `json:"req"`
	Conversation string           `json:"conversation"`
	ClientID     string           `json:"client_id"`
	Message      []byte           `json:"message"`
	Seq          int64            `json:"seq"`
	Batch        bool             `json:"batch"` // hello: the client splits text messages on newlines
}

// socket is one client's WebSocket: one reader goroutine, one writer (the
// handler's own), a bounded queue from the hub and a bounded reply queue.
type socket struct {
	srv     *Server
	m       *messaging.Service
	p       *identity.Principal
	c       *websocket.Conn
	sub     *messaging.Subscription
	cancel  context.CancelFunc
	replies chan []byte
	flight  chan struct{}

	mu      sync.Mutex
	members map[string]bool // conversations the device is in; the reader checks acks against it

	// Owned by the writer.
	next   map[string]int64 // the next seq to write, per conversation
	joined map[string]int64
	batch  bool     // the client accepts several frames per text message, one per line
	out    [][]byte // frames waiting for flush, when batching
	outLen int
}

func (s *Server) handleWS(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil // Accept has answered already
	}
	c.SetReadLimit(wsReadLimit)
	sk := &socket{srv: s, m: m, p: p, c: c, replies: make(chan []byte, wsReplyQueue),
		flight: make(chan struct{}, wsSendsInFlght), members: map[string]bool{}, next: map[string]int64{}, joined: map[string]int64{}}
	// The socket runs on the messaging service's goroutines and this
	// handler returns, so that the HTTP request's buffers and stack are
	// not held for the socket's whole life.
	if !m.Go(sk.run) {
		c.Close(websocket.StatusTryAgainLater, "the server is stopping")
	}
	return nil
}

func (k *socket) run(ctx context.Context) {
	defer k.c.CloseNow()
	ctx, k.cancel = context.WithCancel(ctx)
	defer k.cancel()
	hub := k.m.Hub()
	k.sub = hub.Subscribe(k.p.Device.ID)
	defer hub.Unsubscribe(k.sub)
	hello, err := k.readHello(ctx)
	if err != nil {
		k.c.Close(websocket.StatusPolicyViolation, "send hello first")
		return
	}
	convs, err := k.m.Memberships(ctx, k.p)
	if err != nil {
		k.c.Close(websocket.StatusTryAgainLater, "try again")
		return
	}
	k.batch = hello.Batch
	k.adopt(convs, hello.Cursors)
	k.srv.log.Debug("socket open", "device", k.p.Device.ID)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer k.cancel()
		k.readLoop(ctx)
	}()
	err = k.writeLoop(ctx, convs)
	k.cancel()
	if errors.Is(err, errSlow) {
		k.c.Close(websocket.StatusPolicyViolation, "too slow: reconnect and resume from your cursors")
	} else {
		k.c.CloseNow()
	}
	wg.Wait()
}

var errSlow = errors.New("client too slow")

// adopt starts reading the conversations of convs the socket does not
// read yet, from the device's cursor (or the one it sent in hello), and
// stops reading those no longer in convs. It returns the conversations
// it started. Called before the writer starts, or by the writer.
func (k *socket) adopt(convs []messaging.Membership, cursors map[string]int64) (added []string) {
	in := make(map[string]bool, len(convs))
	for _, c := range convs {
		in[c.Conversation] = true
		if _, ok := k.next[c.Conversation]; ok {
			continue
		}
		cur, ok := cursors[c.Conversation]
		if !ok {
			cur = c.Cursor
		}
		cur = min(max(cur, 0), c.LastSeq)
		k.joined[c.Conversation] = c.JoinedSeq
		k.next[c.Conversation] = max(cur, c.JoinedSeq) + 1
		added = append(added, c.Conversation)
	}
	var gone []string
	for c := range k.next {
		if !in[c] {
			delete(k.next, c)
			delete(k.joined, c)
			gone = append(gone, c)
		}
	}
	k.mu.Lock()
	for _, c := range added {
		k.members[c] = true
	}
	for _, c := range gone {
		delete(k.members, c)
	}
	k.mu.Unlock()
	hub := k.m.Hub()
	hub.Join(k.sub, added...)
	hub.Leave(k.sub, gone...)
	return added
}

func (k *socket) setMembers(ids ...string) {
	k.mu.Lock()
	for _, id := range ids {
		k.members[id] = true
	}
	k.mu.Unlock()
}

func (k *socket) isMember(id string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.members[id]
}

func (k *socket) readHello(ctx context.Context) (*wsIn, error) {
	hctx, cancel := context.WithTimeout(ctx, wsHelloWithin)
	defer cancel()
	data, err := readFrame(hctx, k.c)
	if err != nil {
		return nil, err
	}
	var in wsIn
	if err := json.Unmarshal(data, &in); err != nil || in.Type != "hello" {
		return nil, errors.New("first frame is not hello")
	}
	return &in, nil
}

// reply queues a frame for the writer; a client that does not read its
// replies is dropped rather than waited for.
func (k *socket) reply(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	select {
	case k.replies <- b:
	default:
		k.cancel()
	}
}

func (k *socket) replyError(req int64, err error) {
	out := map[string]any{"type": "error", "req": req, "error": fault.Message(err)}
	if e, ok := messaging.EpochOf(err); ok {
		out["epoch"] = e
	}
	k.reply(out)
}

// readFrame reads one frame. A text frame that is not UTF-8 breaks the
// WebSocket protocol (RFC 6455 §8.1): the socket is closed with 1007.
func readFrame(ctx context.Context, c *websocket.Conn) ([]byte, error) {
	typ, data, err := c.Read(ctx)
	if err != nil {
		return nil, err
	}
	if typ == websocket.MessageText && !utf8.Valid(data) {
		c.Close(websocket.StatusInvalidFramePayloadData, "text frames must be UTF-8")
		return nil, errors.New("text frame not UTF-8")
	}
	return data, nil
}

func (k *socket) readLoop(ctx context.Context) {
	for {
		data, err := readFrame(ctx, k.c)
		if err != nil {
			return
		}
		var in wsIn
		if err := json.Unmarshal(data, &in); err != nil {
			k.replyError(0, fault.Invalidf("Each frame must be one JSON object."))
			continue
		}
		switch in.Type {
		case "send":
			k.send(ctx, &in)
		case "ack":
			if k.isMember(in.Conversation) && in.Seq > 0 {
				k.m.AckLater(in.Conversation, k.p.Device.ID, in.Seq)
			}
		case "hello":
			k.replyError(in.Req, fault.Invalidf("Send hello once, as the first frame."))
		default:
			k.replyError(in.Req, fault.Invalidf("Unknown frame type; use send or ack."))
		}
	}
}

func (k *socket) send(ctx context.Context, in *wsIn) {
	select {
	case k.flight <- struct{}{}:
	case <-ctx.Done():
		return
	}
	req := in.Req
	err := k.m.SendAsync(ctx, k.p, in.Conversation, in.ClientID, in.Message, func(sent messaging.Sent, err error) {
		<-k.flight
		if err != nil {
			k.replyError(req, err)
			return
		}
		k.reply(map[string]any{"type": "sent", "req": req, "seq": sent.Seq})
	})
	if err != nil {
		<-k.flight
		k.replyError(req, err)
	}
}
