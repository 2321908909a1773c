package client

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/mls"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// convRecord is a conversation as this device keeps it (encrypted).
type convRecord struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	State     []byte `json:"state"` // mls.Group.MarshalState
	LastSeq   uint64 `json:"last_seq"`
	JoinSeq   uint64 `json:"join_seq"`
	Removed   bool   `json:"removed,omitempty"`
	Proposals int    `json:"proposals,omitempty"` // others' proposals waiting for a commit
	Acked     uint64 `json:"acked,omitempty"`
	// People are the users (IDs) this device has seen in the group. The
	// server may propose adding a device of one of them (their new phone,
	// or a browser they signed in to again), never of anyone else.
	People []string `json:"people,omitempty"`
	// Invited are the emails of people a member added before they had a
	// device; their first device may be brought in as well.
	Invited []string `json:"invited,omitempty"`
	// Follows is "role:ID" or "incident:ID" when a member said, inside
	// the group, that its membership follows a duty role or an incident:
	// the server may then bring in anyone of the organisation.
	Follows string `json:"follows,omitempty"`
	// Repost are this device's messages to send again whenever someone
	// joins, who could not read them: open urgent messages, the METHANE
	// report.
	Repost []repost `json:"repost,omitempty"`
}

// repost is a message of ours to send again to people who join.
type repost struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Text   string `json:"text"`
	Urgent bool   `json:"urgent,omitempty"`
}

// conv is an open conversation: its record and its MLS group.
type conv struct {
	rec *convRecord
	g   *mls.Group
	// changed is set when its name or members changed since it was
	// last saved: the list on screen needs it again.
	changed bool
}

func convKey(id string) string { return "conv/" + id }

// Conversation describes a conversation for listing.
type Conversation struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Epoch   uint64   `json:"epoch"`
	LastSeq uint64   `json:"last_seq"`
	Members []Member `json:"members"`
	Removed bool     `json:"removed,omitempty"`
	// Follows is "role:ID" for a conversation with a duty role (its
	// membership follows the role's holder) and "incident:ID" for a major
	// incident's, as a member said inside it.
	Follows string `json:"follows,omitempty"`
	// Records is how long its messages are kept, as last heard from the
	// server (nil before then).
	Records *Records `json:"records,omitempty"`
}

// Member is a device in a conversation.
type Member struct {
	Email  string `json:"email"`
	Device string `json:"device"`
}

var errNotMember = fault.New(fault.Forbidden, "This device is no longer a member of that conversation.")

func unknownMessage(id string) error {
	return fault.New(fault.NotFound, "There is no message "+id+" in that conversation.")
}

func unknownConversation(id string) error {
	return fault.New(fault.NotFound, "There is no conversation "+id+" on this device; switchboard chat list shows yours.")
}

// validConvID reports whether id has the form of a conversation ID.
func validConvID(id string) bool {
	b, err := hex.DecodeString(id)
	return err == nil && len(b) == 16 && strings.ToLower(id) == id
}

// load opens a conversation, joining from a waiting Welcome first if the
// device does not know it yet.
func (c *Client) load(ctx context.Context, id string) (*conv, error) {
	if !validConvID(id) {
		return nil, fault.Invalidf("A conversation ID is 32 lower-case hexadecimal characters, as create and list print it.")
	}
	cv, err := c.loadLocal(id)
	if errors.Is(err, ErrNotFound) || err == nil && cv.rec.Removed {
		// New to this device, or it may have been added back.
		if err := c.joinWelcomes(ctx, nil); err != nil {
			return nil, err
		}
		cv, err = c.loadLocal(id)
	}
	if errors.Is(err, ErrNotFound) {
		return nil, unknownConversation(id)
	}
	return cv, err
}

func (c *Client) loadLocal(id string) (*conv, error) {
	var rec convRecord
	if err := c.v.get(convKey(id), &rec); err != nil {
		return nil, err
	}
	cv := &conv{rec: &rec}
	if rec.Removed {
		return cv, nil
	}
	g, err := mls.RestoreGroup(c.mlsConfig(), rec.State)
	if err != nil {
		return nil, fmt.Errorf("restore conversation %s: %w", id, err)
	}
	cv.g = g
	return cv, nil
}

// save writes the conversation's record and group state.
func (c *Client) save(cv *conv) error {
	if cv.g != nil && !cv.rec.Removed {
		st, err := cv.g.MarshalState()
		if err != nil {
			return err
		}
		cv.rec.State = st
	} else {
		clear(cv.rec.State)
		cv.rec.State = nil
	}
	return c.v.put(convKey(cv.rec.ID), cv.rec)
}

func (cv *conv) close() {
	if cv.g != nil {
		cv.g.Close()
	}
}

// members lists the conversation's devices from the MLS tree.
func (c *Client) members(g *mls.Group) []Member {
	var out []Member
	for _, m := range g.Members() {
		if id, err := wire.ParseIdentity(m.Credential.Identity, c.prof.ServiceKey); err == nil {
			out = append(out, Member{Email: id.Email, Device: id.Device})
		}
	}
	return out
}

// CreateConversation starts a conversation named name with the people
// whose emails are given (all their devices, and this account's other
// devices) and returns its ID.
func (c *Client) CreateConversation(ctx context.Context, name string, emails []string, kind string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return "", fault.Invalidf("Give the conversation a name of up to 200 characters.")
	}
	if kind != "" && !slices.Contains(wire.ConversationKinds, kind) {
		return "", fault.Invalidf("Choose the conversation's kind: clinical, team or incident.")
	}
	unlock, err := c.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	cv, err := c.newGroup()
	if err != nil {
		return "", err
	}
	defer cv.close()
	cv.rec.Name = name
	gid := cv.rec.ID
	want := dedupeEmails(append(slices.Clone(emails), c.prof.Email))
	claims, err := c.claimKeyPackages(ctx, want)
	if err != nil {
		return "", err
	}
	if err := c.api.do(ctx, "POST", "/api/conversations", wire.NewConversation{ID: gid, Kind: kind}, nil); err != nil {
		return "", err
	}
	if err := c.setUp(ctx, cv, kps(claims)); err != nil {
		return "", err
	}
	if err := c.sendEnvelope(ctx, cv, envelope{Type: TypeTitle, Text: name}); err != nil {
		return "", err
	}
	for _, e := range want {
		if e != strings.ToLower(c.prof.Email) && !slices.ContainsFunc(claims, func(cl claimed) bool { return strings.EqualFold(cl.Email, e) }) {
			if err := c.invite(ctx, cv, e); err != nil {
				return "", err
			}
		}
	}
	return gid, nil
}

// newGroup makes a new MLS group with this device as its only member,
// under a fresh random ID.
func (c *Client) newGroup() (*conv, error) {
	gid, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	raw, _ := hex.DecodeString(gid)
	kp, priv, err := mls.NewKeyPackage(c.credential(), c.prof.SigPriv, c.now(), keyPackageLifetime)
	if err != nil {
		return nil, err
	}
	g, err := mls.CreateGroup(c.mlsConfig(), raw, kp, priv)
	priv.Wipe()
	if err != nil {
		return nil, err
	}
	return &conv{rec: &convRecord{ID: gid}, g: g}, nil
}

// setUp saves a group the server has started and commits its first
// epoch: the server as the external sender, and the devices of add.
func (c *Client) setUp(ctx context.Context, cv *conv, add []*mls.KeyPackage) error {
	if err := c.save(cv); err != nil {
		return err
	}
	es, err := mls.DecodeExternalSender(c.prof.ExternalSender)
	if err != nil {
		return err
	}
	ext := mls.Extensions{mls.ExternalSendersExtension(*es)}
	return c.commit(ctx, cv, func() (mls.CommitOptions, bool) {
		if cv.g.Epoch() != 0 {
			return mls.CommitOptions{}, false
		}
		return mls.CommitOptions{SetExtensions: true, Extensions: ext, Add: add, RatchetTreeInWelcome: true}, true
	})
}

// invite adds someone who has no device yet: the server makes them one
// of the conversation's people (if this account may add people), and the
// members learn, inside the group, that the server may bring in their
// first device.
func (c *Client) invite(ctx context.Context, cv *conv, email string) error {
	err := c.api.do(ctx, "POST", "/api/conversations/"+url.PathEscape(cv.rec.ID)+"/people", map[string]string{"email": email}, nil)
	if err != nil {
		return err
	}
	if !slices.Contains(cv.rec.Invited, email) {
		cv.rec.Invited = append(cv.rec.Invited, email)
		if err := c.save(cv); err != nil {
			return err
		}
	}
	return c.sendEnvelope(ctx, cv, envelope{Type: TypePerson, Text: email})
}

func kps(cs []claimed) []*mls.KeyPackage {
	out := make([]*mls.KeyPackage, len(cs))
	for i, c := range cs {
		out[i] = c.KP
	}
	return out
}

func dedupeEmails(in []string) []string {
	var out []string
	for _, e := range in {
		e = strings.ToLower(strings.TrimSpace(e))
		if e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// Add adds every device of the person with email to the conversation.
func (c *Client) Add(ctx context.Context, id, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return c.change(ctx, id, func(cv *conv) error {
		for _, m := range c.members(cv.g) {
			if strings.EqualFold(m.Email, email) && email != strings.ToLower(c.prof.Email) {
				return fault.New(fault.Conflict, email+" is already in this conversation.")
			}
		}
		claims, err := c.claimKeyPackages(ctx, []string{email})
		if err != nil {
			return err
		}
		fresh := func() []claimed {
			in := map[string]bool{}
			for _, m := range c.members(cv.g) {
				in[m.Device] = true
			}
			var out []claimed
			for _, cl := range claims {
				if !in[cl.Device] {
					out = append(out, cl)
				}
			}
			return out
		}
		if len(fresh()) == 0 {
			// They have not opened Messages yet: they become one of the
			// conversation's people, and their first device joins.
			return c.invite(ctx, cv, email)
		}
		err = c.commit(ctx, cv, func() (mls.CommitOptions, bool) {
			f := fresh()
			return mls.CommitOptions{Add: kps(f), RatchetTreeInWelcome: true}, len(f) > 0
		})
		if err != nil {
			return err
		}
		// New members cannot read anything from before they joined, so
		// they learn the conversation's name again.
		return c.sendEnvelope(ctx, cv, envelope{Type: TypeTitle, Text: cv.rec.Name})
	})
}

// Remove removes every device of the person with email from the
// conversation.
func (c *Client) Remove(ctx context.Context, id, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == strings.ToLower(c.prof.Email) {
		return fault.Invalidf("You cannot remove yourself from a conversation; leave it instead.")
	}
	return c.change(ctx, id, func(cv *conv) error {
		leaves := func() []uint32 {
			var out []uint32
			for _, m := range cv.g.Members() {
				id, err := wire.ParseIdentity(m.Credential.Identity, c.prof.ServiceKey)
				if err == nil && strings.EqualFold(id.Email, email) {
					out = append(out, m.Leaf)
				}
			}
			return out
		}
		if len(leaves()) == 0 {
			return fault.New(fault.NotFound, email+" is not a member of this conversation.")
		}
		return c.commit(ctx, cv, func() (mls.CommitOptions, bool) {
			l := leaves()
			return mls.CommitOptions{Remove: l}, len(l) > 0
		})
	})
}

// Leave takes this account out of the conversation: the server marks
// each of its devices there as leaving and proposes their removal, which
// the other members commit. This device forgets the conversation's keys
// at once and keeps only what it read before.
func (c *Client) Leave(ctx context.Context, id string) error {
	return c.opened(ctx, id, func(cv *conv) error {
		if cv.rec.Removed {
			return nil
		}
		if err := c.api.do(ctx, "POST", "/api/conversations/"+url.PathEscape(id)+"/leave", nil, nil); err != nil {
			return err
		}
		cv.rec.Removed = true
		return c.save(cv)
	})
}

// MakeAdmin makes the member with email one of the conversation's admins,
// who may add and remove other people. Only an admin may do it.
func (c *Client) MakeAdmin(ctx context.Context, id, email string) error {
	if !validConvID(id) {
		return fault.Invalidf("A conversation ID is 32 lower-case hexadecimal characters, as create and list print it.")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	return c.api.do(ctx, "POST", "/api/conversations/"+url.PathEscape(id)+"/admins", map[string]string{"email": email}, nil)
}

// roster is the server's view of a conversation: which devices are
// leaving, and who its admins are.
type roster struct {
	Admins  []string `json:"admins"`
	Members []struct {
		Email   string `json:"email"`
		Leaving bool   `json:"leaving"`
	} `json:"members"`
}

func (c *Client) roster(ctx context.Context, id string) (*roster, error) {
	var r roster
	err := c.api.do(ctx, "GET", "/api/conversations/"+url.PathEscape(id), nil, &r)
	return &r, err
}

// opened runs f, holding the store's lock, on the conversation as this
// device has it.
func (c *Client) opened(ctx context.Context, id string, f func(*conv) error) error {
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	cv, err := c.load(ctx, id)
	if err != nil {
		return err
	}
	defer cv.close()
	return f(cv)
}

// change runs f on an up-to-date conversation this device is a member of.
func (c *Client) change(ctx context.Context, id string, f func(*conv) error) error {
	return c.opened(ctx, id, func(cv *conv) error {
		if err := c.sync(ctx, cv, nil, true); err != nil {
			return err
		}
		if cv.rec.Removed {
			return errNotMember
		}
		return f(cv)
	})
}

func (c *Client) postCommit(ctx context.Context, id string, req wire.CommitRequest) (*wire.Stored, error) {
	var out wire.Stored
	err := c.api.do(ctx, "POST", "/api/conversations/"+url.PathEscape(id)+"/commits", req, &out)
	return &out, err
}
