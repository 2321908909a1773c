package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// fetchLimit is how many stream entries one fetch asks for.
const fetchLimit = 500

// maxCommitAttempts bounds fetch-merge-retry rounds for one change.
const maxCommitAttempts = 8

// sync fetches everything after the conversation's cursor and applies it
// in order. With autoCommit, proposals from others (such as the server's
// removal of a revoked device) are committed afterwards.
func (c *Client) sync(ctx context.Context, cv *conv, emit func(Message), autoCommit bool) error {
	for !cv.rec.Removed {
		msgs, err := c.api.messages(ctx, cv.rec.ID, cv.rec.LastSeq, fetchLimit)
		if err != nil {
			return c.checkMembership(cv, err)
		}
		if err := c.applyAll(cv, msgs, emit); err != nil {
			return err
		}
		if len(msgs) < fetchLimit {
			break
		}
	}
	c.ack(ctx, cv)
	if !autoCommit || cv.rec.Removed {
		return nil
	}
	if cv.rec.Proposals > 0 {
		err := c.commit(ctx, cv, func() (mls.CommitOptions, bool) {
			return mls.CommitOptions{}, cv.rec.Proposals > 0
		})
		if err != nil {
			return err
		}
	}
	// Messages whose acknowledgement was lost go out again now.
	return c.flushOutbox(ctx, cv)
}

// checkMembership takes the server's refusal to serve a conversation as
// this device's removal from it.
func (c *Client) checkMembership(cv *conv, err error) error {
	if !fault.Is(err, fault.Forbidden) && !fault.Is(err, fault.NotFound) {
		return err
	}
	cv.rec.Removed = true
	return c.save(cv)
}

// applyAll applies a batch of stream entries and saves the result once.
func (c *Client) applyAll(cv *conv, msgs []wireMessage, emit func(Message)) error {
	if len(msgs) == 0 {
		return nil
	}
	for i := range msgs {
		if cv.rec.Removed {
			break
		}
		if err := c.apply(cv, &msgs[i], emit); err != nil {
			return err
		}
	}
	return c.save(cv)
}

// apply processes one stream entry. Messages this device cannot process
// are skipped (they stay unreadable), so that one bad message never
// blocks the conversation.
func (c *Client) apply(cv *conv, m *wireMessage, emit func(Message)) error {
	if m.Seq <= cv.rec.LastSeq {
		return nil
	}
	defer func() { cv.rec.LastSeq = max(cv.rec.LastSeq, m.Seq) }()
	if m.Device == c.prof.DeviceID && m.Kind == "application" {
		// Our own message: its keys are gone, and its text is kept
		// already, or waits in the outbox for this acknowledgement.
		return c.acknowledged(cv, m.ClientID, m.Seq)
	}
	r, err := cv.g.Process(m.Message)
	if err != nil {
		if errors.Is(err, mls.ErrNotMember) {
			cv.rec.Removed = true
			return nil
		}
		c.log.Warn("skip a message that does not process", "conversation", cv.rec.ID, "seq", m.Seq, "kind", m.Kind, "err", err)
		return nil
	}
	switch r.ContentType {
	case mls.ContentApplication:
		var sender *identity
		if r.Sender.Type == mls.SenderMember {
			sender = memberIdentity(cv.g, r.Sender.Index, c.prof.ServiceKey)
		}
		return c.received(cv, m, r.ApplicationData, sender, emit)
	case mls.ContentProposal:
		own := r.Proposal != nil && r.Proposal.Type == mls.ProposalRemove && r.Proposal.Remove.Removed == cv.g.OwnLeaf()
		switch {
		case own && r.Sender.Type == mls.SenderExternal:
			// The server proposes this device's removal only once it is
			// revoked or its user left (perhaps on another device): it may
			// no longer send or commit, so it stops here.
			cv.rec.Removed = true
		case r.Proposal != nil && !own:
			cv.rec.Proposals++
		}
	case mls.ContentCommit:
		cv.rec.Proposals = 0
		if r.Removed {
			cv.rec.Removed = true
		}
	}
	return nil
}

// received keeps a decrypted application message.
func (c *Client) received(cv *conv, m *wireMessage, data []byte, sender *identity, emit func(Message)) error {
	env, err := decodeEnvelope(data)
	if err != nil || sender == nil {
		c.log.Warn("skip an application message that does not decode", "conversation", cv.rec.ID, "seq", m.Seq)
		return nil
	}
	switch env.Type {
	case TypeTitle:
		cv.rec.Name = env.Text
		return nil
	case TypeReceipt:
		return c.receipt(cv.rec.ID, env.Ref, sender, env.SentAt)
	case TypeText, TypeAttachment:
		msg := Message{ID: m.ClientID, Conversation: cv.rec.ID, Seq: m.Seq, Sender: sender.Email,
			SenderDevice: sender.Device, Type: env.Type, Text: env.Text, SentAt: env.SentAt.UTC()}
		if err := c.v.put(msgKey(cv.rec.ID, m.Seq), &msg); err != nil {
			return err
		}
		if emit != nil {
			emit(msg)
		}
	}
	return nil
}

func msgKey(conv string, seq uint64) string { return fmt.Sprintf("msg/%s/%020d", conv, seq) }

// ack tells the server how far this device has read; it is best effort.
func (c *Client) ack(ctx context.Context, cv *conv) {
	if cv.rec.LastSeq <= cv.rec.Acked || cv.rec.Removed {
		return
	}
	err := c.api.do(ctx, "POST", "/api/conversations/"+url.PathEscape(cv.rec.ID)+"/cursor",
		map[string]uint64{"seq": cv.rec.LastSeq}, nil)
	if err == nil {
		cv.rec.Acked = cv.rec.LastSeq
		if err := c.v.put(convKey(cv.rec.ID), cv.rec); err != nil {
			c.log.Warn("save cursor", "conversation", cv.rec.ID, "err", err)
		}
	}
}

// commit makes a commit from what build returns, retrying after fetching
// and merging when another member's commit won the epoch. build is called
// after each fetch and returns false when nothing is left to do. The
// commit is merged when the server's stream shows it, in order.
func (c *Client) commit(ctx context.Context, cv *conv, build func() (mls.CommitOptions, bool)) error {
	for attempt := 0; attempt < maxCommitAttempts; attempt++ {
		if err := c.sync(ctx, cv, nil, false); err != nil {
			return err
		}
		if cv.rec.Removed {
			return errNotMember
		}
		opts, ok := build()
		if !ok {
			return nil
		}
		out, err := cv.g.Commit(opts)
		if errors.Is(err, mls.ErrPendingCommit) {
			// A commit sent earlier never reached the stream: the server
			// did not take it, and this fetch would have merged it.
			cv.g.DiscardPendingCommit()
			if out, err = cv.g.Commit(opts); err != nil {
				return err
			}
		}
		if err != nil {
			return fault.Wrap(fault.Invalid, "This change cannot be made to the conversation.", err)
		}
		if err := c.save(cv); err != nil {
			cv.g.DiscardPendingCommit()
			return err
		}
		_, err = c.postCommit(ctx, cv.rec.ID, commitReq{Epoch: cv.g.Epoch(), Commit: out.Commit, Welcome: out.Welcome})
		if isStale(err) {
			// The fetch at the top of the loop applies whichever commit
			// won the epoch; if it was this one after all (an earlier
			// answer was lost), the pending commit merges.
			if attempt > 1 {
				wait(ctx, time.Duration(attempt)*50*time.Millisecond)
			}
			continue
		}
		if err != nil {
			return err // the outcome is unknown: the next fetch tells
		}
		return c.sync(ctx, cv, nil, false)
	}
	return fault.New(fault.Conflict, "The conversation kept changing while this change was being made; try again.")
}

func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
