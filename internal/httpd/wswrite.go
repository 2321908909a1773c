package httpd

import (
	"context"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

var readyFrame = []byte(`{"type":"ready"}`)

// maxBatch bounds the bytes of frames joined into one text message.
const maxBatch = 64 << 10

// writeLoop is the socket's one writer: it replays what the device missed,
// says ready, then streams live deliveries, replies and pings until the
// socket ends. A gap in a conversation's sequence is filled from the store,
// so the device always sees each stream in order and without holes.
func (k *socket) writeLoop(ctx context.Context, convs []messaging.Membership) error {
	if err := k.catchUpAll(ctx, convs); err != nil {
		return err
	}
	if n, err := k.m.Stock(ctx, k.p); err == nil && n < messaging.LowStock {
		if err := k.emit(ctx, []byte(fmt.Sprintf(`{"type":"keypackages_low","stock":%d}`, n))); err != nil {
			return err
		}
	}
	if err := k.emit(ctx, readyFrame); err != nil {
		return err
	}
	if err := k.flush(ctx); err != nil {
		return err
	}
	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-k.sub.Done():
			return errSlow
		case b := <-k.replies:
			if err := k.emit(ctx, b); err != nil {
				return err
			}
			if err := k.drain(ctx); err != nil {
				return err
			}
		case <-k.sub.Ready():
			if err := k.deliverAll(ctx); err != nil {
				return err
			}
			if err := k.drain(ctx); err != nil {
				return err
			}
		case <-ping.C:
			if live, err := k.srv.identity.Live(ctx, k.p); err == nil && !live {
				k.c.Close(websocket.StatusPolicyViolation, "session ended: sign in again")
				return context.Canceled
			}
			pctx, cancel := context.WithTimeout(ctx, wsPongWithin)
			err := k.c.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		}
	}
}

// drain takes whatever else is queued without waiting, so that a batching
// client gets it in one message, then flushes.
func (k *socket) drain(ctx context.Context) error {
	for k.batch && k.outLen < maxBatch {
		select {
		case b := <-k.replies:
			if err := k.emit(ctx, b); err != nil {
				return err
			}
			continue
		case <-k.sub.Ready():
			if err := k.deliverAll(ctx); err != nil {
				return err
			}
			continue
		default:
		}
		break
	}
	return k.flush(ctx)
}

// emit writes a frame, or with batching keeps it for the next flush.
func (k *socket) emit(ctx context.Context, b []byte) error {
	if !k.batch {
		return k.write(ctx, b)
	}
	k.out = append(k.out, b)
	k.outLen += len(b) + 1
	if k.outLen >= maxBatch {
		return k.flush(ctx)
	}
	return nil
}

// flush writes the kept frames as one text message, one per line (JSON
// frames never contain a raw newline).
func (k *socket) flush(ctx context.Context) error {
	switch len(k.out) {
	case 0:
		return nil
	case 1:
		err := k.write(ctx, k.out[0])
		k.out, k.outLen = k.out[:0], 0
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, wsWriteWithin)
	defer cancel()
	w, err := k.c.Writer(wctx, websocket.MessageText)
	if err != nil {
		return err
	}
	for i, b := range k.out {
		if i > 0 {
			if _, err := w.Write(newline); err != nil {
				return err
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	clear(k.out)
	k.out, k.outLen = k.out[:0], 0
	if cap(k.out) > 256 {
		k.out = nil // do not keep a burst's buffer on an idle socket
	}
	return w.Close()
}

var newline = []byte("\n")

func (k *socket) write(ctx context.Context, b []byte) error {
	wctx, cancel := context.WithTimeout(ctx, wsWriteWithin)
	defer cancel()
	return k.c.Write(wctx, websocket.MessageText, b)
}

// deliverAll writes everything the hub has queued for this socket.
func (k *socket) deliverAll(ctx context.Context) error {
	for _, d := range k.sub.Take() {
		if err := k.deliver(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

func (k *socket) deliver(ctx context.Context, d *messaging.Delivery) error {
	switch {
	case d.Resync:
		return k.resync(ctx)
	case d.Join:
		k.joined[d.Conversation] = d.Seq
		if k.next[d.Conversation] <= d.Seq {
			k.next[d.Conversation] = d.Seq + 1
		}
		k.setMembers(d.Conversation)
		return k.emit(ctx, d.Frame)
	case d.Seq == 0:
		if err := k.emit(ctx, d.Frame); err != nil {
			return err
		}
		if d.Final {
			if err := k.flush(ctx); err != nil {
				return err
			}
			k.c.Close(websocket.StatusNormalClosure, "device revoked")
			return context.Canceled
		}
		return nil
	}
	next, ok := k.next[d.Conversation]
	if !ok {
		return nil // not a conversation this socket reads
	}
	if d.Seq < next {
		return nil // replayed already
	}
	if d.Seq > next || d.Frame == nil {
		if err := k.catchUp(ctx, d.Conversation); err != nil {
			return err
		}
		if d.Seq < k.next[d.Conversation] || d.Frame == nil {
			return nil
		}
	}
	if err := k.emit(ctx, d.Frame); err != nil {
		return err
	}
	k.next[d.Conversation] = d.Seq + 1
	return nil
}

// resync re-reads the device's memberships after this node may have
// missed events: it starts reading conversations the device was added to
// (telling the device, whose Welcome notice may be among the missed),
// stops reading those it was removed from, and catches up every stream.
func (k *socket) resync(ctx context.Context) error {
	convs, err := k.m.Memberships(ctx, k.p)
	if err != nil {
		return err // the device reconnects and resumes from its cursors
	}
	for _, c := range k.adopt(convs, nil) {
		if err := k.emit(ctx, messaging.JoinFrame(c, k.joined[c])); err != nil {
			return err
		}
	}
	return k.catchUpAll(ctx, convs)
}

// catchUpAll catches up every conversation of convs that has entries the
// socket has not written.
func (k *socket) catchUpAll(ctx context.Context, convs []messaging.Membership) error {
	for _, c := range convs {
		if next, ok := k.next[c.Conversation]; ok && c.LastSeq >= next {
			if err := k.catchUp(ctx, c.Conversation); err != nil {
				return err
			}
		}
	}
	return nil
}

// catchUp writes a conversation's stored entries from next onwards.
func (k *socket) catchUp(ctx context.Context, conv string) error {
	for {
		msgs, err := k.m.MessagesFor(ctx, conv, k.joined[conv], k.next[conv]-1, wsReplayPage)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := k.emit(ctx, messaging.MessageFrame(m)); err != nil {
				return err
			}
			k.next[conv] = m.Seq + 1
		}
		if len(msgs) < wsReplayPage {
			return nil
		}
	}
}
