package messaging

import (
	"bytes"
	"context"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// maxBatch bounds the sends stored in one transaction.
const maxBatch = 512

// op is one request to the stream writer: a send (batched with others) or
// a change run on its own.
type op struct {
	send  *Message
	fn    func(ctx context.Context) (int64, []Event, error)
	reply chan result
	done  func(result) // instead of reply: called on the writer, must not block
}

func (o *op) finish(r result) {
	if o.done != nil {
		o.done(r)
		return
	}
	o.reply <- r
}

type result struct {
	seq   int64
	dup   bool
	epoch uint64
	err   error
}

// writeLoop is the one writer of every stream on this node: it stores
// concurrent sends in one transaction (group commit) and publishes each
// stored entry in sequence order before taking the next request.
func (s *Service) writeLoop(ctx context.Context) {
	defer close(s.pubq)
	var pending *op
	batch := make([]*op, 0, maxBatch)
	for {
		var first *op
		if pending != nil {
			first, pending = pending, nil
		} else {
			select {
			case <-ctx.Done():
				return
			case o := <-s.ops:
				first = &o
			}
		}
		if first.fn != nil {
			seq, evs, err := first.fn(ctx)
			first.finish(result{seq: seq, err: err})
			s.pubq <- evs
			continue
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case o := <-s.ops:
				if o.fn != nil {
					pending = &o
					break fill
				}
				batch = append(batch, &o)
			default:
				break fill
			}
		}
		s.storeBatch(ctx, batch)
	}
}

func (s *Service) storeBatch(ctx context.Context, batch []*op) {
	sends := make([]Send, len(batch))
	for i, o := range batch {
		sends[i] = Send{Message: o.send}
	}
	res, err := s.store.AppendMessages(ctx, sends)
	if err != nil {
		for _, o := range batch {
			o.finish(result{err: fmt.Errorf("store messages: %w", err)})
		}
		return
	}
	evs := make([]Event, 0, len(batch))
	for i, o := range batch {
		r := res[i]
		o.finish(result{seq: r.Seq, dup: r.Duplicate, epoch: r.Epoch, err: r.Err})
		if r.Err == nil && !r.Duplicate {
			evs = append(evs, Event{Message: o.send})
		}
	}
	s.pubq <- evs
}

// publishLoop publishes what the stream writer stored, in order, so that
// the writer can start the next transaction meanwhile. It owns the
// members cache. It ends when the writer closes pubq.
func (s *Service) publishLoop(ctx context.Context) {
	for evs := range s.pubq {
		s.publish(ctx, evs)
	}
}

func (s *Service) publish(ctx context.Context, evs []Event) {
	for _, e := range evs {
		if err := s.bus.Publish(ctx, e); err != nil {
			s.log.Warn("publish", "err", err) // receivers catch up from their cursors
		}
		if e.Message != nil {
			s.queuePushes(ctx, e.Message)
		}
	}
}

// do runs fn on the stream writer and waits for it.
func (s *Service) do(ctx context.Context, fn func(ctx context.Context) (int64, []Event, error)) result {
	return s.submit(ctx, op{fn: fn, reply: make(chan result, 1)})
}

func (s *Service) submit(ctx context.Context, o op) result {
	select {
	case s.ops <- o:
	case <-ctx.Done():
		return result{err: fault.Wrap(fault.Unavailable, "The server is busy or stopping; send again.", ctx.Err())}
	}
	select {
	case r := <-o.reply:
		return r
	case <-ctx.Done():
		return result{err: fault.Wrap(fault.Unavailable, "The server is busy or stopping; send again.", ctx.Err())}
	}
}

// Sent is the outcome of Send: the message's seq, and whether it was a resend.
type Sent struct {
	Seq       int64
	Duplicate bool
}

// Send stores an application message (a PrivateMessage) from the calling
// device and returns its seq once it is durable; a resend with the same
// client ID returns the first seq.
func (s *Service) Send(ctx context.Context, p *identity.Principal, conv, clientID string, msg []byte) (Sent, error) {
	reply := make(chan result, 1)
	m, err := s.checkSend(p, conv, clientID, msg)
	if err != nil {
		return Sent{}, err
	}
	return sentOf(s.submit(ctx, op{send: m, reply: reply}))
}

// SendAsync is Send for sockets that pipeline: it checks the message and
// queues it (waiting only while the writer's queue is full); done is
// called, on the stream writer, once the message is durable or refused,
// and must not block.
func (s *Service) SendAsync(ctx context.Context, p *identity.Principal, conv, clientID string, msg []byte, done func(Sent, error)) error {
	m, err := s.checkSend(p, conv, clientID, msg)
	if err != nil {
		return err
	}
	o := op{send: m, done: func(r result) { done(sentOf(r)) }}
	select {
	case s.ops <- o:
		return nil
	case <-ctx.Done():
		return fault.Wrap(fault.Unavailable, "The server is busy or stopping; send again.", ctx.Err())
	}
}

func sentOf(r result) (Sent, error) {
	if r.err != nil {
		if fault.Is(r.err, fault.Conflict) {
			if _, ok := EpochOf(r.err); ok {
				return Sent{}, r.err
			}
			return Sent{}, stale(r.epoch)
		}
		return Sent{}, r.err
	}
	return Sent{Seq: r.seq, Duplicate: r.dup}, nil
}

// checkSend validates a send and makes its Message.
func (s *Service) checkSend(p *identity.Principal, conv, clientID string, msg []byte) (*Message, error) {
	gid, err := groupID(conv)
	if err != nil {
		return nil, err
	}
	if len(clientID) == 0 || len(clientID) > 64 {
		return nil, fault.Invalidf("The client_id must be 1 to 64 characters.")
	}
	if len(msg) > s.limits.MaxMessage {
		return nil, fault.Invalidf(fmt.Sprintf("The message is larger than the limit of %d KiB.", s.limits.MaxMessage>>10))
	}
	h, err := mls.InspectPrivateHeader(msg)
	if err != nil || h.ContentType != mls.ContentApplication {
		return nil, fault.Invalidf("The message must be an MLS PrivateMessage carrying application data.")
	}
	if !bytes.Equal(h.GroupID, gid) {
		return nil, fault.Invalidf("The message is for another group than this conversation.")
	}
	if ok, wait := s.limiter.allow(p.Device.ID, s.now()); !ok {
		return nil, &fault.Error{Kind: fault.TooMany, Msg: "This device is sending too fast; wait a moment and send again.", RetryAfter: wait}
	}
	return &Message{Conversation: conv, Kind: KindApplication, Device: p.Device.ID, ClientID: clientID,
		Epoch: h.Epoch, SentAt: s.now(), Data: msg}, nil
}

// Messages lists a conversation's stream after seq, never anything before
// the calling device joined.
func (s *Service) Messages(ctx context.Context, p *identity.Principal, conv string, after int64, limit int) ([]*Message, error) {
	_, me, err := s.member(ctx, p, conv)
	if err != nil {
		return nil, err
	}
	return s.MessagesFor(ctx, conv, me.JoinedSeq, after, limit)
}

// MessagesFor lists a stream after seq for a member that joined at joined.
func (s *Service) MessagesFor(ctx context.Context, conv string, joined, after int64, limit int) ([]*Message, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.store.Messages(ctx, conv, max(after, joined), limit)
}

// Ack records that the calling device has received the stream up to seq.
func (s *Service) Ack(ctx context.Context, p *identity.Principal, conv string, seq int64) error {
	c, _, err := s.member(ctx, p, conv)
	if err != nil {
		return err
	}
	if seq < 0 || seq > c.LastSeq {
		return fault.Invalidf(fmt.Sprintf("The seq must be between 0 and %d, the conversation's last.", c.LastSeq))
	}
	if err := s.store.SetCursor(ctx, conv, p.Device.ID, seq); err != nil {
		return err
	}
	s.cursorsMoved(ctx, []string{conv})
	return nil
}

// Receipts returns every member device's delivery cursor.
func (s *Service) Receipts(ctx context.Context, p *identity.Principal, conv string) ([]Member, error) {
	c, _, err := s.member(ctx, p, conv)
	if err != nil {
		return nil, err
	}
	return c.Members, nil
}

// Memberships lists the calling device's conversations, without members.
func (s *Service) Memberships(ctx context.Context, p *identity.Principal) ([]Membership, error) {
	if ml, ok := s.store.(MembershipLister); ok {
		return ml.Memberships(ctx, p.Device.ID)
	}
	cs, err := s.store.ListConversations(ctx, p.Device.ID)
	if err != nil {
		return nil, err
	}
	var out []Membership
	for _, c := range cs {
		for _, m := range c.Members {
			if m.Device == p.Device.ID {
				out = append(out, Membership{Conversation: c.ID, LastSeq: c.LastSeq, JoinedSeq: m.JoinedSeq, Cursor: m.Cursor})
			}
		}
	}
	return out, nil
}

// Membership returns a conversation and the calling device's membership.
func (s *Service) Membership(ctx context.Context, p *identity.Principal, conv string) (*Conversation, *Member, error) {
	return s.member(ctx, p, conv)
}

// Welcomes lists the Welcomes waiting for the calling device.
func (s *Service) Welcomes(ctx context.Context, p *identity.Principal) ([]*Welcome, error) {
	return s.store.Welcomes(ctx, p.Device.ID)
}

// DeleteWelcome drops a Welcome the calling device has processed.
func (s *Service) DeleteWelcome(ctx context.Context, p *identity.Principal, id string) error {
	err := s.store.DeleteWelcome(ctx, p.Device.ID, id)
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.NotFound, "There is no such Welcome; it may have been deleted already.")
	}
	return err
}
