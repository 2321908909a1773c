package messaging

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/mls"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// StaleEpoch is the cause of a fault.Conflict for a commit or message made
// in an epoch other than the conversation's current one.
type StaleEpoch struct{ Epoch uint64 }

func (e *StaleEpoch) Error() string { return fmt.Sprintf("conversation is at epoch %d", e.Epoch) }

func stale(epoch uint64) error {
	return fault.Wrap(fault.Conflict, "The conversation has moved on to a newer epoch; fetch its messages, merge and try again.",
		&StaleEpoch{Epoch: epoch})
}

// EpochOf returns the current epoch carried by a stale-epoch error.
func EpochOf(err error) (uint64, bool) {
	var se *StaleEpoch
	if errors.As(err, &se) {
		return se.Epoch, true
	}
	return 0, false
}

var errNoConversation = fault.New(fault.NotFound, "There is no such conversation, or this device is not in it.")

// ErrLeft refuses a send or commit from a device whose user has left the
// conversation (its removal may not be committed yet).
var ErrLeft = fault.New(fault.Forbidden, "You have left this conversation; ask one of its admins to add you again.")

// groupID parses a conversation ID: 16 bytes as 32 lower-case hex digits.
func groupID(id string) ([]byte, error) {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != 16 || hex.EncodeToString(b) != id {
		return nil, fault.Invalidf("A conversation ID is 32 lower-case hexadecimal characters (16 random bytes).")
	}
	return b, nil
}

// CreateConversation starts a conversation whose only member is the
// calling device, at leaf 0.
func (s *Service) CreateConversation(ctx context.Context, p *identity.Principal, id, kind string) (*Conversation, error) {
	if _, err := groupID(id); err != nil {
		return nil, err
	}
	if kind == "" {
		kind = wire.KindClinical
	}
	if !slices.Contains(wire.ConversationKinds, kind) {
		return nil, fault.Invalidf("Choose the conversation's kind: clinical, team or incident.")
	}
	if _, err := s.store.Credential(ctx, p.Device.ID); err != nil {
		if fault.Is(err, fault.NotFound) {
			return nil, fault.New(fault.Conflict, "Register this device's signature key (PUT /api/mls/credential) before starting a conversation.")
		}
		return nil, err
	}
	c := &Conversation{ID: id, OrgID: p.Org.ID, CreatedAt: s.now(), Kind: kind}
	m := Member{Device: p.Device.ID, User: p.User.ID, Email: p.User.Email}
	if err := s.store.CreateConversation(ctx, c, m); err != nil {
		if fault.Is(err, fault.Conflict) {
			return nil, fault.Wrap(fault.Conflict, "A conversation with this ID exists already; choose another random ID.", err)
		}
		return nil, fmt.Errorf("create conversation: %w", err)
	}
	c.Members = []Member{m}
	return c, nil
}

// ListConversations lists the calling device's conversations.
func (s *Service) ListConversations(ctx context.Context, p *identity.Principal) ([]*Conversation, error) {
	return s.store.ListConversations(ctx, p.Device.ID)
}

// member returns the conversation and the calling device's membership.
func (s *Service) member(ctx context.Context, p *identity.Principal, id string) (*Conversation, *Member, error) {
	if _, err := groupID(id); err != nil {
		return nil, nil, err
	}
	c, err := s.store.Conversation(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return nil, nil, errNoConversation
	}
	if err != nil {
		return nil, nil, err
	}
	if c.OrgID != p.Org.ID {
		return nil, nil, errNoConversation
	}
	for i := range c.Members {
		if c.Members[i].Device == p.Device.ID {
			return c, &c.Members[i], nil
		}
	}
	return nil, nil, errNoConversation
}

// CommitInput is a commit as a client posts it.
type CommitInput struct {
	Epoch       uint64
	Commit      []byte // MLSMessage (PublicMessage)
	Welcome     []byte // MLSMessage (Welcome), required when the commit adds devices
	RatchetTree []byte
}

// Commit accepts the commit for the conversation's current epoch, tracks
// the membership it changes, and stores the Welcome for each new device.
func (s *Service) Commit(ctx context.Context, p *identity.Principal, id string, in CommitInput) (int64, uint64, error) {
	if len(in.Commit) > s.limits.MaxMessage*4 || len(in.Welcome) > s.limits.MaxMessage*4 {
		return 0, 0, fault.Invalidf("The commit or its Welcome is too large.")
	}
	c, me, err := s.member(ctx, p, id)
	if err != nil {
		return 0, 0, err
	}
	gid, _ := groupID(id)
	info, err := mls.InspectCommit(in.Commit)
	if err != nil {
		return 0, 0, fault.Wrap(fault.Invalid, "The commit is not an MLS PublicMessage carrying a commit.", err)
	}
	if !bytes.Equal(info.GroupID, gid) {
		return 0, 0, fault.Invalidf("The commit is for another group than this conversation.")
	}
	if info.Epoch != in.Epoch {
		return 0, 0, fault.Invalidf("The epoch field does not match the commit's epoch.")
	}
	if in.Epoch != c.Epoch {
		return 0, 0, stale(c.Epoch)
	}
	if info.Sender.Type != mls.SenderMember || info.Sender.Index != me.Leaf {
		return 0, 0, fault.New(fault.Forbidden, "A commit must come from the device at its own leaf.")
	}
	if me.Leaving {
		return 0, 0, ErrLeft
	}
	rec, err := s.planCommit(ctx, p, c, me, info, in)
	if err != nil {
		return 0, 0, err
	}
	res := s.do(ctx, func(ctx context.Context) (int64, []Event, error) {
		seq, err := s.store.Commit(ctx, rec)
		if err != nil {
			return 0, nil, err
		}
		ev := Event{Message: rec.Message}
		for _, l := range rec.Removed {
			for _, m := range c.Members {
				if m.Leaf == l {
					ev.Left = append(ev.Left, m.Device)
				}
			}
		}
		evs := []Event{ev}
		for _, w := range rec.Welcomes {
			evs = append(evs, Event{Device: w.Device, Notice: welcomeFrame(w), Conversation: id, Seq: seq})
		}
		return seq, evs, nil
	})
	if res.err != nil {
		return 0, 0, res.err
	}
	s.removeDeparting(ctx, c.ID, gid, c.Epoch+1)
	s.addJoining(ctx, c.ID, gid, c.Epoch+1)
	return res.seq, c.Epoch + 1, nil
}

// Leave takes the caller out of a conversation: every device of theirs in
// it is marked as leaving, can no longer send or commit, and the server
// proposes its removal, which the other members' devices commit. When the
// caller was its only remaining admin, the longest-standing other member
// becomes one, so that someone can still add and remove people.
func (s *Service) Leave(ctx context.Context, p *identity.Principal, id string) error {
	c, me, err := s.member(ctx, p, id)
	if err != nil {
		return err
	}
	if me.Leaving {
		return nil
	}
	if err := s.store.Leave(ctx, id, p.User.ID); err != nil {
		return fmt.Errorf("leave conversation: %w", err)
	}
	for i := range c.Members {
		if c.Members[i].User == p.User.ID {
			c.Members[i].Leaving = true
		}
	}
	if heir := heir(c.Members, c.Admins); heir != "" {
		if err := s.store.AddAdmin(ctx, id, heir); err != nil {
			return fmt.Errorf("name a new admin: %w", err)
		}
	}
	gid, _ := groupID(id)
	s.removeDeparting(ctx, id, gid, c.Epoch)
	return nil
}

// MakeAdmin lets an admin of the conversation make another member one.
func (s *Service) MakeAdmin(ctx context.Context, p *identity.Principal, id, email string) error {
	c, _, err := s.member(ctx, p, id)
	if err != nil {
		return err
	}
	if !slices.Contains(c.Admins, p.User.ID) {
		return errNotAdmin
	}
	for _, m := range c.Members {
		if strings.EqualFold(m.Email, email) && !m.Leaving {
			return s.store.AddAdmin(ctx, id, m.User)
		}
	}
	return fault.New(fault.NotFound, email+" is not a member of this conversation.")
}

var errNotAdmin = fault.New(fault.Forbidden, "Only the conversation's admins can add or remove other people; ask one of them (the members list shows who).")

// heir returns the user who should become an admin when none of admins
// remains among the members that stay (those not leaving): the one whose
// device joined first. It returns "" when an admin remains, or nobody
// does.
func heir(members []Member, admins []string) string {
	best := -1
	for i, m := range members {
		if m.Leaving {
			continue
		}
		if slices.Contains(admins, m.User) {
			return ""
		}
		if best < 0 || m.JoinedSeq < members[best].JoinedSeq ||
			m.JoinedSeq == members[best].JoinedSeq && m.Leaf < members[best].Leaf {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return members[best].User
}
