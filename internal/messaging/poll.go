package messaging

import (
	"context"
	"slices"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// Long-poll bounds: a poll waits at most MaxPollWait (under common proxy
// idle timeouts) and DefaultPollWait when the client names no wait.
const (
	DefaultPollWait = 25 * time.Second
	MaxPollWait     = 55 * time.Second
)

// PollResult says what changed for a device since the cursors it gave:
// the conversations with entries after its cursor (or that it has joined
// or left), and whether Welcomes wait for it.
type PollResult struct {
	Changed  []string
	Welcomes bool
}

// Poll is the fallback for devices whose network does not carry
// WebSockets: it answers as soon as any of the device's conversations has
// an entry after the given cursor, a conversation was joined or left, or
// a Welcome waits; otherwise after wait. The device then fetches over
// plain HTTP. While it waits the device counts as connected, like a
// socket, so it gets no Web Push.
func (s *Service) Poll(ctx context.Context, p *identity.Principal, cursors map[string]int64, wait time.Duration) (PollResult, error) {
	if wait <= 0 {
		wait = DefaultPollWait
	}
	wait = min(wait, MaxPollWait)
	// Subscribe before reading the store, so that nothing stored in
	// between is missed.
	sub := s.hub.Subscribe(p.Device.ID)
	defer s.hub.Unsubscribe(sub)
	ms, err := s.Memberships(ctx, p)
	if err != nil {
		return PollResult{}, err
	}
	var res PollResult
	in := map[string]bool{}
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		in[m.Conversation] = true
		ids = append(ids, m.Conversation)
		if cur, ok := cursors[m.Conversation]; !ok || m.LastSeq > cur {
			res.Changed = append(res.Changed, m.Conversation)
		}
	}
	for c := range cursors {
		if !in[c] {
			res.Changed = append(res.Changed, c) // left, or removed
		}
	}
	s.hub.Join(sub, ids...)
	ws, err := s.store.Welcomes(ctx, p.Device.ID)
	if err != nil {
		return PollResult{}, err
	}
	res.Welcomes = len(ws) > 0
	if len(res.Changed) > 0 || res.Welcomes {
		slices.Sort(res.Changed)
		return res, nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for len(res.Changed) == 0 && !res.Welcomes {
		select {
		case <-ctx.Done():
			return res, nil
		case <-t.C:
			return res, nil
		case <-sub.Done(): // dropped as slow: the device re-reads everything
			res.Changed = append(res.Changed, ids...)
			res.Welcomes = true
		case <-sub.Ready():
			for _, d := range sub.Take() {
				switch {
				case d.Resync:
					res.Changed = append(res.Changed, ids...)
				case d.Join:
					res.Welcomes = true
				case d.Final:
					return res, nil // revoked: the next request says so
				case d.Conversation != "":
					res.Changed = append(res.Changed, d.Conversation)
				}
				// Other notices (a low KeyPackage stock) are for sockets;
				// the device tops up when it next syncs.
			}
		}
	}
	slices.Sort(res.Changed)
	res.Changed = slices.Compact(res.Changed)
	return res, nil
}
