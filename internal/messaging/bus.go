package messaging

import (
	"context"
	"sync"
)

// Event is what one node tells every node (itself included) after a change
// is durable: a stored stream entry, and the devices it takes out; or a
// notice for one device; or word that events may have been missed.
type Event struct {
	// Message is the stored entry. A bus may carry it without Data when
	// it is too large to carry whole; sockets then read it from the store.
	Message *Message `json:"message,omitempty"`
	Left    []string `json:"left,omitempty"` // with a commit: devices it removed
	// Device and Notice address one device: a Welcome, an erase order or a
	// low KeyPackage stock. Notice is the encoded JSON frame.
	Device string `json:"device,omitempty"`
	Notice []byte `json:"notice,omitempty"`
	// Devices and Notice address many devices at once with one notice
	// (an urgent message, an incident alert).
	Devices []string `json:"devices,omitempty"`
	// Board says an incident's roll-call board moved to a new version:
	// nodes wake whoever waits on it.
	Board *BoardChange `json:"board,omitempty"`
	// Conversation and Seq go with a Welcome notice: the device joined
	// there at that seq.
	Conversation string `json:"conversation,omitempty"`
	Seq          int64  `json:"seq,omitempty"`
	// Resync says this node may have missed events (its link to the
	// other nodes broke, or it fell behind): every socket re-reads its
	// memberships and catches up from the store.
	Resync bool `json:"resync,omitempty"`
}

// BoardChange is a new version of an incident's roll-call board.
type BoardChange struct {
	Incident string `json:"incident"`
	Version  int64  `json:"version"`
}

// Bus carries Events between the nodes serving one store. Publish returns
// once the event is handed over; every subscriber on every node then sees
// the events of one publisher in publication order.
type Bus interface {
	Publish(ctx context.Context, e Event) error
	// Subscribe calls f for every event until stop is called. f must not
	// block for long.
	Subscribe(f func(Event)) (stop func())
}

// LocalBus is the in-process Bus of a single-node deployment.
type LocalBus struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(Event)
}

// NewLocalBus returns an in-process Bus.
func NewLocalBus() *LocalBus { return &LocalBus{subs: map[int]func(Event){}} }

// Publish calls every subscriber with e before returning.
func (b *LocalBus) Publish(_ context.Context, e Event) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, f := range b.subs {
		f(e)
	}
	return nil
}

// Subscribe adds f.
func (b *LocalBus) Subscribe(f func(Event)) (stop func()) {
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = f
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.subs, id)
		b.mu.Unlock()
	}
}
