package incident

import (
	"context"
	"time"
)

// answerWrite bounds one write of queued answers, which the answers
// waiting on it wait for.
const answerWrite = 30 * time.Second

// answerQueue is the roll-call answers to one incident waiting on this
// node for the write under way to end.
type answerQueue struct {
	pending []*pendingAnswer
	writing bool
}

type pendingAnswer struct {
	r     Response
	ready chan struct{} // closed once written, or when it is this answer's turn to write
	lead  bool          // set before ready is closed: write the queue
	v     int64
	err   error
}

// answer records a roll-call answer and returns the board's new version.
// Each write locks the incident's row until it commits and, on SQLite,
// waits for the disk, so answers that come while one is being written
// queue and go in the next write together: a roll-call of thousands is
// written in a few dozen transactions, not thousands.
func (s *Service) answer(ctx context.Context, incident string, r Response) (int64, error) {
	a := &pendingAnswer{r: r, ready: make(chan struct{})}
	s.mu.Lock()
	q := s.answering[incident]
	if q == nil {
		q = &answerQueue{}
		s.answering[incident] = q
	}
	q.pending = append(q.pending, a)
	lead := !q.writing
	q.writing = true
	s.mu.Unlock()
	if !lead {
		// Not abandoned when ctx ends: the queue's next write may fall to
		// this answer, and the write under way ends within answerWrite.
		<-a.ready
		if !a.lead {
			return a.v, a.err
		}
	}
	s.mu.Lock()
	batch := q.pending
	q.pending = nil
	s.mu.Unlock()
	rs := make([]Response, len(batch))
	for i, b := range batch {
		rs[i] = b.r
	}
	// The write is for everyone in the batch: it does not end with this
	// request.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerWrite)
	v, errs, err := s.store.Answer(wctx, incident, rs)
	cancel()
	for i, b := range batch {
		b.v, b.err = v, err
		if err == nil {
			b.err = errs[i]
		}
		if b != a {
			close(b.ready)
		}
	}
	s.mu.Lock()
	if len(q.pending) > 0 {
		next := q.pending[0]
		next.lead = true
		close(next.ready)
	} else {
		q.writing = false
		delete(s.answering, incident)
	}
	s.mu.Unlock()
	return a.v, a.err
}
