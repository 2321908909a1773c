package messaging

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// A person's devices follow them into their conversations. When a device
// becomes able to join (it uploads KeyPackages) and after every commit,
// the server proposes, as the groups' external sender, adding each device
// of each of the conversation's people that is not a member, with a
// KeyPackage it claims for it. The next member to commit (any device of
// any member: a colleague's, or the person's own phone) adds it, and the
// device joins from the Welcome; nobody has to do anything by hand.
// Members' clients commit such an Add only for someone who is or was in
// the conversation, so the server cannot slip in a stranger.

// DeviceReady proposes adding the calling device to each conversation its
// user belongs in and it is not yet in.
func (s *Service) DeviceReady(ctx context.Context, user string) {
	convs, err := s.store.PersonConversations(ctx, user)
	if err != nil {
		s.log.Error("list a person's conversations", "user", user, "err", err)
		return
	}
	for _, id := range convs {
		c, err := s.store.Conversation(ctx, id)
		if err != nil {
			s.log.Error("read a conversation to add a device", "conversation", id, "err", err)
			continue
		}
		gid, err := groupID(id)
		if err != nil || c.Epoch == 0 {
			continue // not yet set up by its creator: it adds everyone
		}
		s.addJoining(ctx, id, gid, c.Epoch)
	}
}

// addJoining appends an Add proposal for the given epoch for each device
// that belongs in the conversation and is not in it.
func (s *Service) addJoining(ctx context.Context, conv string, gid []byte, epoch uint64) {
	devices, err := s.store.JoiningDevices(ctx, conv)
	if err != nil {
		s.log.Error("list joining devices", "conversation", conv, "err", err)
		return
	}
	for _, d := range devices {
		if err := s.proposeAdd(ctx, conv, gid, epoch, d); err != nil {
			s.log.Error("propose adding a device", "conversation", conv, "device", d, "err", err)
		}
	}
}

func (s *Service) proposeAdd(ctx context.Context, conv string, gid []byte, epoch uint64, device string) error {
	kp, stock, err := s.store.ClaimKeyPackage(ctx, device, s.now())
	if fault.Is(err, fault.NotFound) {
		return nil // it is proposed once it uploads KeyPackages
	}
	if err != nil {
		return fmt.Errorf("claim key package: %w", err)
	}
	if stock < LowStock {
		s.notify(ctx, device, stockFrame(stock))
	}
	k, err := mls.InspectKeyPackage(kp)
	if err != nil {
		return fmt.Errorf("read claimed key package: %w", err)
	}
	data, err := mls.NewExternalAdd(gid, epoch, 0, kp, s.keys.SigningSeed)
	if err != nil {
		return err
	}
	mm, err := mls.DecodeMLSMessage(data)
	if err != nil {
		return err
	}
	sp := ServerProposal{Ref: mls.ProposalRefOf(mm.PublicMessage), AddedDevice: device, KeyPackageRef: k.Ref()}
	m := &Message{Conversation: conv, Kind: KindProposal, Epoch: epoch, SentAt: s.now(), Data: data}
	r := s.do(ctx, func(ctx context.Context) (int64, []Event, error) {
		seq, err := s.store.AppendProposal(ctx, m, sp)
		if err != nil {
			return 0, nil, err
		}
		m.Seq = seq
		return seq, []Event{{Message: m}}, nil
	})
	if fault.Is(r.err, fault.Conflict) {
		return nil // the epoch moved on: the commit proposes it again
	}
	if r.err != nil {
		return fmt.Errorf("append add proposal: %w", r.err)
	}
	return nil
}

// AddPerson makes the person with email one of the conversation's people
// before they have a device that can be added (they have not opened
// Messages yet): their first device joins by itself. Only an admin of the
// conversation may, as for any other addition of someone new.
func (s *Service) AddPerson(ctx context.Context, p *identity.Principal, id, email string) error {
	c, me, err := s.member(ctx, p, id)
	if err != nil {
		return err
	}
	if me.Leaving {
		return ErrLeft
	}
	if !slices.Contains(c.Admins, p.User.ID) {
		return errNotAdmin
	}
	u, err := s.ids.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil || u.OrgID != p.Org.ID || u.Disabled() {
		return fault.Invalidf(fmt.Sprintf("There is no one with the email address %s in your organisation who can be added.", email))
	}
	if err := s.store.AddPerson(ctx, id, u.ID); err != nil {
		return fmt.Errorf("add person: %w", err)
	}
	gid, _ := groupID(id)
	s.addJoining(ctx, id, gid, c.Epoch)
	return nil
}
