package messaging

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"slices"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// planCommit reads a commit's proposals and works out the membership it
// leads to, as RFC 9420 applies them: Removes blank leaves, then each Add
// takes the leftmost blank leaf, else extends the tree.
func (s *Service) planCommit(ctx context.Context, p *identity.Principal, c *Conversation, me *Member,
	info *mls.CommitInfo, in CommitInput) (*CommitRecord, error) {
	occupied := map[uint32]string{}
	inConv := map[string]bool{}
	byLeaf := map[uint32]Member{}
	people := map[string]bool{} // users who belong in the conversation
	for _, u := range c.People {
		people[u] = true
	}
	for _, m := range c.Members {
		occupied[m.Leaf] = m.Device
		inConv[m.Device] = true
		byLeaf[m.Leaf] = m
		people[m.User] = true
	}
	admin := slices.Contains(c.Admins, p.User.ID)
	var removed []uint32
	var addRefs [][]byte
	var serverAdds []bool // per addRefs: proposed by the server
	var ousted []string   // users an admin removes devices of
	setsSenders := false
	for i, cp := range info.Proposals {
		pr := cp.Proposal
		byServer := cp.Reference != nil
		if byServer {
			sp, err := s.store.Proposal(ctx, c.ID, c.Epoch, cp.Reference)
			if fault.Is(err, fault.NotFound) {
				return nil, fault.Invalidf(fmt.Sprintf("Proposal %d is named by a reference the server does not know in this epoch.", i))
			}
			if err != nil {
				return nil, err
			}
			if sp.AddedDevice != "" {
				addRefs = append(addRefs, sp.KeyPackageRef)
				serverAdds = append(serverAdds, true)
				continue
			}
			pr = &mls.Proposal{Type: mls.ProposalRemove, Remove: &mls.RemoveProposal{Removed: sp.RemovedLeaf}}
		}
		switch pr.Type {
		case mls.ProposalRemove:
			l := pr.Remove.Removed
			if _, ok := occupied[l]; !ok || slices.Contains(removed, l) {
				return nil, fault.Invalidf(fmt.Sprintf("Proposal %d removes leaf %d, which is empty.", i, l))
			}
			if l == me.Leaf {
				return nil, fault.Invalidf("A device cannot commit its own removal; ask another member to remove it.")
			}
			t := byLeaf[l]
			if !byServer && !t.Leaving && t.User != p.User.ID {
				if !admin {
					return nil, errNotAdmin
				}
				ousted = append(ousted, t.User)
			}
			removed = append(removed, l)
		case mls.ProposalAdd:
			addRefs = append(addRefs, cp.KeyPackageRef)
			serverAdds = append(serverAdds, false)
		case mls.ProposalGroupContextExtensions:
			if err := s.checkExternalSenders(pr.GroupContextExtensions.Extensions); err != nil {
				return nil, err
			}
			setsSenders = true
		case mls.ProposalUpdate, mls.ProposalPreSharedKey:
		default:
			return nil, fault.Invalidf(fmt.Sprintf("Proposal %d is of a type this server does not accept (%d).", i, pr.Type))
		}
	}
	if c.Epoch == 0 && !setsSenders {
		return nil, fault.Invalidf("The first commit must set the external_senders extension with the server's ExternalSender first (GET /api/mls/service).")
	}
	for _, l := range removed {
		delete(occupied, l)
	}
	rec := &CommitRecord{Epoch: c.Epoch, Removed: removed,
		Message: &Message{Conversation: c.ID, Kind: KindCommit, Device: me.Device, Epoch: c.Epoch, SentAt: s.now(), Data: in.Commit}}
	for i, ref := range addRefs {
		m, err := s.addedMember(ctx, p, ref, inConv, i, serverAdds[i])
		if err != nil {
			return nil, err
		}
		if !serverAdds[i] && !admin && !people[m.User] && m.User != p.User.ID {
			return nil, errNotAdmin // adding another device of a member is anyone's to do
		}
		m.Leaf = leftmostFree(occupied)
		occupied[m.Leaf] = m.Device
		inConv[m.Device] = true
		rec.Added = append(rec.Added, *m)
		rec.Claimed = append(rec.Claimed, ref)
		if !slices.Contains(c.People, m.User) && !slices.Contains(rec.Joined, m.User) {
			rec.Joined = append(rec.Joined, m.User)
		}
	}
	// An admin's removal of every device a person has there takes the
	// person out; a device signed out or revoked leaves the person in.
	for _, u := range ousted {
		if !slices.Contains(rec.Gone, u) && !hasDevice(u, c.Members, removed, rec.Added) {
			rec.Gone = append(rec.Gone, u)
		}
	}
	rec.Admins = adminsAfter(c, removed, rec.Added, rec.Gone)
	if len(rec.Added) > 0 {
		w, err := mls.DecodeMLSMessage(in.Welcome)
		if err != nil || w.WireFormat != mls.WireFormatWelcome {
			return nil, fault.Invalidf("A commit that adds devices needs their Welcome: an MLSMessage carrying a Welcome.")
		}
		tree := in.RatchetTree
		if tree == nil {
			tree = []byte{} // the Welcome carries the tree in its GroupInfo
		}
		for _, m := range rec.Added {
			rec.Welcomes = append(rec.Welcomes, &Welcome{ID: newID(), Device: m.Device, Conversation: c.ID,
				Welcome: in.Welcome, RatchetTree: tree, CreatedAt: s.now()})
		}
	}
	return rec, nil
}

// hasDevice reports whether user keeps a device in the conversation once
// the leaves removed go and the members added join.
func hasDevice(user string, members []Member, removed []uint32, added []Member) bool {
	for _, m := range members {
		if m.User == user && !slices.Contains(removed, m.Leaf) {
			return true
		}
	}
	for _, m := range added {
		if m.User == user {
			return true
		}
	}
	return false
}

// adminsAfter returns the conversation's admins once a commit removes and
// adds devices and takes the users gone out, or nil when they stay as
// they are: admins who are no longer among its people and have no device
// left stop being admins, and if none remains, the member who joined
// first becomes one. An admin whose devices all signed out stays one.
func adminsAfter(c *Conversation, removed []uint32, added []Member, gone []string) []string {
	stays := map[string]bool{}
	for _, u := range c.People {
		if !slices.Contains(gone, u) {
			stays[u] = true
		}
	}
	for _, m := range c.Members {
		if !slices.Contains(removed, m.Leaf) {
			stays[m.User] = true
		}
	}
	for _, m := range added {
		stays[m.User] = true
	}
	var out []string
	for _, u := range c.Admins {
		if stays[u] {
			out = append(out, u)
		}
	}
	// Those who stay: a removed leaf may be taken again by an added device.
	var all []Member
	for _, m := range c.Members {
		if !slices.Contains(removed, m.Leaf) {
			all = append(all, m)
		}
	}
	for _, m := range added {
		m.JoinedSeq = math.MaxInt64 // joins with this commit: after everyone already in
		all = append(all, m)
	}
	if h := heir(all, out); h != "" {
		out = append(out, h)
	}
	if slices.Equal(out, c.Admins) {
		return nil
	}
	if out == nil {
		out = []string{} // nobody is left
	}
	return out
}

// addedMember resolves an Add's KeyPackageRef to a device of the
// organisation that is not yet in the conversation. A device the server
// proposed may have been revoked since: it is let in (and its removal is
// proposed at once), so that the members' commits, which must carry the
// proposal, are not refused for ever.
func (s *Service) addedMember(ctx context.Context, p *identity.Principal, ref []byte, inConv map[string]bool, i int, byServer bool) (*Member, error) {
	bad := func(why string) error {
		return fault.Invalidf(fmt.Sprintf("Add %d %s.", i, why))
	}
	dev, err := s.store.KeyPackageDevice(ctx, ref)
	if fault.Is(err, fault.NotFound) {
		return nil, bad("uses a KeyPackage that was not claimed from this server (POST /api/keypackages/claim)")
	}
	if err != nil {
		return nil, err
	}
	if inConv[dev] {
		return nil, bad("names a device that is in the conversation already")
	}
	d, err := s.ids.DeviceByID(ctx, dev)
	if err != nil {
		return nil, err
	}
	if d.Revoked() && !byServer {
		return nil, bad("names a device that has been revoked")
	}
	u, err := s.ids.UserByID(ctx, d.UserID)
	if err != nil {
		return nil, err
	}
	if u.OrgID != p.Org.ID {
		return nil, bad("names a device outside your organisation")
	}
	return &Member{Device: dev, User: u.ID, Email: u.Email}, nil
}

// leftmostFree is the leaf an Add takes: the leftmost blank leaf, or the
// first past the end (extending the tree), which is the same number.
func leftmostFree(occupied map[uint32]string) uint32 {
	for l := uint32(0); ; l++ {
		if _, ok := occupied[l]; !ok {
			return l
		}
	}
}

// checkExternalSenders requires the server's ExternalSender to stay first
// in the group's external_senders, so that it can propose removals.
func (s *Service) checkExternalSenders(ext mls.Extensions) error {
	senders, err := mls.ExternalSendersOf(ext)
	if err == nil && len(senders) > 0 && bytes.Equal(senders[0].Bytes(), s.extSender) {
		return nil
	}
	return fault.Invalidf("The group's external_senders extension must list the server's ExternalSender first (GET /api/mls/service).")
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
