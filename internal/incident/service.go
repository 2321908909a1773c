package incident

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// Defaults of the organisation's urgent messages.
const (
	// RenotifyEvery is how often recipients who have not acknowledged an
	// urgent message are notified again.
	RenotifyEvery = 2 * time.Minute
	// DefaultEscalateAfter is how long an urgent message waits for
	// acknowledgement before it escalates, unless the role says otherwise.
	DefaultEscalateAfter = 10 * time.Minute
	// sweepEvery is how often the server looks for rota changes and urgent
	// messages that are due: on the clock of the machine, while the times
	// it compares come from the service's clock.
	sweepEvery = time.Second
)

// Service runs duty roles, urgent messages and major incidents.
type Service struct {
	store Store
	ids   identity.Store
	msg   *messaging.Service
	log   *slog.Logger
	now   func() time.Time

	mu        sync.Mutex
	waiters   map[string][]chan struct{} // incident → boards waiting for a change
	stopBus   func()
	answering map[string]*answerQueue // incident → roll-call answers to write
}

// New returns a Service. It hears of board changes on other nodes over
// the messaging service's bus.
func New(store Store, ids identity.Store, msg *messaging.Service, log *slog.Logger, now func() time.Time) *Service {
	s := &Service{store: store, ids: ids, msg: msg, log: log, now: now, waiters: map[string][]chan struct{}{},
		answering: map[string]*answerQueue{}}
	s.stopBus = msg.Bus().Subscribe(func(e messaging.Event) {
		if e.Board != nil {
			s.wake(e.Board.Incident)
		}
	})
	msg.OnCursors(s.delivered)
	return s
}

// Run sweeps, until ctx ends (only servers run it, not console commands), for rota changes (moving role conversations
// to the new holder) and urgent messages due to be notified again or
// escalated.
func (s *Service) Run(ctx context.Context) {
	defer s.stopBus()
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		s.Sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep does one round of Run's work at the service's clock's time.
func (s *Service) Sweep(ctx context.Context) {
	s.followRota(ctx)
	s.sweepUrgent(ctx)
}

// wait returns a channel closed at the incident's next board change.
func (s *Service) wait(incident string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.waiters[incident] = append(s.waiters[incident], ch)
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		ws := s.waiters[incident]
		for i, w := range ws {
			if w == ch {
				s.waiters[incident] = append(ws[:i], ws[i+1:]...)
				break
			}
		}
		if len(s.waiters[incident]) == 0 {
			delete(s.waiters, incident)
		}
	}
}

func (s *Service) wake(incident string) {
	s.mu.Lock()
	ws := s.waiters[incident]
	delete(s.waiters, incident)
	s.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
}

// changed tells every node that the incident's board moved on.
func (s *Service) changed(ctx context.Context, incident string, version int64) {
	if err := s.msg.Bus().Publish(ctx, messaging.Event{Board: &messaging.BoardChange{Incident: incident, Version: version}}); err != nil {
		s.log.Warn("publish board change", "incident", incident, "err", err)
		s.wake(incident) // at least this node's boards
	}
}
