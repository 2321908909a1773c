package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// load is the connected sockets of a bench run.
type load struct {
	subs   []*benchSub
	pubs   []*benchPub
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type benchSub struct {
	c       *websocket.Conn
	dev     *benchDevice
	base    string
	conv    string
	seq     int64 // the last seq received
	resumes int   // times the server dropped this socket and it resumed
	lat     []time.Duration
	last    time.Time
	done    chan struct{}
}

type benchPub struct {
	c      *websocket.Conn
	window chan struct{}
	gone   chan struct{} // closed when the reader stops
	dev    *benchDevice
	base   string
	conv   string
	mu     sync.Mutex
	unack  map[int][]byte // sent frames not yet acknowledged, by req
	resent int
	sentAt []atomic.Int64 // by req: when the send left, in Unix nanoseconds
	ackLat []time.Duration
	errs   atomic.Int64
	acked  atomic.Int64
}

type loadResult struct {
	delivered    int
	elapsed      time.Duration
	sendTime     time.Duration
	latencies    []time.Duration
	ackLatencies []time.Duration // send to acknowledgement: the durable store
	resumes      int             // subscriber sockets dropped for falling behind, then resumed
	resent       int             // sends repeated by publishers that were dropped
}

func dialBench(ctx context.Context, base string, d *benchDevice, conv string) (*websocket.Conn, error) {
	// Start from the newest entry: the bench measures live delivery.
	return dialFrom(ctx, base, d, conv, int64(1)<<40)
}

// dialFrom connects a device that has received conv up to cursor.
func dialFrom(ctx context.Context, base string, d *benchDevice, conv string, cursor int64) (*websocket.Conn, error) {
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/api/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + d.token}}})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	hello := fmt.Sprintf(`{"type":"hello","batch":true,"cursors":{%q:%d}}`, conv, cursor)
	if conv == "" { // no conversation yet: the device's own cursors
		hello = `{"type":"hello","batch":true}`
	}
	if err := c.Write(ctx, websocket.MessageText, []byte(hello)); err != nil {
		return nil, err
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return nil, err
		}
		if bytes.Contains(b, []byte(`"type":"ready"`)) {
			return c, nil
		}
	}
}

// newLoad connects every device to the one conversation, 64 at a time,
// and starts the readers.
func newLoad(ctx context.Context, cfg benchConfig, conv string, subs, pubs []*benchDevice) (*load, error) {
	subConv, pubConv := make([]string, len(subs)), make([]string, len(pubs))
	for i := range subConv {
		subConv[i] = conv
	}
	for j := range pubConv {
		pubConv[j] = conv
	}
	return newLoadIn(ctx, cfg, subConv, pubConv, subs, pubs, cfg.messages)
}

// newLoadIn connects each subscriber and publisher to its conversation
// in subConv and pubConv; each subscriber waits for want messages.
func newLoadIn(ctx context.Context, cfg benchConfig, subConv, pubConv []string, subs, pubs []*benchDevice, want int) (*load, error) {
	lctx, cancel := context.WithCancel(ctx)
	l := &load{cancel: cancel}
	l.subs = make([]*benchSub, len(subs))
	sem := make(chan struct{}, 64)
	var mu sync.Mutex
	var firstErr error
	var dial sync.WaitGroup
	for i, d := range subs {
		dial.Add(1)
		sem <- struct{}{}
		go func() {
			defer dial.Done()
			defer func() { <-sem }()
			base, conv := cfg.servers[i%len(cfg.servers)], subConv[i]
			c, err := dialBench(ctx, base, d, conv)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				firstErr = err
				return
			}
			l.subs[i] = &benchSub{c: c, dev: d, base: base, conv: conv, seq: -1,
				lat: make([]time.Duration, 0, want), done: make(chan struct{})}
		}()
	}
	dial.Wait()
	if firstErr != nil {
		l.close()
		return nil, fmt.Errorf("connect subscribers: %w", firstErr)
	}
	for j, d := range pubs {
		base, conv := cfg.servers[j%len(cfg.servers)], pubConv[j]
		c, err := dialBench(ctx, base, d, conv)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("connect publishers: %w", err)
		}
		l.pubs = append(l.pubs, &benchPub{c: c, window: make(chan struct{}, cfg.window), gone: make(chan struct{}),
			dev: d, base: base, conv: conv, unack: map[int][]byte{},
			sentAt: make([]atomic.Int64, cfg.messages)})
	}
	for _, s := range l.subs {
		l.wg.Add(1)
		go func() { defer l.wg.Done(); s.read(lctx, want) }()
	}
	for _, p := range l.pubs {
		l.wg.Add(1)
		go func() { defer l.wg.Done(); p.read(lctx) }()
	}
	return l, nil
}

var (
	clientIDField = []byte(`"client_id":"`)
	seqField      = []byte(`"seq":`)
)

// read counts message frames and their latency, from the send time the
// publisher put in the client ID. Dropped by the server for falling
// behind, it resumes from the last seq it got, as clients do.
func (s *benchSub) read(ctx context.Context, want int) {
	var buf bytes.Buffer
	for {
		_, r, err := s.c.Reader(ctx)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			if ctx.Err() != nil || s.seq < 0 {
				return
			}
			s.c.CloseNow()
			c, err := dialFrom(ctx, s.base, s.dev, s.conv, s.seq)
			if err != nil {
				return
			}
			s.c = c
			s.resumes++
			continue
		}
		now := time.Now()
		for b := range bytes.SplitSeq(buf.Bytes(), []byte("\n")) {
			i := bytes.Index(b, clientIDField)
			if i < 0 || !bytes.HasPrefix(b, []byte(`{"type":"message"`)) {
				continue
			}
			if j := bytes.Index(b, seqField); j > 0 {
				rest := b[j+len(seqField):]
				seq, err := strconv.ParseInt(string(rest[:max(0, bytes.IndexByte(rest, ','))]), 10, 64)
				if err != nil || seq <= s.seq {
					continue // replayed after a resume: counted already
				}
				s.seq = seq
			}
			id := b[i+len(clientIDField):]
			id = id[:max(0, bytes.IndexByte(id, '"'))]
			dot := bytes.LastIndexByte(id, '.')
			ns, err := strconv.ParseInt(string(id[dot+1:]), 10, 64)
			if err != nil {
				continue
			}
			s.lat = append(s.lat, now.Sub(time.Unix(0, ns)))
			s.last = now
			if len(s.lat) == want {
				close(s.done)
			}
		}
	}
}

// read releases the send window on each reply.
func (p *benchPub) read(ctx context.Context) {
	defer close(p.gone)
	for {
		_, msg, err := p.conn().Read(ctx)
		if err != nil {
			if ctx.Err() != nil || p.resume(ctx) != nil {
				return
			}
			continue
		}
		// Replies are encoded with sorted keys: {"req",…,"type":"sent"} and
		// {"epoch"?,"error",…,"type":"error"}.
		for b := range bytes.SplitSeq(msg, []byte("\n")) {
			switch {
			case bytes.HasPrefix(b, []byte(`{"req"`)):
				p.acked.Add(1)
				rest := b[len(`{"req":`):]
				if i := bytes.IndexByte(rest, ','); i > 0 {
					if req, err := strconv.Atoi(string(rest[:i])); err == nil && req >= 0 && req < len(p.sentAt) {
						p.mu.Lock()
						_, waiting := p.unack[req]
						delete(p.unack, req)
						p.mu.Unlock()
						if !waiting {
							continue // a resend's second answer
						}
						p.ackLat = append(p.ackLat, time.Since(time.Unix(0, p.sentAt[req].Load())))
					}
				}
				<-p.window
			case bytes.HasPrefix(b, []byte(`{"e`)):
				p.errs.Add(1)
				<-p.window
			}
		}
	}
}

func (p *benchPub) conn() *websocket.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.c
}

// resume reconnects a publisher the server dropped for falling behind and
// sends again what was not acknowledged: the same client IDs, so the
// server stores each once.
func (p *benchPub) resume(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.c.CloseNow()
	c, err := dialFrom(ctx, p.base, p.dev, p.conv, int64(1)<<40)
	if err != nil {
		return err
	}
	p.c = c
	for _, f := range p.unack {
		if err := c.Write(ctx, websocket.MessageText, f); err != nil {
			return err
		}
		p.resent++
	}
	return nil
}

// send has the publishers send the payloads between them, each keeping up
// to window sends unacknowledged, and waits for every subscriber.
func (l *load) send(ctx context.Context, payloads [][]byte, window int, rate float64) (*loadResult, error) {
	enc := make([]string, len(payloads))
	for i, p := range payloads {
		enc[i] = base64.StdEncoding.EncodeToString(p)
	}
	start := time.Now()
	var sending sync.WaitGroup
	errc := make(chan error, len(l.pubs))
	for pi, p := range l.pubs {
		sending.Add(1)
		go func() {
			defer sending.Done()
			conv, _ := json.Marshal(p.conv)
			take := func() error {
				select {
				case p.window <- struct{}{}:
					return nil
				case <-p.gone:
					return fmt.Errorf("the server closed a publisher's socket")
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			var every time.Duration
			if rate > 0 {
				every = time.Duration(float64(time.Second) * float64(len(l.pubs)) / rate)
			}
			next := start
			for i := pi; i < len(payloads); i += len(l.pubs) {
				if every > 0 { // open loop: send on schedule, not when acknowledged
					next = next.Add(every)
					if d := time.Until(next); d > 0 {
						time.Sleep(d)
					}
				}
				if err := take(); err != nil {
					errc <- err
					return
				}
				now := time.Now().UnixNano()
				p.sentAt[i].Store(now)
				f := fmt.Sprintf(`{"type":"send","req":%d,"conversation":%s,"client_id":"%d.%d.%d","message":"%s"}`,
					i, conv, pi, i, now, enc[i])
				p.mu.Lock()
				p.unack[i] = []byte(f)
				c := p.c
				p.mu.Unlock()
				if err := c.Write(ctx, websocket.MessageText, []byte(f)); err != nil && ctx.Err() != nil {
					errc <- err
					return
				} // otherwise the reader resumes and sends it again
			}
			for range window { // wait for the last acknowledgements
				if err := take(); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	sending.Wait()
	sendTime := time.Since(start)
	close(errc)
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	for _, p := range l.pubs {
		if n := p.errs.Load(); n > 0 {
			return nil, fmt.Errorf("the server refused %d sends", n)
		}
	}
	res := &loadResult{sendTime: sendTime}
	deadline := time.After(60 * time.Second)
wait:
	for _, s := range l.subs {
		select {
		case <-s.done:
		case <-deadline:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	l.cancel()
	l.wg.Wait()
	var last time.Time
	for _, s := range l.subs {
		res.resumes += s.resumes
		res.delivered += len(s.lat)
		res.latencies = append(res.latencies, s.lat...)
		if s.last.After(last) {
			last = s.last
		}
	}
	res.elapsed = last.Sub(start)
	for _, p := range l.pubs {
		res.ackLatencies = append(res.ackLatencies, p.ackLat...)
		res.resent += p.resent
	}
	return res, nil
}

func (l *load) close() {
	l.cancel()
	l.wg.Wait() // the readers end with the context; then their sockets are theirs no more
	for _, s := range l.subs {
		if s != nil {
			s.c.CloseNow()
		}
	}
	for _, p := range l.pubs {
		p.c.CloseNow()
	}
	l.wg.Wait()
}
