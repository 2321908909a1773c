package messaging

import (
	"context"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// Conversations whose membership another capability decides (a duty
// role's, which follows whoever holds the role; a major incident's, which
// holds everyone its call-in lists alerted) change people through these.
// Members' clients accept the server's Adds in such conversations because
// a member said, inside the group, that it follows a role or an incident.

// AddPeople makes users people of the conversation: the server proposes
// adding each of their devices, which the next member to commit takes in.
func (s *Service) AddPeople(ctx context.Context, conv string, users []string) error {
	if err := s.store.AddPerson(ctx, conv, users...); err != nil {
		return fmt.Errorf("add people: %w", err)
	}
	c, err := s.store.Conversation(ctx, conv)
	if err != nil {
		return fmt.Errorf("read conversation: %w", err)
	}
	gid, err := groupID(conv)
	if err != nil {
		return err
	}
	if c.Epoch > 0 { // at epoch 0 its creator has yet to set it up
		s.addJoining(ctx, conv, gid, c.Epoch)
	}
	return nil
}

// RemovePerson takes user out of the conversation: their devices can no
// longer send or read what follows, and the server proposes their removal.
func (s *Service) RemovePerson(ctx context.Context, conv, user string) error {
	if err := s.store.Leave(ctx, conv, user); err != nil {
		return fmt.Errorf("remove person: %w", err)
	}
	c, err := s.store.Conversation(ctx, conv)
	if err != nil {
		return fmt.Errorf("read conversation: %w", err)
	}
	gid, err := groupID(conv)
	if err != nil {
		return err
	}
	s.removeDeparting(ctx, conv, gid, c.Epoch)
	return nil
}

// Notify sends frame, an encoded content-free frame, to each device's
// sockets on every node.
func (s *Service) Notify(ctx context.Context, devices []string, frame []byte) {
	const batch = 1000 // bounds one event on the bus
	for len(devices) > 0 {
		n := min(batch, len(devices))
		if err := s.bus.Publish(ctx, Event{Devices: devices[:n], Notice: frame}); err != nil {
			s.log.Warn("publish notice", "devices", n, "err", err)
		}
		devices = devices[n:]
	}
}

// Bus is the bus between the nodes, for capabilities that tell each other
// of their own changes.
func (s *Service) Bus() Bus { return s.bus }

// Member returns the conversation and the calling device's membership
// (fault.NotFound when the device is not in it).
func (s *Service) Member(ctx context.Context, p *identity.Principal, id string) (*Conversation, *Member, error) {
	return s.member(ctx, p, id)
}

// Conversation returns a conversation with its members and people, for
// the server's own use: callers have checked who asks.
func (s *Service) Conversation(ctx context.Context, id string) (*Conversation, error) {
	if _, err := groupID(id); err != nil {
		return nil, err
	}
	return s.store.Conversation(ctx, id)
}
