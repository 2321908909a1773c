package messaging

import (
	"sync"
	"sync/atomic"
)

// Delivery is one frame for sockets. The same Delivery, and so the same
// Frame bytes, goes to every socket that receives a stream entry: it is
// encoded once. Receivers must not modify it.
type Delivery struct {
	Conversation string
	Seq          int64 // the stream entry's seq, or the join seq of a Welcome
	Join         bool  // a Welcome: the device now reads Conversation after Seq
	Final        bool  // an erase order: close the socket after writing it
	Resync       bool  // events may have been missed: re-read memberships, catch up
	// Frame is the encoded frame; nil for an entry that came without its
	// data, which the socket reads from the store instead.
	Frame []byte
}

var resyncDelivery = &Delivery{Resync: true}

// Subscription is one socket's registration with the hub. The socket's
// writer waits on Ready and then Takes what is queued; Done is closed when
// the hub drops the socket because its queue was full (it resumes from its
// cursor when it reconnects). An idle subscription holds no queue memory.
type Subscription struct {
	Device string
	max    int
	mu     sync.Mutex
	q      []*Delivery
	ready  chan struct{} // holds a token while q is not empty
	done   chan struct{}
	once   sync.Once
	convs  map[string]bool // guarded by Hub.mu
}

// Ready has a value when deliveries wait to be taken.
func (s *Subscription) Ready() <-chan struct{} { return s.ready }

// Take returns the waiting deliveries, oldest first, and empties the queue.
func (s *Subscription) Take() []*Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.q
	s.q = nil
	return q
}

// push queues d, or reports false if the queue is full.
func (s *Subscription) push(d *Delivery) bool {
	s.mu.Lock()
	if len(s.q) >= s.max {
		s.mu.Unlock()
		return false
	}
	s.q = append(s.q, d)
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
	return true
}

// Done is closed once the hub has dropped the subscription.
func (s *Subscription) Done() <-chan struct{} { return s.done }

func (s *Subscription) drop() { s.once.Do(func() { close(s.done) }) }

// Hub fans events out to this node's sockets. It never blocks on a socket:
// one whose queue is full is dropped.
type Hub struct {
	queue    int
	dropped  atomic.Int64
	fanned   atomic.Int64
	mu       sync.RWMutex
	byConv   map[string]map[*Subscription]struct{}
	byDevice map[string]map[*Subscription]struct{}
	onDrop   func()
	order    *orderer
}

// NewHub returns a hub whose subscriptions queue up to queue deliveries.
// onDrop, if set, is called for each subscription dropped for being slow.
func NewHub(queue int, onDrop func()) *Hub {
	h := &Hub{queue: queue, byConv: map[string]map[*Subscription]struct{}{},
		byDevice: map[string]map[*Subscription]struct{}{}, onDrop: onDrop}
	h.order = newOrderer(h.fanEntry)
	return h
}

// Subscribe registers a socket of device. Add its conversations with Join
// afterwards: events for the device in between are not lost.
func (h *Hub) Subscribe(device string) *Subscription {
	s := &Subscription{Device: device, max: h.queue, ready: make(chan struct{}, 1), done: make(chan struct{}), convs: map[string]bool{}}
	h.mu.Lock()
	add(h.byDevice, device, s)
	h.mu.Unlock()
	return s
}

// Join adds conversations to s.
func (h *Hub) Join(s *Subscription, convs ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range convs {
		s.convs[c] = true
		add(h.byConv, c, s)
	}
}

// Leave takes conversations out of s.
func (h *Hub) Leave(s *Subscription, convs ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range convs {
		h.leaveLocked(s, c)
	}
}

// Unsubscribe removes s.
func (h *Hub) Unsubscribe(s *Subscription) {
	h.mu.Lock()
	h.remove(s)
	h.mu.Unlock()
	s.drop()
}

// Connected reports whether device has a socket on this node.
func (h *Hub) Connected(device string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.byDevice[device]) > 0
}

// Dropped counts subscriptions dropped for falling behind.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

// Deliveries counts frames queued for sockets.
func (h *Hub) Deliveries() int64 { return h.fanned.Load() }

// Count returns the number of subscriptions.
func (h *Hub) Count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, m := range h.byDevice {
		n += len(m)
	}
	return n
}

func add(m map[string]map[*Subscription]struct{}, k string, s *Subscription) {
	set := m[k]
	if set == nil {
		set = map[*Subscription]struct{}{}
		m[k] = set
	}
	set[s] = struct{}{}
}

func (h *Hub) remove(s *Subscription) {
	for c := range s.convs {
		h.leaveLocked(s, c)
	}
	if set := h.byDevice[s.Device]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.byDevice, s.Device)
		}
	}
}

// Handle delivers an event to this node's sockets, each conversation's
// entries in sequence order.
func (h *Hub) Handle(e Event) {
	if e.Resync {
		h.order.releaseAll()
		var slow []*Subscription
		h.mu.RLock()
		for _, set := range h.byDevice {
			for s := range set {
				if !s.push(resyncDelivery) {
					slow = append(slow, s)
				}
			}
		}
		h.mu.RUnlock()
		h.dropSlow(slow)
	}
	if e.Message != nil {
		h.order.add(Event{Message: e.Message, Left: e.Left})
	}
	if e.Device != "" {
		d := &Delivery{Conversation: e.Conversation, Seq: e.Seq, Join: e.Conversation != "", Final: isErase(e.Notice), Frame: e.Notice}
		if d.Join {
			h.mu.Lock()
			for s := range h.byDevice[e.Device] {
				s.convs[e.Conversation] = true
				add(h.byConv, e.Conversation, s)
			}
			h.mu.Unlock()
		}
		h.mu.RLock()
		slow := h.fanOut(h.byDevice[e.Device], d, nil)
		h.mu.RUnlock()
		h.dropSlow(slow)
	}
	if len(e.Devices) > 0 {
		d := &Delivery{Frame: e.Notice}
		var slow []*Subscription
		h.mu.RLock()
		for _, dev := range e.Devices {
			slow = h.fanOut(h.byDevice[dev], d, slow)
		}
		h.mu.RUnlock()
		h.dropSlow(slow)
	}
}

// fanEntry delivers a stored entry to the sockets reading its
// conversation, and takes out the devices a commit removed.
func (h *Hub) fanEntry(e Event) {
	m := e.Message
	d := &Delivery{Conversation: m.Conversation, Seq: m.Seq}
	if m.Data != nil {
		d.Frame = MessageFrame(m)
	}
	h.mu.RLock()
	slow := h.fanOut(h.byConv[m.Conversation], d, nil)
	h.mu.RUnlock()
	if len(e.Left) > 0 {
		h.leave(m.Conversation, e.Left)
	}
	h.dropSlow(slow)
}

func (h *Hub) dropSlow(slow []*Subscription) {
	for _, s := range slow {
		h.dropped.Add(1)
		h.Unsubscribe(s)
		if h.onDrop != nil {
			h.onDrop()
		}
	}
}

func (h *Hub) fanOut(set map[*Subscription]struct{}, d *Delivery, slow []*Subscription) []*Subscription {
	for s := range set {
		if !s.push(d) {
			slow = append(slow, s)
		}
	}
	h.fanned.Add(int64(len(set)))
	return slow
}

func (h *Hub) leave(conv string, devices []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, dev := range devices {
		for s := range h.byDevice[dev] {
			h.leaveLocked(s, conv)
		}
	}
}

func (h *Hub) leaveLocked(s *Subscription, conv string) {
	delete(s.convs, conv)
	if set := h.byConv[conv]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.byConv, conv)
		}
	}
}
