package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/mls"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// fetchLimit is how many stream entries one fetch asks for.
const fetchLimit = 500

// maxCommitAttempts bounds fetch-merge-retry rounds for one change.
const maxCommitAttempts = 8

// sync fetches everything after the conversation's cursor and applies it
// in order. With autoCommit, proposals from others (such as the server's
// removal of a revoked device) are committed afterwards.
func (c *Client) sync(ctx context.Context, cv *conv, emit func(Message), autoCommit bool) error {
	var start []mls.Member
	if cv.g != nil {
		start = cv.g.Members()
	}
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
	c.confirmDeletions(ctx)
	if !autoCommit || cv.rec.Removed {
		return nil
	}
	if cv.rec.Proposals > 0 {
		var before []mls.Member
		mine := false // whether the last attempt was this device's commit
		err := c.commit(ctx, cv, func() (mls.CommitOptions, bool) {
			before, mine = cv.g.Members(), cv.rec.Proposals > 0
			return mls.CommitOptions{RatchetTreeInWelcome: true}, mine
		})
		if err != nil {
			return err
		}
		if mine && !cv.rec.Removed && addedAny(before, cv.g.Members()) {
			// The server's Adds of a person's new devices went in: they
			// cannot read anything from before, so they learn the
			// conversation's name again.
			if err := c.sendEnvelope(ctx, cv, envelope{Type: TypeTitle, Text: cv.rec.Name}); err != nil {
				return err
			}
			if cv.rec.Follows != "" {
				if err := c.sendEnvelope(ctx, cv, envelope{Type: TypeFollows, Text: cv.rec.Follows}); err != nil {
					return err
				}
			}
		}
	}
	if len(cv.rec.Repost) > 0 && !cv.rec.Removed && addedAny(start, cv.g.Members()) {
		if err := c.repost(ctx, cv); err != nil {
			return err
		}
	}
	// Messages whose acknowledgement was lost go out again now.
	return c.flushOutbox(ctx, cv)
}

// addedAny reports whether after holds a member that before did not.
func addedAny(before, after []mls.Member) bool {
	for _, a := range after {
		if !slices.ContainsFunc(before, func(b mls.Member) bool {
			return b.Leaf == a.Leaf && bytes.Equal(b.Credential.Identity, a.Credential.Identity)
		}) {
			return true
		}
	}
	return false
}

// checkMembership takes the server's refusal to serve a conversation as
// this device's removal from it.
func (c *Client) checkMembership(cv *conv, err error) error {
	if !fault.Is(err, fault.Forbidden) && !fault.Is(err, fault.NotFound) {
		return err
	}
	cv.rec.Removed = true
	if err := c.save(cv); err != nil {
		return err
	}
	c.onConv(cv.rec.ID)
	return nil
}

// applyAll applies a batch of stream entries and saves the result once.
func (c *Client) applyAll(cv *conv, msgs []wire.Message, emit func(Message)) error {
	if len(msgs) == 0 {
		return nil
	}
	// The messages, receipts and the group's new state are written
	// together: in one IndexedDB transaction in the browser.
	c.v.begin()
	for i := range msgs {
		if cv.rec.Removed {
			break
		}
		if err := c.apply(cv, &msgs[i], emit); err != nil {
			c.v.discard()
			return err
		}
	}
	if err := c.save(cv); err != nil {
		c.v.discard()
		return err
	}
	if err := c.v.commit(); err != nil {
		return err
	}
	if cv.changed {
		cv.changed = false
		c.onConv(cv.rec.ID)
	}
	return nil
}

// apply processes one stream entry. Messages this device cannot process
// are skipped (they stay unreadable), so that one bad message never
// blocks the conversation.
func (c *Client) apply(cv *conv, m *wire.Message, emit func(Message)) error {
	if m.Seq <= cv.rec.LastSeq {
		return nil
	}
	defer func() { cv.rec.LastSeq = max(cv.rec.LastSeq, m.Seq) }()
	if m.Kind == wire.KindDeletion {
		return c.applyDeletion(cv, m)
	}
	if m.Device == c.prof.DeviceID && m.Kind == wire.KindApplication {
		// Our own message: its keys are gone, and its text is kept
		// already, or waits in the outbox for this acknowledgement.
		return c.acknowledged(cv, m.ClientID, m.Seq)
	}
	if m.Kind == wire.KindCommit {
		c.notePeople(cv) // before the commit can take anyone out
	}
	r, err := cv.g.Process(m.Message)
	if err != nil {
		if errors.Is(err, mls.ErrNotMember) {
			cv.rec.Removed, cv.changed = true, true
			return nil
		}
		c.log.Warn("skip a message that does not process", "conversation", cv.rec.ID, "seq", m.Seq, "kind", m.Kind, "err", err)
		return nil
	}
	switch r.ContentType {
	case mls.ContentApplication:
		var sender *wire.Identity
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
			cv.rec.Removed, cv.changed = true, true
		case r.Proposal != nil && r.Proposal.Type == mls.ProposalAdd && r.Sender.Type == mls.SenderExternal &&
			!c.knownPerson(cv, &r.Proposal.Add.KeyPackage):
			// The server may only bring back someone who is, or was, in
			// the conversation: refuse anyone else.
			cv.g.DiscardProposal(r.ProposalRef)
			c.log.Warn("refuse the server's Add of someone never in the conversation", "conversation", cv.rec.ID, "seq", m.Seq)
		case r.Proposal != nil && !own:
			cv.rec.Proposals++
		}
	case mls.ContentCommit:
		cv.rec.Proposals, cv.changed = 0, true
		if r.Removed {
			cv.rec.Removed = true
		}
		c.notePeople(cv)
	}
	return nil
}

// notePeople records the users now in the group among those seen.
func (c *Client) notePeople(cv *conv) {
	if cv.g == nil || cv.rec.Removed {
		return
	}
	for _, m := range cv.g.Members() {
		id, err := wire.ParseIdentity(m.Credential.Identity, c.prof.ServiceKey)
		if err == nil && id.User != "" && !slices.Contains(cv.rec.People, id.User) {
			cv.rec.People = append(cv.rec.People, id.User)
		}
	}
}

// knownPerson reports whether the KeyPackage is of a user who is, or was,
// in the conversation as this device saw it.
func (c *Client) knownPerson(cv *conv, kp *mls.KeyPackage) bool {
	id, err := wire.ParseIdentity(kp.LeafNode.Credential.Identity, c.prof.ServiceKey)
	if err != nil || id.User == "" {
		return false
	}
	if cv.rec.Follows != "" {
		return true // a duty role's holder, or someone an incident called in
	}
	c.notePeople(cv)
	return slices.Contains(cv.rec.People, id.User) || slices.Contains(cv.rec.Invited, strings.ToLower(id.Email))
}

// received keeps a decrypted application message.
func (c *Client) received(cv *conv, m *wire.Message, data []byte, sender *wire.Identity, emit func(Message)) error {
	env, err := decodeEnvelope(data)
	if err != nil || sender == nil {
		c.log.Warn("skip an application message that does not decode", "conversation", cv.rec.ID, "seq", m.Seq)
		return nil
	}
	switch env.Type {
	case TypeTitle:
		cv.rec.Name, cv.changed = env.Text, true
		return nil
	case TypeReceipt:
		return c.receipt(cv.rec.ID, env.Ref, sender, env.SentAt)
	case TypePerson:
		if e := strings.ToLower(strings.TrimSpace(env.Text)); e != "" && !slices.Contains(cv.rec.Invited, e) {
			cv.rec.Invited = append(cv.rec.Invited, e)
		}
		return nil
	case TypeFollows:
		if cv.rec.Follows == "" && (strings.HasPrefix(env.Text, "role:") || strings.HasPrefix(env.Text, "incident:")) {
			cv.rec.Follows, cv.changed = env.Text, true
		}
		return nil
	case TypeAck:
		return c.noteAck(cv.rec.ID, env.Ref, sender, env.SentAt)
	case TypeText, TypeAttachment, TypeMethane, TypeFiled:
		if env.Ref != "" && env.Type != TypeFiled {
			// A copy of an earlier message, sent again for people who
			// joined since: kept once.
			if seen, err := c.v.has(copyKey(cv.rec.ID, env.Ref)); err != nil || seen {
				return err
			}
		}
		msg := messageOf(env, m.ClientID, cv.rec.ID, m.Seq, sender.Email, sender.Device)
		if env.Ref != "" && env.Type != TypeFiled {
			msg.ID = env.Ref // acknowledged under the original's ID
		}
		if err := c.v.put(msgKey(cv.rec.ID, m.Seq), &msg); err != nil {
			return err
		}
		if env.Urgent || env.Type == TypeMethane {
			if err := c.v.put(copyKey(cv.rec.ID, msg.ID), m.Seq); err != nil {
				return err
			}
		}
		if emit != nil {
			emit(msg)
		} else {
			c.onMsg(msg)
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
		_, err = c.postCommit(ctx, cv.rec.ID, wire.CommitRequest{Epoch: cv.g.Epoch(), Commit: out.Commit, Welcome: out.Welcome})
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
