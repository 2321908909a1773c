package httpd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/mls"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

func TestWebSocketOrderAndCatchUp(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()

	c := bob.dial(nil)
	until(t, c, "ready")
	for i := 0; i < 3; i++ {
		ann.send(id, fmt.Sprint("live", i), fmt.Sprint("live ", i))
	}
	var last int64
	for i := 0; i < 3; i++ {
		m := until(t, c, "message")
		seq := int64(m["seq"].(float64))
		if seq != last+1 && last != 0 {
			t.Errorf("live frames out of order: seq %d after %d", seq, last)
		}
		last = seq
	}

	// Bob sends over the socket and gets his seq; Ann's socket gets it.
	ac := ann.dial(nil)
	until(t, ac, "ready")
	ct, _ := bob.groups[id].Protect([]byte("from bob's socket"), nil)
	b, _ := json.Marshal(map[string]any{"type": "send", "req": 7, "conversation": id, "client_id": "ws-1", "message": ct})
	c.Write(context.Background(), websocket.MessageText, b)
	sent := until(t, c, "sent")
	if sent["req"] != float64(7) || sent["seq"] != float64(last+1) {
		t.Errorf("sent = %v; want req 7, seq %d", sent, last+1)
	}
	if m := until(t, ac, "message"); m["client_id"] != "ws-1" {
		t.Errorf("ann's socket got %v; want bob's message", m)
	}
	last++

	// Bob drops off; five messages later he resumes from his cursor and
	// gets exactly those five, in order, then live ones.
	c.CloseNow()
	for i := 0; i < 5; i++ {
		ann.send(id, fmt.Sprint("missed", i), fmt.Sprint("missed ", i))
	}
	c = bob.dial(map[string]int64{id: last})
	var got []string
	lowStock := false
	for {
		m := frame(t, c, 10*time.Second)
		if m["type"] == "ready" {
			break
		}
		if m["type"] == "keypackages_low" {
			lowStock = true
			continue
		}
		got = append(got, fmt.Sprint(m["client_id"], "@", m["seq"]))
	}
	var want []string
	for i := 0; i < 5; i++ {
		want = append(want, fmt.Sprint("missed", i, "@", last+1+int64(i)))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("replay after reconnect = %v; want %v", got, want)
	}
	if !lowStock {
		t.Error("a device with fewer than 10 KeyPackages was not told so on connecting")
	}
	ann.send(id, "after", "after")
	if m := until(t, c, "message"); m["client_id"] != "after" {
		t.Errorf("first live frame after replay = %v; want client_id after", m)
	}
}

func TestSlowClientIsDroppedOthersUnaffected(t *testing.T) {
	l := testLimits()
	l.SocketQueue = 8
	f := newMsgFixture(t, l)
	ann := f.device("ann@example.nhs.uk")
	slow := f.device("bob@example.nhs.uk")
	fast := f.device("cat@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk", "cat@example.nhs.uk")
	slow.join()
	fast.join()
	sc := slow.dial(nil)
	fc := fast.dial(nil)
	until(t, fc, "ready")

	const n = 40
	done := make(chan []int64)
	go func() {
		var seqs []int64
		for len(seqs) < n {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			_, b, err := fc.Read(ctx)
			cancel()
			if err != nil {
				break
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			if m["type"] == "message" {
				seqs = append(seqs, int64(m["seq"].(float64)))
			}
		}
		done <- seqs
	}()
	pad := make([]byte, 200<<10)
	for i := 0; i < n; i++ {
		ct, _ := ann.groups[id].Protect(pad, nil)
		if code := ann.do("POST", "/api/conversations/"+id+"/messages", map[string]any{"client_id": fmt.Sprint(i), "message": ct}, nil); code != 200 {
			t.Fatalf("send %d = %d", i, code)
		}
	}
	if seqs := <-done; len(seqs) != n {
		t.Errorf("the reading client got %d of %d messages while another stalled", len(seqs), n)
	}
	// The stalled client finds its socket closed once it reads again.
	frames := 0
	var err error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, _, err = sc.Read(ctx)
		cancel()
		if err != nil {
			break
		}
		frames++
	}
	// The server closes with a policy violation, or, when its writes are
	// blocked on the stalled connection, drops the connection.
	if frames >= n || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stalled client: %d frames then %v; want fewer than %d and its socket closed", frames, err, n)
	}
}

func TestRevokedDeviceIsErasedAndRemoved(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk", "clinician", "admin")
	bob := f.device("bob@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()
	cat := f.device("cat@example.nhs.uk")
	other := cat.create("bob@example.nhs.uk") // a second conversation, started by someone else
	bob.join()
	bc := bob.dial(nil)
	until(t, bc, "ready")

	if code := ann.do("POST", "/api/admin/devices/"+bob.id+"/revoke", nil, nil); code != 200 && code != 204 {
		t.Fatalf("revoke = %d", code)
	}
	if m := until(t, bc, "erase"); m["type"] != "erase" {
		t.Fatalf("revoked device got %v; want erase", m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := bc.Read(ctx); err == nil {
		t.Error("the revoked device's socket stayed open after erase")
	}

	// The server proposed the removal as external sender; Ann's MLS group
	// verifies it and commits it by reference.
	_, msgs := ann.read(id, 0)
	var prop *wire.Message
	for i := range msgs {
		if msgs[i].Kind == wire.KindProposal {
			prop = &msgs[i]
		}
	}
	if prop == nil || prop.Device != "" {
		t.Fatalf("stream = %+v; want a proposal from the server", msgs)
	}
	if code, res := ann.commit(id, mls.CommitOptions{}); code != 200 {
		t.Fatalf("commit of the removal = %d %v", code, res)
	}
	var list struct{ Conversations []conversationJSON }
	ann.do("GET", "/api/conversations", nil, &list)
	for _, m := range list.Conversations[0].Members {
		if m.Device == bob.id {
			t.Errorf("revoked device still a member after the commit: %+v", list.Conversations[0].Members)
		}
	}
	if got := ann.groups[id].Members(); len(got) != 1 {
		t.Errorf("ann's MLS group has %d members; want 1", len(got))
	}
	// The other conversation gets its own proposal, which its member commits.
	_, msgs = cat.read(other, 0)
	if len(msgs) == 0 || msgs[len(msgs)-1].Kind != wire.KindProposal || msgs[len(msgs)-1].Device != "" {
		t.Fatalf("the second conversation's stream = %+v; want the server's proposal last", msgs)
	}
	if code, res := cat.commit(other, mls.CommitOptions{}); code != 200 {
		t.Fatalf("commit of the removal in the second conversation = %d %v", code, res)
	}
	if got := cat.groups[other].Members(); len(got) != 1 {
		t.Errorf("cat's MLS group has %d members; want 1 once the revoked device is out", len(got))
	}
}

func TestOversizedFrameClosesSocket(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := ann.dial(nil)
	until(t, c, "ready")
	c.Write(ctx, websocket.MessageText, make([]byte, 600<<10))
	var err error
	for err == nil {
		_, _, err = c.Read(ctx)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Error("a frame over 512 KiB did not close the socket")
	}
}

// TestInvalidUTF8ClosesSocket: a text frame that is not UTF-8 breaks the
// protocol; the server closes with 1007 rather than ignore it.
func TestInvalidUTF8ClosesSocket(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := ann.dial(nil)
	until(t, c, "ready")
	c.Write(ctx, websocket.MessageText, []byte("{\"type\":\"ack\",\"conversation\":\"\xff\xfe\"}"))
	var err error
	for err == nil {
		_, _, err = c.Read(ctx)
	}
	if got := websocket.CloseStatus(err); got != websocket.StatusInvalidFramePayloadData {
		t.Errorf("closed with %v (%v); want 1007", got, err)
	}
}

// TestBatchedFrames: a client that asks for batching gets every message,
// in order, possibly several per text message, one per line.
func TestBatchedFrames(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	id := ann.create("bob@example.nhs.uk")
	bob.join()
	const n = 50
	for i := 0; i < n; i++ {
		ann.send(id, fmt.Sprint("m", i), fmt.Sprint("text ", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.ts.URL, "http")+"/api/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + bob.token}}})
	if err != nil {
		t.Fatal(err)
	}
	c.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","batch":true,"cursors":{}}`))
	var seqs []int64
	multi := false
	for len(seqs) < n {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read after %d messages: %v", len(seqs), err)
		}
		lines := bytes.Split(b, []byte("\n"))
		multi = multi || len(lines) > 1
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				t.Fatalf("line %q is not one JSON frame: %v", l, err)
			}
			if m["type"] == "message" {
				seqs = append(seqs, int64(m["seq"].(float64)))
			}
		}
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Fatalf("batched seqs out of order: %v", seqs)
		}
	}
	if !multi {
		t.Error("50 waiting messages came one per text message; want them batched")
	}
}

// TestMessagingMetrics: the socket gauge and delivery counter move, and
// carry no labels that could name anyone.
func TestMessagingMetrics(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	id := ann.create()
	c := ann.dial(nil)
	until(t, c, "ready")
	ann.send(id, "m1", "hello")
	until(t, c, "message")
	// The first message may have come in the socket's catch-up from the
	// store; by now the socket reads the conversation live, so the second
	// comes through the hub.
	ann.send(id, "m2", "hello again")
	until(t, c, "message")
	res, err := http.Get(f.ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	// The setup commit may reach the socket too (it is published after
	// being acknowledged), so deliveries are 1 or 2.
	for _, want := range []string{"switchboard_sockets 1\n", "switchboard_deliveries_total ", "switchboard_sockets_dropped_total 0\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(b.String(), "switchboard_deliveries_total 0\n") {
		t.Error("the delivery counter did not move")
	}
}

// TestResyncAfterMissedEvents: when the node misses events (its link to
// the other nodes broke), a resync makes each socket catch up from the
// store, in order, and start reading conversations the device joined
// meanwhile.
func TestResyncAfterMissedEvents(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	bob := f.device("bob@example.nhs.uk")
	first := ann.create("bob@example.nhs.uk")
	bob.join()
	c := bob.dial(nil)
	until(t, c, "ready")
	frames := make(chan map[string]any, 64)
	go func() {
		defer close(frames)
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(data, &m)
			frames <- m
		}
	}()

	f.bus.lose.Store(true)
	var want []string
	for i := range 3 {
		_, seq := ann.send(first, fmt.Sprint("missed", i), "missed")
		want = append(want, fmt.Sprint("missed", i, "@", seq))
	}
	second := ann.create("bob@example.nhs.uk")
	select {
	case m := <-frames:
		t.Fatalf("socket got %v while the node was losing events; want nothing until the resync", m)
	case <-time.After(300 * time.Millisecond):
	}
	f.bus.lose.Store(false)
	f.bus.Publish(context.Background(), messaging.Event{Resync: true})

	next := func() map[string]any {
		select {
		case m, ok := <-frames:
			if !ok {
				t.Fatal("socket closed")
			}
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no frame within 10 s of the resync")
		}
		return nil
	}
	var got []string
	joined := false
	for len(got) < len(want) || !joined {
		switch m := next(); m["type"] {
		case "message":
			got = append(got, fmt.Sprint(m["client_id"], "@", m["seq"]))
		case "welcome":
			joined = m["conversation"] == second
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after the resync the socket got %v; want %v", got, want)
	}
	bob.join()
	_, seq2 := ann.send(second, "live-2", "live in the new conversation")
	if m := next(); m["type"] != "message" || m["conversation"] != second || m["seq"] != float64(seq2) {
		t.Errorf("live frame after the resync = %v; want seq %d of the conversation joined meanwhile", m, seq2)
	}
}
