package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// Duty roles, urgent messages and major incidents, as a device does them.
// The server decides who is in a duty role's or an incident's
// conversation (the rota, the call-in lists); everything said there is end
// to end encrypted like any other message.

func copyKey(conv, id string) string { return "copy/" + conv + "/" + id }
func ackKey(conv, id string) string  { return "ack/" + conv + "/" + id }

// has reports whether the vault holds key.
func (v *vault) has(key string) (bool, error) {
	var x any
	err := v.get(key, &x)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// noteAck keeps a member's signed acknowledgement of an urgent message.
func (c *Client) noteAck(conv, ref string, from *wire.Identity, at time.Time) error {
	if !validMessageID(ref) {
		return nil
	}
	var rec receiptRecord
	if err := c.v.get(ackKey(conv, ref), &rec); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if slices.ContainsFunc(rec.Readers, func(r Reader) bool { return r.Email == from.Email }) {
		return nil
	}
	rec.Readers = append(rec.Readers, Reader{Email: from.Email, Device: from.Device, At: at.UTC()})
	return c.v.put(ackKey(conv, ref), &rec)
}

// AckedBy lists who acknowledged each urgent message of the conversation,
// as their signed acknowledgements inside it say.
func (c *Client) AckedBy(conv, msgID string) ([]Reader, error) {
	var rec receiptRecord
	if err := c.v.get(ackKey(conv, msgID), &rec); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return rec.Readers, nil
}

// DutyRoles lists the organisation's duty roles and who holds each now.
func (c *Client) DutyRoles(ctx context.Context) ([]wire.DutyRole, error) {
	var out wire.DutyRoles
	err := c.api.do(ctx, "GET", "/api/duty", nil, &out)
	return out.Roles, err
}

// Bleep sends text to whoever holds the duty role now, in this account's
// conversation with the role (started on first use), and returns the
// conversation's and the message's IDs. Urgent messages must be
// acknowledged, and escalate when they are not.
func (c *Client) Bleep(ctx context.Context, role, text string, urgent bool) (string, string, error) {
	if strings.TrimSpace(text) == "" {
		return "", "", fault.Invalidf("The message is empty.")
	}
	if len(text) > maxText {
		return "", "", fault.Invalidf("The message is too long: keep it under 64 KiB.")
	}
	roles, err := c.DutyRoles(ctx)
	if err != nil {
		return "", "", err
	}
	i := slices.IndexFunc(roles, func(r wire.DutyRole) bool {
		return strings.EqualFold(strings.Join(strings.Fields(r.Name), " "), strings.Join(strings.Fields(role), " ")) || r.ID == role
	})
	if i < 0 {
		var names []string
		for _, r := range roles {
			names = append(names, r.Name)
		}
		if len(names) == 0 {
			return "", "", fault.New(fault.NotFound, fmt.Sprintf("There is no duty role called %q: your organisation has none yet.", role))
		}
		return "", "", fault.New(fault.NotFound, fmt.Sprintf("There is no duty role called %q; the duty roles are: %s.", role, strings.Join(names, ", ")))
	}
	r := roles[i]
	if r.Holder != nil && strings.EqualFold(r.Holder.Email, c.prof.Email) {
		return "", "", fault.New(fault.Conflict, fmt.Sprintf("You hold %s yourself now.", r.Name))
	}
	if r.Holder == nil {
		return "", "", fault.New(fault.Conflict, fmt.Sprintf("Nobody holds %s now; ask an admin to fill the rota.", r.Name))
	}
	id, err := c.roleConversation(ctx, r)
	if err != nil {
		return "", "", err
	}
	var msgID string
	err = c.change(ctx, id, func(cv *conv) error {
		others := false
		for _, m := range c.members(cv.g) {
			others = others || !strings.EqualFold(m.Email, c.prof.Email)
		}
		if !others {
			return fault.New(fault.Conflict, fmt.Sprintf("%s holds %s but has no device that can receive messages yet: nothing was sent. Phone them, or try again once they have opened Switchboard.",
				r.Holder.Name, r.Name))
		}
		var err error
		if msgID, err = c.send(ctx, cv, envelope{Type: TypeText, Text: text, Urgent: urgent}); err != nil {
			return err
		}
		if urgent {
			cv.rec.Repost = append(cv.rec.Repost, repost{ID: msgID, Type: TypeText, Text: text, Urgent: true})
			return c.save(cv)
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	if urgent {
		if err := c.markUrgent(ctx, id, wire.MarkUrgent{Message: msgID}); err != nil {
			return id, msgID, err
		}
	}
	return id, msgID, nil
}

func (c *Client) markUrgent(ctx context.Context, conv string, m wire.MarkUrgent) error {
	return c.api.do(ctx, "POST", "/api/conversations/"+url.PathEscape(conv)+"/urgent", m, nil)
}

// roleConversation returns this account's conversation with the role,
// starting it if there is none on this device.
func (c *Client) roleConversation(ctx context.Context, r wire.DutyRole) (string, error) {
	unlock, err := c.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	ids, err := c.conversationIDs()
	if err != nil {
		return "", err
	}
	for _, id := range ids {
		var rec convRecord
		if err := c.v.get(convKey(id), &rec); err == nil && !rec.Removed && rec.Follows == "role:"+r.ID {
			return id, nil
		}
	}
	return c.startFollowing(ctx, func(gid string, rec *convRecord) error {
		var info wire.ConversationInfo
		if err := c.api.do(ctx, "POST", "/api/conversations", wire.NewConversation{ID: gid, Role: r.ID}, &info); err != nil {
			return err
		}
		rec.Name, rec.Follows = r.Name, "role:"+r.ID
		return nil
	})
}

// startFollowing makes a group whose membership the server decides:
// register starts it on the server and names it. The server proposes
// adding its people once this device has set it up (epoch 1); the next
// sync commits them. The caller holds the lock.
func (c *Client) startFollowing(ctx context.Context, register func(gid string, rec *convRecord) error) (string, error) {
	cv, err := c.newGroup()
	if err != nil {
		return "", err
	}
	defer cv.close()
	if err := register(cv.rec.ID, cv.rec); err != nil {
		return "", err
	}
	if err := c.setUp(ctx, cv, nil); err != nil {
		return "", err
	}
	c.onConv(cv.rec.ID)
	return cv.rec.ID, nil
}

// repost sends this device's open urgent messages and METHANE report
// again, for people who joined and cannot read the first copies. Urgent
// messages that everyone has acknowledged are no longer sent.
func (c *Client) repost(ctx context.Context, cv *conv) error {
	if slices.ContainsFunc(cv.rec.Repost, func(r repost) bool { return r.Urgent }) {
		var open wire.UrgentList
		if err := c.api.do(ctx, "GET", "/api/conversations/"+url.PathEscape(cv.rec.ID)+"/urgent?open=1", nil, &open); err != nil {
			return err
		}
		cv.rec.Repost = slices.DeleteFunc(cv.rec.Repost, func(r repost) bool {
			return r.Urgent && !slices.ContainsFunc(open.Urgent, func(u wire.Urgent) bool { return u.Message == r.ID })
		})
		if err := c.save(cv); err != nil {
			return err
		}
	}
	for _, r := range cv.rec.Repost {
		id, err := c.send(ctx, cv, envelope{Type: r.Type, Text: r.Text, Urgent: r.Urgent, Ref: r.ID})
		if err != nil {
			return err
		}
		if r.Urgent {
			if err := c.markUrgent(ctx, cv.rec.ID, wire.MarkUrgent{Message: id, Resends: r.ID}); err != nil && !fault.Is(err, fault.NotFound) {
				return err
			}
		}
	}
	return nil
}

// Acknowledge acknowledges an urgent message: the server records who and
// when, and the members read a signed acknowledgement inside the group.
func (c *Client) Acknowledge(ctx context.Context, id, msgID string) error {
	if !validMessageID(msgID) {
		return fault.Invalidf("A message ID is 32 lower-case hexadecimal characters, as bleep and read --json print it.")
	}
	if !validConvID(id) {
		return fault.Invalidf("A conversation ID is 32 lower-case hexadecimal characters, as create and list print it.")
	}
	if err := c.api.do(ctx, "POST", "/api/conversations/"+url.PathEscape(id)+"/urgent/"+url.PathEscape(msgID)+"/ack", nil, nil); err != nil {
		return err
	}
	return c.change(ctx, id, func(cv *conv) error {
		return c.sendEnvelope(ctx, cv, envelope{Type: TypeAck, Ref: msgID})
	})
}

// Urgent lists a conversation's urgent messages with each recipient's
// state (delivered, acknowledged, escalated).
func (c *Client) Urgent(ctx context.Context, conv string) ([]wire.Urgent, error) {
	var out wire.UrgentList
	err := c.api.do(ctx, "GET", "/api/conversations/"+url.PathEscape(conv)+"/urgent", nil, &out)
	return out.Urgent, err
}

// Declare declares a major incident (or standby, or an exercise of
// either) to the call-in lists: the server alerts everyone on them and
// starts the incident's conversation; this device brings them into the
// group and posts the METHANE report, which only they can read.
func (c *Client) Declare(ctx context.Context, kind string, exercise bool, lists []string, methane string) (*wire.Incident, error) {
	if strings.TrimSpace(methane) == "" {
		return nil, fault.Invalidf("Write the METHANE report: major incident declared or standby, exact location, type, hazards, access, number and severity of casualties, emergency services.")
	}
	if len(methane) > maxText {
		return nil, fault.Invalidf("The METHANE report is too long: keep it under 64 KiB.")
	}
	var in wire.Incident
	unlock, err := c.lock(ctx)
	if err != nil {
		return nil, err
	}
	id, err := c.startFollowing(ctx, func(gid string, rec *convRecord) error {
		err := c.api.do(ctx, "POST", "/api/incidents", wire.Declare{Conversation: gid, Kind: kind, Exercise: exercise, Lists: lists}, &in)
		if err != nil {
			return err
		}
		rec.Name, rec.Follows = in.Name, "incident:"+in.ID
		return nil
	})
	unlock()
	if err != nil {
		return nil, err
	}
	err = c.change(ctx, id, func(cv *conv) error {
		msgID, err := c.send(ctx, cv, envelope{Type: TypeMethane, Text: methane})
		if err != nil {
			return err
		}
		cv.rec.Repost = append(cv.rec.Repost, repost{ID: msgID, Type: TypeMethane, Text: methane})
		return c.save(cv)
	})
	return &in, err
}

// IncidentLog is an incident's log for the debrief: what the server holds
// (timeline, roll-call board) and the conversation as this device
// decrypts it.
type IncidentLog struct {
	Server   wire.IncidentLog `json:"server"`
	Messages []Message        `json:"messages"`
}

// ExportIncidentLog reads an incident's log; the server records the
// export in its audit chain.
func (c *Client) ExportIncidentLog(ctx context.Context, id string) (*IncidentLog, error) {
	var out IncidentLog
	if err := c.api.do(ctx, "GET", "/api/incidents/"+url.PathEscape(id)+"/log", nil, &out.Server); err != nil {
		return nil, err
	}
	msgs, err := c.History(ctx, out.Server.Incident.Conversation)
	if err != nil {
		return nil, err
	}
	out.Messages = msgs
	if err := c.api.do(ctx, "POST", "/api/incidents/"+url.PathEscape(id)+"/exported", nil, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// Respond answers an incident's roll-call: "available", "en-route" (with
// an ETA in minutes) or "unavailable".
func (c *Client) Respond(ctx context.Context, id, state string, eta int) error {
	return c.api.do(ctx, "POST", "/api/incidents/"+url.PathEscape(id)+"/response", wire.Respond{State: state, ETA: eta}, nil)
}

// Board reads an incident's roll-call board; with after > 0 the server
// waits up to wait seconds for it to move past that version.
func (c *Client) Board(ctx context.Context, id string, after int64, wait int) (*wire.Board, error) {
	var b wire.Board
	err := c.api.do(ctx, "GET", fmt.Sprintf("/api/incidents/%s/board?after=%d&wait=%d", url.PathEscape(id), after, wait), nil, &b)
	return &b, err
}

// StandDown stands down call-in lists of an incident (commander only).
func (c *Client) StandDown(ctx context.Context, id string, lists []string) error {
	return c.api.do(ctx, "POST", "/api/incidents/"+url.PathEscape(id)+"/standdown", wire.StandDown{Lists: lists}, nil)
}

// CloseIncident closes an incident, standing everyone down.
func (c *Client) CloseIncident(ctx context.Context, id string) error {
	return c.api.do(ctx, "POST", "/api/incidents/"+url.PathEscape(id)+"/close", nil, nil)
}

// Incidents lists the open incidents that alerted this person.
func (c *Client) Incidents(ctx context.Context) ([]wire.Incident, error) {
	var out wire.Incidents
	err := c.api.do(ctx, "GET", "/api/incidents", nil, &out)
	return out.Incidents, err
}

// Handover hands a duty role this person holds (or, for an admin, any)
// to the person with email, now. A note goes to them end to end
// encrypted, in a conversation of the two of them named after the role;
// its ID is returned ("" without a note).
func (c *Client) Handover(ctx context.Context, role, email, note string) (string, error) {
	if len(note) > maxText {
		return "", fault.Invalidf("The handover note is too long: keep it under 64 KiB.")
	}
	var sh wire.Shift
	if err := c.api.do(ctx, "POST", "/api/duty/"+url.PathEscape(role)+"/handover", wire.Handover{Email: email}, &sh); err != nil {
		return "", err
	}
	if strings.TrimSpace(note) == "" {
		return "", nil
	}
	name := strings.Join(strings.Fields(role), " ")
	if roles, err := c.DutyRoles(ctx); err == nil {
		for _, r := range roles {
			if r.ID == role || strings.EqualFold(r.Name, name) {
				name = r.Name
			}
		}
	}
	id, err := c.CreateConversation(ctx, "Handover: "+name, []string{sh.Person.Email}, wire.KindClinical)
	if err != nil {
		return "", err
	}
	_, err = c.Send(ctx, id, note)
	return id, err
}
