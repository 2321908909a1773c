package client

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// maxFrame is the largest frame the server sends (docs/messaging.md).
const maxFrame = 512 << 10

// ErrErased is returned when the server said the device was revoked: its
// local store has been erased.
var ErrErased = fault.New(fault.Forbidden, "This device has been revoked, and its messages have been erased from it.")

// Watch catches up, then stays connected to the server and calls emit
// for each new message as it arrives, in order, until ctx ends (nil) or
// the device is revoked or signed out. A dropped connection is resumed
// from the device's cursors. Where the network does not carry WebSockets
// (the socket cannot be opened twice running), it long-polls over plain
// HTTP instead, trying the socket again every few minutes.
func (c *Client) Watch(ctx context.Context, emit func(Message)) error {
	return c.WatchNotices(ctx, emit, nil)
}

// Notice is a content-free word from the server that is not a message:
// Type says which (the frame's type), and Conversation and ID say what
// it concerns.
type Notice struct {
	Type         string `json:"type"`
	Conversation string `json:"conversation,omitempty"`
	ID           string `json:"id,omitempty"`
}

// The notices.
const (
	// NoticePolicy says the organisation's policy (its idle limit, say)
	// has changed; the page asks the server for it.
	NoticePolicy = wire.FramePolicy
	// NoticeUrgent says an urgent message (ID, in Conversation) waits for
	// this person's acknowledgement, or, for its sender, changed state.
	NoticeUrgent = wire.FrameUrgent
	// NoticeIncident says an incident (ID) that alerted this person was
	// declared or changed.
	NoticeIncident = wire.FrameIncident
)

// WatchNotices is Watch that also calls notice, if not nil, for each
// Notice the socket brings. Long-polling brings none.
func (c *Client) WatchNotices(ctx context.Context, emit func(Message), notice func(Notice)) error {
	if err := c.locked(ctx, func() error { return c.syncAll(ctx, emit) }); err != nil {
		return err
	}
	backoff := 250 * time.Millisecond
	noSocket := 0       // socket attempts that failed to connect, in a row
	var tried time.Time // the last socket attempt while polling
	for {
		if noSocket < 2 || time.Since(tried) > socketRetry {
			tried = time.Now()
			err := c.watchOnce(ctx, emit, notice)
			switch {
			case ctx.Err() != nil:
				return nil
			case final(err):
				return err
			case errors.Is(err, errNoSocket):
				noSocket++
			default:
				noSocket = 0
			}
			if noSocket < 2 {
				c.log.Info("socket closed; reconnecting", "err", err)
				if time.Since(tried) > time.Minute {
					backoff = 250 * time.Millisecond
				}
				wait(ctx, backoff)
				backoff = min(backoff*2, 15*time.Second)
				// Anything sent while disconnected comes back in the
				// replay, but Welcomes are fetched here.
				if err := c.locked(ctx, func() error { return c.syncAll(ctx, emit) }); err != nil && !fault.Is(err, fault.Unavailable) {
					return err
				}
				continue
			}
			c.log.Info("no socket; long-polling", "err", err)
		}
		err := c.pollOnce(ctx, emit)
		switch {
		case ctx.Err() != nil:
			return nil
		case final(err):
			return err
		case err != nil:
			wait(ctx, backoff)
			backoff = min(backoff*2, 15*time.Second)
		default:
			backoff = 250 * time.Millisecond
		}
	}
}

// final reports whether err ends watching: the device was revoked or
// signed out.
func final(err error) bool {
	return errors.Is(err, ErrErased) || fault.Is(err, fault.Unauthenticated) || fault.Is(err, fault.Forbidden)
}

// socketRetry is how often a long-polling device tries the socket again.
const socketRetry = 3 * time.Minute

// errNoSocket marks a socket that could not be opened at all.
var errNoSocket = errors.New("no socket")

// pollOnce waits (up to 25 s, on the server) for anything new, then
// fetches it over plain HTTP.
func (c *Client) pollOnce(ctx context.Context, emit func(Message)) error {
	var cursors map[string]uint64
	if err := c.locked(ctx, func() error {
		var err error
		cursors, err = c.cursors()
		return err
	}); err != nil {
		return err
	}
	var out struct {
		Changed  []string `json:"changed"`
		Welcomes bool     `json:"welcomes"`
	}
	if err := c.api.do(ctx, "POST", "/api/poll", map[string]any{"cursors": cursors, "wait_seconds": 25}, &out); err != nil {
		return err
	}
	if len(out.Changed) == 0 && !out.Welcomes {
		return nil
	}
	return c.locked(ctx, func() error { return c.syncAll(ctx, emit) })
}

// cursors returns how far this device has read each conversation it is
// still in.
func (c *Client) cursors() (map[string]uint64, error) {
	out := map[string]uint64{}
	ids, err := c.conversationIDs()
	for _, id := range ids {
		var rec convRecord
		if err := c.v.get(convKey(id), &rec); err == nil && !rec.Removed {
			out[id] = rec.LastSeq
		}
	}
	return out, err
}

func (c *Client) locked(ctx context.Context, f func() error) error {
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return f()
}

// watchOnce runs one connection: hello with the cursors, then frames.
func (c *Client) watchOnce(ctx context.Context, emit func(Message), notice func(Notice)) error {
	u := "ws" + strings.TrimPrefix(c.api.base, "http") + "/api/ws"
	conn, err := dial(ctx, u, c.api, maxFrame)
	if err != nil {
		return fault.Wrap(fault.Unavailable, "Could not connect to the server for live messages.", errors.Join(errNoSocket, err))
	}
	defer conn.Close()
	var cursors map[string]uint64
	err = c.locked(ctx, func() error {
		var err error
		cursors, err = c.cursors()
		return err
	})
	if err != nil {
		return err
	}
	if err := writeJSON(ctx, conn, map[string]any{"type": "hello", "cursors": cursors}); err != nil {
		return err
	}
	for {
		data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var f wire.Frame
		if err := json.Unmarshal(data, &f); err != nil {
			continue
		}
		if err := c.onFrame(ctx, conn, &f, emit, notice); err != nil {
			return err
		}
	}
}

func (c *Client) onFrame(ctx context.Context, conn socket, f *wire.Frame, emit func(Message), notice func(Notice)) error {
	switch f.Type {
	case wire.FrameMessage:
		var ack uint64
		err := c.locked(ctx, func() error {
			var err error
			ack, err = c.onMessage(ctx, &f.Message, emit)
			return err
		})
		if err != nil || ack == 0 {
			return err
		}
		return writeJSON(ctx, conn, map[string]any{"type": wire.FrameAck, "conversation": f.Conversation, "seq": ack})
	case wire.FrameWelcome:
		// The frame names the Welcome; the Welcome itself is fetched.
		return c.locked(ctx, func() error { return c.joinWelcomes(ctx, emit) })
	case wire.FramePolicy, wire.FrameUrgent, wire.FrameIncident:
		if f.Type == wire.FramePolicy {
			c.rulesAt.Store(0) // the records rules may have changed too: the next sync asks
		}
		if notice != nil {
			notice(Notice{Type: f.Type, Conversation: f.Conversation, ID: f.ID})
		}
	case wire.FrameKeyPackagesLow:
		return c.locked(ctx, func() error { return c.uploadKeyPackages(ctx, f.Stock) })
	case wire.FrameErase:
		unlock, err := c.lock(ctx)
		if err != nil {
			return err
		}
		err = c.b.Erase()
		unlock()
		if err != nil {
			return err
		}
		return ErrErased
	}
	return nil
}

// onMessage applies a live message and returns the cursor to
// acknowledge (0 for none).
func (c *Client) onMessage(ctx context.Context, m *wire.Message, emit func(Message)) (uint64, error) {
	cv, err := c.loadLocal(m.Conversation)
	if errors.Is(err, ErrNotFound) {
		return 0, c.joinWelcomes(ctx, emit)
	}
	if err != nil {
		return 0, err
	}
	defer cv.close()
	if cv.rec.Removed {
		// The server sends this only to members: this device has been
		// added back, and its Welcome is waiting.
		return 0, c.joinWelcomes(ctx, emit)
	}
	if m.Seq <= cv.rec.LastSeq {
		return 0, nil
	}
	if err := c.applyAll(cv, []wire.Message{*m}, emit); err != nil {
		return 0, err
	}
	if m.Kind == wire.KindDeletion {
		c.confirmDeletions(ctx)
	}
	if cv.rec.Proposals > 0 && !cv.rec.Removed {
		if err := c.sync(ctx, cv, emit, true); err != nil {
			return 0, err
		}
	}
	return cv.rec.LastSeq, nil
}

func writeJSON(ctx context.Context, conn socket, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return conn.Write(wctx, b)
}
