package incident

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

var errNoUrgent = fault.New(fault.NotFound, "There is no urgent message with that ID in the conversation.")

// MarkUrgent makes a message the caller's device has just sent urgent:
// everyone else in the conversation must acknowledge it. With resends,
// the message is a new copy of that earlier urgent message, sent for
// people who joined since; it keeps the first one's state.
func (s *Service) MarkUrgent(ctx context.Context, p *identity.Principal, conv string, in wire.MarkUrgent) (*Urgent, error) {
	c, me, err := s.msg.Member(ctx, p, conv)
	if err != nil {
		return nil, err
	}
	if me.Leaving {
		return nil, messaging.ErrLeft
	}
	seq, err := s.store.MessageSeq(ctx, conv, p.Device.ID, in.Message)
	if fault.Is(err, fault.NotFound) {
		return nil, fault.Invalidf("Send the message first, then mark it urgent with the client ID it was sent with.")
	}
	if err != nil {
		return nil, err
	}
	if in.Resends != "" {
		u, err := s.store.UrgentByMessage(ctx, conv, in.Resends)
		if fault.Is(err, fault.NotFound) {
			return nil, errNoUrgent
		}
		if err != nil {
			return nil, err
		}
		if u.SenderID != p.User.ID {
			return nil, fault.New(fault.Forbidden, "Only the sender of an urgent message can send it again.")
		}
		if u.LatestID != in.Message {
			if err := s.store.ResendUrgent(ctx, conv, u.ClientID, in.Message, seq); err != nil {
				return nil, err
			}
			u.LatestID, u.Seq = in.Message, seq
		}
		return u, nil
	}
	if u, err := s.store.UrgentByMessage(ctx, conv, in.Message); err == nil {
		return u, nil // marked already: the same answer again
	}
	now := s.now()
	u := &Urgent{Conversation: conv, ClientID: in.Message, LatestID: in.Message, Seq: seq, SenderID: p.User.ID,
		SenderDevice: p.Device.ID, EscalateAfter: DefaultEscalateAfter, SentAt: now, NotifiedAt: now}
	if r, err := s.RoleOf(ctx, conv); err != nil {
		return nil, err
	} else if r != nil {
		u.RoleID, u.EscalateAfter = r.ID, r.EscalateAfter
	}
	for _, person := range c.People {
		if person != p.User.ID {
			u.Recipients = append(u.Recipients, Recipient{UserID: person, AddedAt: now})
		}
	}
	if len(u.Recipients) == 0 {
		return nil, fault.New(fault.Conflict, "Nobody else is in this conversation to acknowledge an urgent message.")
	}
	if err := s.store.PutUrgent(ctx, u); err != nil {
		if fault.Is(err, fault.Conflict) {
			return s.store.UrgentByMessage(ctx, conv, in.Message)
		}
		return nil, fmt.Errorf("mark urgent: %w", err)
	}
	s.alertUrgent(ctx, u, u.pending())
	return u, nil
}

// Acknowledge records that the caller has seen an urgent message (by the
// client ID of any of its copies).
func (s *Service) Acknowledge(ctx context.Context, p *identity.Principal, conv, msgID string) (*Urgent, error) {
	if _, _, err := s.msg.Member(ctx, p, conv); err != nil {
		return nil, err
	}
	u, err := s.store.UrgentByMessage(ctx, conv, msgID)
	if fault.Is(err, fault.NotFound) {
		return nil, errNoUrgent
	}
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(u.Recipients, func(r Recipient) bool { return r.UserID == p.User.ID }) {
		if u.SenderID == p.User.ID {
			return nil, fault.New(fault.Conflict, "You sent this urgent message; the people you sent it to acknowledge it.")
		}
		return nil, fault.New(fault.Forbidden, "This urgent message is not waiting for your acknowledgement.")
	}
	if _, err := s.store.AckUrgent(ctx, conv, u.ClientID, p.User.ID, s.now()); err != nil {
		return nil, fmt.Errorf("acknowledge: %w", err)
	}
	if u, err = s.store.UrgentByMessage(ctx, conv, u.ClientID); err != nil {
		return nil, err
	}
	s.tellSender(ctx, u)
	return u, nil
}

// ConversationUrgent lists a conversation's urgent messages (the open
// ones with openOnly) for a member.
func (s *Service) ConversationUrgent(ctx context.Context, p *identity.Principal, conv string, openOnly bool) ([]*Urgent, *messaging.Conversation, error) {
	c, _, err := s.msg.Member(ctx, p, conv)
	if err != nil {
		return nil, nil, err
	}
	us, err := s.store.ConversationUrgent(ctx, conv, openOnly)
	return us, c, err
}

// PendingUrgent lists the open urgent messages waiting for the caller's
// acknowledgement, in every conversation.
func (s *Service) PendingUrgent(ctx context.Context, p *identity.Principal) ([]*Urgent, error) {
	return s.store.PendingUrgent(ctx, p.User.ID)
}

// alertUrgent notifies users' devices of an urgent message: a frame to
// open sockets and a content-free push to the rest.
func (s *Service) alertUrgent(ctx context.Context, u *Urgent, users []string) {
	if len(users) == 0 {
		return
	}
	devices, err := s.store.ActiveDevices(ctx, users)
	if err != nil {
		s.log.Error("list devices to alert", "err", err)
		return
	}
	s.msg.Notify(ctx, devices, urgentFrame(u))
	s.msg.PushDevices(devices, messaging.PushUrgent)
}

// tellSender tells the sender's devices that an urgent message changed.
func (s *Service) tellSender(ctx context.Context, u *Urgent) {
	devices, err := s.store.ActiveDevices(ctx, []string{u.SenderID})
	if err != nil {
		s.log.Error("list devices to tell", "err", err)
		return
	}
	s.msg.Notify(ctx, devices, urgentFrame(u))
}

// delivered tells the senders of open urgent messages in conversations
// whose delivery cursors moved: the state they watch says who has each
// message.
func (s *Service) delivered(ctx context.Context, convs []string) {
	open, err := s.store.OpenUrgentIn(ctx, convs)
	if err != nil {
		s.log.Warn("list urgent messages delivered", "err", err)
		return
	}
	for _, u := range open {
		s.tellSender(ctx, u)
	}
}

func urgentFrame(u *Urgent) []byte {
	f := wire.Frame{Type: wire.FrameUrgent, ID: u.ClientID}
	f.Conversation = u.Conversation
	return f.Encode()
}

// sweepUrgent re-notifies who has not acknowledged an urgent message every
// RenotifyEvery, and escalates it once its time is up.
func (s *Service) sweepUrgent(ctx context.Context) {
	now := s.now()
	due, err := s.store.DueUrgent(ctx, now.Add(-RenotifyEvery), now)
	if err != nil {
		s.log.Error("list urgent messages due", "err", err)
		return
	}
	for _, u := range due {
		if u.EscalatedAt.IsZero() && u.EscalateAfter > 0 && !now.Before(u.SentAt.Add(u.EscalateAfter)) {
			if err := s.escalate(ctx, u, now); err != nil {
				s.log.Error("escalate an urgent message", "conversation", u.Conversation, "err", err)
			}
		}
		if now.Sub(u.NotifiedAt) >= RenotifyEvery {
			ok, err := s.store.UrgentNotified(ctx, u.Conversation, u.ClientID, u.NotifiedAt, now)
			if err != nil {
				s.log.Error("record an urgent message's notification", "conversation", u.Conversation, "err", err)
			}
			if ok { // another node may have just done it
				s.alertUrgent(ctx, u, u.pending())
			}
		}
	}
}

// escalate brings the escalation target of the role an urgent message was
// sent to into its conversation, as one more recipient, and tells the
// sender. With no target (or one who is a recipient already) it is only
// marked escalated, and keeps re-notifying.
func (s *Service) escalate(ctx context.Context, u *Urgent, now time.Time) error {
	target := ""
	if u.RoleID != "" {
		r, err := s.store.DutyRole(ctx, u.RoleID)
		if err != nil {
			return err
		}
		target = r.EscalateUser
		if r.EscalateRole != "" {
			held, err := s.holders(ctx, now)
			if err != nil {
				return err
			}
			target = held[r.EscalateRole]
		}
	}
	if target == u.SenderID || slices.ContainsFunc(u.Recipients, func(r Recipient) bool { return r.UserID == target }) {
		target = ""
	}
	if ok, err := s.store.UrgentEscalated(ctx, u.Conversation, u.ClientID, target, now); err != nil || !ok {
		return err // or another node escalated it first
	}
	if target != "" {
		if err := s.msg.AddPeople(ctx, u.Conversation, []string{target}); err != nil {
			return err
		}
		if err := s.store.AddUrgentRecipients(ctx, u.Conversation, u.ClientID, []string{target}, ViaEscalation, now); err != nil {
			return err
		}
		u.Recipients = append(u.Recipients, Recipient{UserID: target, Via: ViaEscalation, AddedAt: now})
		s.alertUrgent(ctx, u, []string{target})
	}
	u.EscalatedAt, u.EscalatedTo = now, target
	s.tellSender(ctx, u)
	return nil
}
