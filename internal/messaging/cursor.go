package messaging

import (
	"context"
	"sync"
	"time"
)

// Cursor is a member device's delivery cursor in one conversation.
type Cursor struct {
	Conversation string
	Device       string
	Seq          int64
}

// cursors buffers acknowledgements from sockets so that a busy
// conversation costs one write a second, not one per message. A cursor
// lost in a crash only means a message is delivered again, and clients
// drop what they have by seq.
type cursors struct {
	mu sync.Mutex
	m  map[[2]string]int64
}

// AckLater records, for the next flush, that device has received conv up
// to seq. The caller has checked that device is a member.
func (s *Service) AckLater(conv, device string, seq int64) {
	s.acks.mu.Lock()
	k := [2]string{conv, device}
	if seq > s.acks.m[k] {
		s.acks.m[k] = seq
	}
	s.acks.mu.Unlock()
}

func (s *Service) flushAcks(ctx context.Context) {
	s.acks.mu.Lock()
	if len(s.acks.m) == 0 {
		s.acks.mu.Unlock()
		return
	}
	batch := make([]Cursor, 0, len(s.acks.m))
	for k, seq := range s.acks.m {
		batch = append(batch, Cursor{Conversation: k[0], Device: k[1], Seq: seq})
	}
	clear(s.acks.m)
	s.acks.mu.Unlock()
	if err := s.store.SetCursors(ctx, batch); err != nil {
		s.log.Warn("store delivery cursors", "count", len(batch), "err", err)
		return
	}
	seen := map[string]bool{}
	var convs []string
	for _, c := range batch {
		if !seen[c.Conversation] {
			seen[c.Conversation] = true
			convs = append(convs, c.Conversation)
		}
	}
	s.cursorsMoved(ctx, convs)
}

// OnCursors sets f, called (on the goroutine that stored them) with the
// conversations whose delivery cursors moved: the urgent-message state a
// sender watches says who has a message. Set it before Run.
func (s *Service) OnCursors(f func(ctx context.Context, convs []string)) { s.onCursors = f }

func (s *Service) cursorsMoved(ctx context.Context, convs []string) {
	if s.onCursors != nil && len(convs) > 0 {
		s.onCursors(ctx, convs)
	}
}

// ackLoop flushes buffered cursors every second, and once more at the end.
func (s *Service) ackLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.flushAcks(context.WithoutCancel(ctx))
			return
		case <-t.C:
			s.flushAcks(ctx)
		}
	}
}
