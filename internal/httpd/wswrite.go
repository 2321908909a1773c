package httpd

import (
	"context"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

var readyFrame = []byte(`{"type":"ready"}`)

// writeLoop is the socket's one writer: it replays what the device missed,
// says ready, then streams live deliveries, replies and pings until the
// socket ends. A gap in a conversation's sequence is filled from the store,
// so the device always sees each stream in order and without holes.
func (k *socket) writeLoop(ctx context.Context, convs []*messaging.Conversation) error {
	for _, c := range convs {
		if c.LastSeq >= k.next[c.ID] {
			if err := k.catchUp(ctx, c.ID); err != nil {
				return err
			}
		}
	}
	if err := k.write(ctx, readyFrame); err != nil {
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
			if err := k.write(ctx, b); err != nil {
				return err
			}
		case d := <-k.sub.C:
			if err := k.deliver(ctx, d); err != nil {
				return err
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, wsPongWithin)
			err := k.c.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		}
	}
}

func (k *socket) write(ctx context.Context, b []byte) error {
	wctx, cancel := context.WithTimeout(ctx, wsWriteWithin)
	defer cancel()
	return k.c.Write(wctx, websocket.MessageText, b)
}

func (k *socket) deliver(ctx context.Context, d *messaging.Delivery) error {
	switch {
	case d.Join:
		k.joined[d.Conversation] = d.Seq
		if k.next[d.Conversation] <= d.Seq {
			k.next[d.Conversation] = d.Seq + 1
		}
		k.setMembers(d.Conversation)
		return k.write(ctx, d.Frame)
	case d.Seq == 0:
		if err := k.write(ctx, d.Frame); err != nil {
			return err
		}
		if d.Final {
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
	if d.Seq > next {
		if err := k.catchUp(ctx, d.Conversation); err != nil {
			return err
		}
		if d.Seq < k.next[d.Conversation] {
			return nil
		}
	}
	if err := k.write(ctx, d.Frame); err != nil {
		return err
	}
	k.next[d.Conversation] = d.Seq + 1
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
			if err := k.write(ctx, messaging.MessageFrame(m)); err != nil {
				return err
			}
			k.next[conv] = m.Seq + 1
		}
		if len(msgs) < wsReplayPage {
			return nil
		}
	}
}
