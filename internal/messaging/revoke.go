package messaging

import (
	"context"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// DeviceRevoked is called once identity has revoked a device, or the
// device signed out for good: the device is told to erase its store, and
// in each conversation it is in the server proposes its removal as the
// groups' external sender. Members commit the proposal; until one does,
// each new epoch gets a fresh proposal. Its user stays one of each
// conversation's people, so their other devices, and the next device they
// sign in on, stay in or join it.
func (s *Service) DeviceRevoked(ctx context.Context, device string) {
	s.notify(ctx, device, eraseFrame)
	convs, err := s.store.ListConversations(ctx, device)
	if err != nil {
		s.log.Error("list conversations of a revoked device", "device", device, "err", err)
		return
	}
	for _, c := range convs {
		gid, err := groupID(c.ID)
		if err != nil {
			continue
		}
		s.removeDeparting(ctx, c.ID, gid, c.Epoch)
	}
	if err := s.store.DeletePushSubscription(ctx, device); err != nil && !fault.Is(err, fault.NotFound) {
		s.log.Warn("delete push subscription of a revoked device", "device", device, "err", err)
	}
}

// removeDeparting appends, for each device still in the conversation that
// was revoked or whose user left, a Remove proposal for the given epoch.
func (s *Service) removeDeparting(ctx context.Context, conv string, gid []byte, epoch uint64) {
	members, err := s.store.DepartingMembers(ctx, conv)
	if err != nil {
		s.log.Error("list departing members", "conversation", conv, "err", err)
		return
	}
	for _, m := range members {
		if err := s.proposeRemove(ctx, conv, gid, epoch, m.Leaf); err != nil {
			s.log.Error("propose removal of a departing device", "conversation", conv, "device", m.Device, "err", err)
		}
	}
}

func (s *Service) proposeRemove(ctx context.Context, conv string, gid []byte, epoch uint64, leaf uint32) error {
	data, err := mls.NewExternalRemove(gid, epoch, 0, leaf, s.keys.SigningSeed)
	if err != nil {
		return err
	}
	mm, err := mls.DecodeMLSMessage(data)
	if err != nil {
		return err
	}
	ref := mls.ProposalRefOf(mm.PublicMessage)
	m := &Message{Conversation: conv, Kind: KindProposal, Epoch: epoch, SentAt: s.now(), Data: data}
	r := s.do(ctx, func(ctx context.Context) (int64, []Event, error) {
		seq, err := s.store.AppendProposal(ctx, m, ServerProposal{Ref: ref, RemovedLeaf: leaf})
		if err != nil {
			return 0, nil, err
		}
		m.Seq = seq
		return seq, []Event{{Message: m}}, nil
	})
	if fault.Is(r.err, fault.Conflict) {
		return nil // proposed already, or the epoch moved on (the commit re-proposes)
	}
	if r.err != nil {
		return fmt.Errorf("append remove proposal: %w", r.err)
	}
	return nil
}
