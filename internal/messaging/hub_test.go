package messaging

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

func TestLeftmostFree(t *testing.T) {
	for _, tc := range []struct {
		occupied []uint32
		want     uint32
	}{
		{nil, 0},
		{[]uint32{0}, 1},
		{[]uint32{0, 1, 2, 3}, 4}, // a full tree extends
		{[]uint32{0, 2, 3}, 1},    // a removed member's leaf is reused first
		{[]uint32{1, 2}, 0},
	} {
		m := map[uint32]string{}
		for _, l := range tc.occupied {
			m[l] = "d"
		}
		if got := leftmostFree(m); got != tc.want {
			t.Errorf("leftmostFree(%v) = %d; want %d", tc.occupied, got, tc.want)
		}
	}
}

func TestRateLimiter(t *testing.T) {
	l := newRateLimiter(2, 3)
	now := time.Unix(1000, 0)
	var got []bool
	for i := 0; i < 5; i++ {
		ok, _ := l.allow("d", now)
		got = append(got, ok)
	}
	if want := []bool{true, true, true, false, false}; !equalBools(got, want) {
		t.Errorf("five sends at once with a burst of 3 = %v; want %v", got, want)
	}
	if ok, _ := l.allow("d", now.Add(600*time.Millisecond)); !ok {
		t.Error("a send 0.6 s later at 2/s was refused")
	}
	if ok, _ := l.allow("other", now); !ok {
		t.Error("another device was limited by the first one's sends")
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHubFansOutOnceAndDropsSlow(t *testing.T) {
	dropped := 0
	h := NewHub(2, func() { dropped++ })
	fast, slow := h.Subscribe("a"), h.Subscribe("b")
	h.Join(fast, "c1")
	h.Join(slow, "c1")
	var frames [][]byte
	for seq := int64(1); seq <= 3; seq++ {
		h.Handle(Event{Message: &Message{Conversation: "c1", Seq: seq, Kind: KindApplication, Data: []byte{1}}})
		for _, d := range fast.Take() {
			frames = append(frames, d.Frame)
		}
	}
	if len(frames) != 3 {
		t.Fatalf("the reading subscription got %d frames; want 3", len(frames))
	}
	select {
	case <-slow.Done():
	default:
		t.Error("a subscription whose queue overflowed was not dropped")
	}
	if dropped != 1 || h.Count() != 1 {
		t.Errorf("dropped %d, %d left; want 1 dropped, 1 left", dropped, h.Count())
	}
	var m wire.Frame
	if err := json.Unmarshal(frames[2], &m); err != nil || m.Seq != 3 || m.Type != wire.FrameMessage {
		t.Errorf("frame = %s; want a message frame with seq 3", frames[2])
	}
	// Leaving a conversation stops its deliveries.
	h.Handle(Event{Message: &Message{Conversation: "c1", Seq: 4, Kind: KindCommit}, Left: []string{"a"}})
	fast.Take()
	h.Handle(Event{Message: &Message{Conversation: "c1", Seq: 5, Kind: KindApplication}})
	if got := fast.Take(); len(got) != 0 {
		t.Errorf("a device removed from the conversation got %d more deliveries", len(got))
	}
}

func TestVerifyIdentity(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	key := bytes.Repeat([]byte{7}, 32)
	id := wire.Identity{Device: "d", User: "u", Email: "a@x.nhs.uk", Org: "RXX", Key: key}
	id.Sign(priv)
	b, _ := json.Marshal(id)
	if dev, err := VerifyIdentity(pub, b, key); err != nil || dev != "d" {
		t.Errorf("VerifyIdentity = %q, %v; want d", dev, err)
	}
	if _, err := VerifyIdentity(pub, b, bytes.Repeat([]byte{8}, 32)); err == nil {
		t.Error("a credential verified for another signature key")
	}
	id.Email = "eve@x.nhs.uk"
	b, _ = json.Marshal(id)
	if _, err := VerifyIdentity(pub, b, key); err == nil {
		t.Error("a credential with an altered email verified")
	}
}

// subscribed returns a hub and one socket's subscription reading conv.
func subscribed(conv string) (*Hub, *Subscription) {
	h := NewHub(100, nil)
	s := h.Subscribe("dev")
	h.Join(s, conv)
	return h, s
}

func entryEvent(conv string, seq int64) Event {
	return Event{Message: &Message{Conversation: conv, Seq: seq, Kind: KindApplication, Data: []byte{byte(seq)}}}
}

// seqsWithin collects the seqs delivered to s within d.
func seqsWithin(s *Subscription, d time.Duration) []int64 {
	var got []int64
	deadline := time.After(d)
	for {
		select {
		case <-s.Ready():
			for _, d := range s.Take() {
				got = append(got, d.Seq)
			}
		case <-deadline:
			return got
		}
	}
}

// TestHubPutsEntriesFromSeveralNodesInOrder: an entry that arrives ahead
// of the one before it (stored through another node, still on the bus) is
// held until that one comes, and both go out in order.
func TestHubPutsEntriesFromSeveralNodesInOrder(t *testing.T) {
	const conv = "c1"
	h, s := subscribed(conv)
	for _, q := range []int64{1, 2, 4, 3, 5, 7, 6} {
		h.Handle(entryEvent(conv, q))
	}
	if got := seqsWithin(s, 10*time.Millisecond); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("delivered %v; want 1 to 7 in order, without waiting", got)
	}
}

// TestHubGivesUpOnAGap: an entry that never comes holds the later ones
// only briefly; they go out in order and the socket reads the gap from
// the store.
func TestHubGivesUpOnAGap(t *testing.T) {
	const conv = "c1"
	h, s := subscribed(conv)
	for _, q := range []int64{1, 3, 5, 4} {
		h.Handle(entryEvent(conv, q))
	}
	if got := seqsWithin(s, holdEarly/3); !slices.Equal(got, []int64{1}) {
		t.Fatalf("before the hold ends, delivered %v; want only 1", got)
	}
	if got := seqsWithin(s, 4*holdEarly); !slices.Equal(got, []int64{3, 4, 5}) {
		t.Fatalf("after the hold, delivered %v; want 3, 4, 5", got)
	}
	h.Handle(entryEvent(conv, 2)) // late: delivered, and the socket drops it as seen
	h.Handle(entryEvent(conv, 6))
	if got := seqsWithin(s, 10*time.Millisecond); !slices.Equal(got, []int64{2, 6}) {
		t.Errorf("after giving up on 2, delivered %v; want 2 then 6 at once", got)
	}
}

// TestHubResyncReleasesHeldEntries: a resync sends what is held at once,
// before the sockets re-read the store.
func TestHubResyncReleasesHeldEntries(t *testing.T) {
	const conv = "c1"
	h, s := subscribed(conv)
	h.Handle(entryEvent(conv, 1))
	h.Handle(entryEvent(conv, 3))
	h.Handle(Event{Resync: true})
	var got []string
	for _, d := range s.Take() {
		got = append(got, fmt.Sprint(d.Seq, d.Resync))
	}
	if want := []string{"1 false", "3 false", "0 true"}; !slices.Equal(got, want) {
		t.Errorf("delivered %v; want %v", got, want)
	}
}
