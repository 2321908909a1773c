package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// Subject is the NATS subject every node publishes its events on.
const Subject = "switchboard.events"

// pending bounds what a node holds of other nodes' events before NATS drops
// them (and the bus resynchronises).
const (
	pendingMsgs  = 1 << 16
	pendingBytes = 256 << 20
)

// Bus is a messaging.Bus over NATS. Publish hands an event to this node's
// subscribers at once and publishes it for the other nodes, which hear it
// in the order this node published it.
type Bus struct {
	nc      *natsgo.Conn
	sub     *natsgo.Subscription
	local   *messaging.LocalBus
	log     *slog.Logger
	resyncs atomic.Int64
}

// Dial connects to the NATS servers of url (comma-separated nats:// or
// tls:// URLs, credentials in the URL if the servers need them) and
// subscribes to the other nodes' events. name identifies this node to the
// NATS servers' monitoring. It fails at once, with a sentence an operator
// can act on, if no server answers.
func Dial(url, name string, log *slog.Logger) (*Bus, error) {
	b := &Bus{local: messaging.NewLocalBus(), log: log}
	nc, err := natsgo.Connect(url,
		natsgo.Name(name),
		natsgo.NoEcho(), // this node's own events reach its sockets directly
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(500*time.Millisecond),
		natsgo.Timeout(5*time.Second),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			if err != nil {
				log.Warn("nats: disconnected; live delivery from other nodes paused", "err", err)
			}
		}),
		natsgo.ReconnectHandler(func(c *natsgo.Conn) {
			log.Info("nats: reconnected", "server", c.ConnectedUrlRedacted())
			b.resync()
		}),
		natsgo.ErrorHandler(func(_ *natsgo.Conn, _ *natsgo.Subscription, err error) {
			log.Warn("nats", "err", err)
			if errors.Is(err, natsgo.ErrSlowConsumer) {
				b.resync() // NATS dropped events for this node
			}
		}),
	)
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, "Cannot connect to NATS at --nats-url; check the address and that nats-server is running.", err)
	}
	b.nc = nc
	sub, err := nc.Subscribe(Subject, b.receive)
	if err == nil {
		err = sub.SetPendingLimits(pendingMsgs, pendingBytes)
	}
	if err == nil {
		err = nc.FlushTimeout(5 * time.Second) // the subscription is in place before the node serves
	}
	if err != nil {
		nc.Close()
		return nil, fault.Wrap(fault.Unavailable, "Cannot subscribe on NATS at --nats-url.", err)
	}
	b.sub = sub
	return b, nil
}

// Publish delivers e to this node's subscribers and publishes it to the
// other nodes. An entry too large for one NATS message goes without its
// data; the other nodes' sockets read it from the store. An error means
// the other nodes may not hear of e live; they still catch up.
func (b *Bus) Publish(ctx context.Context, e messaging.Event) error {
	if err := b.local.Publish(ctx, e); err != nil {
		return err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	if max := b.nc.MaxPayload(); max > 0 && int64(len(data)) > max && e.Message != nil {
		m := *e.Message
		m.Data = nil
		e.Message = &m
		if data, err = json.Marshal(e); err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
	}
	if err := b.nc.Publish(Subject, data); err != nil {
		return fmt.Errorf("nats publish: %w", err)
	}
	return nil
}

// Subscribe calls f for every event, this node's and the others', until
// stop is called.
func (b *Bus) Subscribe(f func(messaging.Event)) (stop func()) { return b.local.Subscribe(f) }

// Resyncs counts the times this node told its sockets to resynchronise.
func (b *Bus) Resyncs() int64 { return b.resyncs.Load() }

// Close stops hearing other nodes and closes the connection, after
// handing NATS what this node has published.
func (b *Bus) Close() error {
	_ = b.sub.Unsubscribe()
	err := b.nc.FlushTimeout(2 * time.Second)
	b.nc.Close()
	if err != nil && !errors.Is(err, natsgo.ErrConnectionClosed) {
		return fmt.Errorf("nats flush: %w", err)
	}
	return nil
}

func (b *Bus) receive(m *natsgo.Msg) {
	var e messaging.Event
	if err := json.Unmarshal(m.Data, &e); err != nil {
		b.log.Warn("nats: dropped an event that does not decode", "bytes", len(m.Data), "err", err)
		b.resync()
		return
	}
	e.Resync = false // only this node decides that its sockets resynchronise
	_ = b.local.Publish(context.Background(), e)
}

func (b *Bus) resync() {
	b.resyncs.Add(1)
	_ = b.local.Publish(context.Background(), messaging.Event{Resync: true})
}
