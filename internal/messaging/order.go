package messaging

import (
	"slices"
	"sync"
	"time"
)

// Entries of one conversation stored through different nodes can reach a
// node out of order: seq 11 from this node before seq 10 from another is
// off the bus. Sockets would fill such a gap from the store, one query per
// socket; the hub instead holds an early entry for a moment, so that the
// one before it can arrive, and fans them out in order. If it does not
// come, the held entries go out anyway and the sockets read the gap from
// the store.
const (
	holdEarly  = 25 * time.Millisecond
	maxHeld    = 256    // entries held per conversation before releasing them
	maxOrdered = 100000 // conversations tracked before forgetting them all
)

// streamOrder is the hub's view of one conversation's stream.
type streamOrder struct {
	next  int64           // the seq the hub expects next
	early map[int64]Event // entries that came before next did
	timer *time.Timer     // releases early after holdEarly
}

// orderer puts each conversation's entries back in sequence order before
// they are fanned out. deliver is called in order, under the orderer's
// lock.
type orderer struct {
	mu      sync.Mutex
	streams map[string]*streamOrder
	deliver func(Event)
}

func newOrderer(deliver func(Event)) *orderer {
	return &orderer{streams: map[string]*streamOrder{}, deliver: deliver}
}

// add delivers e now if it is the entry expected next (and any held ones
// it unblocks), or holds it if it came early.
func (o *orderer) add(e Event) {
	m := e.Message
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.streams[m.Conversation]
	if s == nil {
		if len(o.streams) >= maxOrdered {
			o.releaseAllLocked()
			clear(o.streams) // a forgotten conversation starts again from the entry seen first
		}
		s = &streamOrder{next: m.Seq}
		o.streams[m.Conversation] = s
	}
	switch {
	case m.Seq < s.next:
		o.deliver(e) // late, after its gap was given up on: sockets that have it drop it
		return
	case m.Seq > s.next:
		if s.early == nil {
			s.early = map[int64]Event{}
		}
		s.early[m.Seq] = e
		if len(s.early) >= maxHeld {
			o.releaseLocked(s)
		} else if s.timer == nil {
			conv := m.Conversation
			s.timer = time.AfterFunc(holdEarly, func() { o.release(conv, s) })
		}
		return
	}
	o.deliver(e)
	s.next = m.Seq + 1
	for {
		n, ok := s.early[s.next]
		if !ok {
			break
		}
		delete(s.early, s.next)
		o.deliver(n)
		s.next++
	}
	if len(s.early) == 0 && s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

// release gives up waiting for a gap in s, if s is still tracked.
func (o *orderer) release(conv string, s *streamOrder) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.streams[conv] == s {
		o.releaseLocked(s)
	}
}

// releaseLocked delivers every held entry of s in order, skipping the
// gaps (sockets read them from the store).
func (o *orderer) releaseLocked(s *streamOrder) {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	seqs := make([]int64, 0, len(s.early))
	for q := range s.early {
		seqs = append(seqs, q)
	}
	slices.Sort(seqs)
	for _, q := range seqs {
		o.deliver(s.early[q])
		s.next = q + 1
	}
	s.early = nil
}

// releaseAll delivers everything held, as when this node may have missed
// events and the gaps will not be filled by the bus.
func (o *orderer) releaseAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.releaseAllLocked()
}

func (o *orderer) releaseAllLocked() {
	for _, s := range o.streams {
		if len(s.early) > 0 {
			o.releaseLocked(s)
		}
	}
}
