package nats

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/nats/natstest"
)

// recorder keeps the events a node's subscriber is given.
type recorder struct {
	mu  sync.Mutex
	evs []messaging.Event
}

func (r *recorder) add(e messaging.Event) { r.mu.Lock(); r.evs = append(r.evs, e); r.mu.Unlock() }

func (r *recorder) snapshot() []messaging.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]messaging.Event(nil), r.evs...)
}

// waitFor waits until ok holds for the events so far.
func (r *recorder) waitFor(t *testing.T, what string, ok func([]messaging.Event) bool) []messaging.Event {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		evs := r.snapshot()
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s, %d events and still not %s", len(evs), what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func node(t *testing.T, url, name string) (*Bus, *recorder) {
	t.Helper()
	b, err := Dial(url, name, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("Dial(%s) = %v", name, err)
	}
	t.Cleanup(func() { b.Close() })
	r := &recorder{}
	t.Cleanup(b.Subscribe(r.add))
	return b, r
}

func entry(seq int64, data []byte) messaging.Event {
	return messaging.Event{Message: &messaging.Message{Conversation: "0123456789abcdef0123456789abcdef", Seq: seq,
		Kind: messaging.KindApplication, Device: "dev-a", ClientID: "c", Epoch: 3, SentAt: time.Unix(1700000000, 0).UTC(), Data: data}}
}

// TestEventsReachEveryNodeOnceInOrder: what one node publishes reaches its
// own sockets once and every other node once, in publication order.
func TestEventsReachEveryNodeOnceInOrder(t *testing.T) {
	url := natstest.URL(t)
	a, ra := node(t, url, "node-a")
	_, rb := node(t, url, "node-b")
	_, rc := node(t, url, "node-c")
	const n = 3000
	ctx := context.Background()
	for i := int64(1); i <= n; i++ {
		if err := a.Publish(ctx, entry(i, []byte{byte(i), 0xc1, 0x9e})); err != nil {
			t.Fatalf("Publish(%d) = %v", i, err)
		}
	}
	if err := a.Publish(ctx, messaging.Event{Device: "dev-b", Notice: []byte(`{"type":"erase"}`)}); err != nil {
		t.Fatal(err)
	}
	// A last marker is heard after any duplicate of what came before it,
	// as each node hears a publisher's events in order.
	marker := messaging.Event{Device: "dev-marker", Notice: []byte(`{"type":"marker"}`)}
	if err := a.Publish(ctx, marker); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*recorder{"publishing node": ra, "node b": rb, "node c": rc} {
		evs := r.waitFor(t, "the marker", func(evs []messaging.Event) bool {
			return slices.ContainsFunc(evs, func(e messaging.Event) bool { return e.Device == marker.Device })
		})
		if len(evs) != n+2 || evs[n+1].Device != marker.Device {
			t.Fatalf("%s heard %d events up to the marker; want %d, each once", name, len(evs), n+2)
		}
		for i, e := range evs[:n] {
			if e.Message == nil || e.Message.Seq != int64(i+1) || !bytes.Equal(e.Message.Data, []byte{byte(i + 1), 0xc1, 0x9e}) {
				t.Fatalf("%s: event %d = %+v; want seq %d with its data", name, i, e.Message, i+1)
			}
			if !e.Message.SentAt.Equal(time.Unix(1700000000, 0)) || e.Message.Epoch != 3 || e.Message.Kind != messaging.KindApplication {
				t.Fatalf("%s: event %d lost fields: %+v", name, i, e.Message)
			}
		}
		if last := evs[n]; last.Device != "dev-b" || string(last.Notice) != `{"type":"erase"}` {
			t.Errorf("%s: last event = %+v; want the erase notice for dev-b", name, last)
		}
	}
}

// TestLargeEntryTravelsWithoutItsData: an entry larger than one NATS
// message reaches the other nodes as its seq alone, for their sockets to
// read from the store; the publishing node's own sockets get it whole.
func TestLargeEntryTravelsWithoutItsData(t *testing.T) {
	url := natstest.URL(t)
	a, ra := node(t, url, "node-a")
	_, rb := node(t, url, "node-b")
	big := bytes.Repeat([]byte{0xab}, 900<<10) // over 1 MiB once base64-encoded
	if err := a.Publish(context.Background(), entry(7, big)); err != nil {
		t.Fatalf("Publish(large) = %v; want it sent without its data", err)
	}
	evs := rb.waitFor(t, "one event", func(evs []messaging.Event) bool { return len(evs) == 1 })
	if m := evs[0].Message; m == nil || m.Seq != 7 || m.Data != nil {
		t.Errorf("other node heard %+v; want seq 7 without data", evs[0].Message)
	}
	if m := ra.snapshot()[0].Message; !bytes.Equal(m.Data, big) {
		t.Errorf("publishing node's own subscriber got %d bytes; want the whole entry", len(m.Data))
	}
}

// TestLostLinkResynchronises: when the NATS server goes away and comes
// back, each node tells its sockets to resynchronise (they may have missed
// events meanwhile), and live events flow again.
func TestLostLinkResynchronises(t *testing.T) {
	srv := natstest.Start(t, 0)
	port := natstest.Port(t, srv)
	a, _ := node(t, srv.ClientURL(), "node-a")
	_, rb := node(t, srv.ClientURL(), "node-b")
	if err := a.Publish(context.Background(), entry(1, []byte{1})); err != nil {
		t.Fatal(err)
	}
	rb.waitFor(t, "the first event", func(evs []messaging.Event) bool { return len(evs) == 1 })

	srv.Shutdown()
	srv.WaitForShutdown()
	natstest.Start(t, port)
	evs := rb.waitFor(t, "told to resynchronise", func(evs []messaging.Event) bool {
		return len(evs) > 1 && evs[len(evs)-1].Resync
	})
	if evs[1].Message != nil {
		t.Errorf("after the outage node b heard %+v before the resync; want the resync first", evs[1])
	}
	// Publish until node b hears one: node a may still be reconnecting.
	deadline := time.Now().Add(15 * time.Second)
	for seq := int64(2); ; seq++ {
		if err := a.Publish(context.Background(), entry(seq, []byte{2})); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if evs := rb.snapshot(); evs[len(evs)-1].Message != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no live event reached node b within 15 s of NATS coming back")
		}
	}
	if a.Resyncs() == 0 {
		t.Error("node a counted no resync after losing NATS")
	}
}

// TestDialRefusesAnUnreachableServer: a node that cannot reach NATS says so
// and does not start.
func TestDialRefusesAnUnreachableServer(t *testing.T) {
	srv := natstest.Start(t, 0)
	url := srv.ClientURL()
	srv.Shutdown()
	srv.WaitForShutdown()
	_, err := Dial(url, "node", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if want := "Cannot connect to NATS at --nats-url; check the address and that nats-server is running."; fault.Message(err) != want {
		t.Fatalf("Dial to a stopped server = %v; want %q", err, want)
	}
}
