package client

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// Summary is a conversation as a list of conversations shows it.
type Summary struct {
	Conversation
	Unread     int       `json:"unread"`       // messages from others after the last one read here
	LastAt     time.Time `json:"last_at"`      // when the last message was sent (zero if none)
	LastMsgSeq uint64    `json:"last_msg_seq"` // the last message's sequence number
	ReadUpTo   uint64    `json:"read_up_to"`
}

// readRecord is how far this device's user has read a conversation.
type readRecord struct {
	Seq uint64 `json:"seq"`
}

func readKey(conv string) string { return "read/" + conv }

// Summaries brings every conversation up to date, as Conversations does,
// and adds each one's unread count and last activity.
func (c *Client) Summaries(ctx context.Context) ([]Summary, error) {
	convs, err := c.Conversations(ctx)
	if err != nil {
		return nil, err
	}
	unlock, err := c.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := make([]Summary, 0, len(convs))
	for _, cv := range convs {
		s := Summary{Conversation: cv}
		var rr readRecord
		if err := c.v.get(readKey(cv.ID), &rr); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		s.ReadUpTo = rr.Seq
		keys, err := c.v.b.List("msg/" + cv.ID + "/")
		if err != nil {
			return nil, err
		}
		for i, k := range keys {
			seq, err := strconv.ParseUint(strings.TrimPrefix(k, "msg/"+cv.ID+"/"), 10, 64)
			if err != nil {
				continue
			}
			last := i == len(keys)-1
			if seq <= rr.Seq && !last {
				continue
			}
			var m Message
			if err := c.v.get(k, &m); err != nil {
				return nil, err
			}
			if seq > rr.Seq && m.SenderDevice != c.prof.DeviceID && !strings.EqualFold(m.Sender, c.prof.Email) {
				s.Unread++
			}
			if last {
				s.LastAt, s.LastMsgSeq = m.SentAt, m.Seq
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// MarkRead records that the user has read the conversation up to seq.
func (c *Client) MarkRead(ctx context.Context, id string, seq uint64) error {
	if !validConvID(id) {
		return fault.Invalidf("A conversation ID is 32 lower-case hexadecimal characters.")
	}
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	var rr readRecord
	if err := c.v.get(readKey(id), &rr); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if seq <= rr.Seq {
		return nil
	}
	rr.Seq = seq
	return c.v.put(readKey(id), &rr)
}

// History returns the messages this device holds for the conversation,
// without asking the server.
func (c *Client) History(ctx context.Context, id string) ([]Message, error) {
	if !validConvID(id) {
		return nil, fault.Invalidf("A conversation ID is 32 lower-case hexadecimal characters.")
	}
	unlock, err := c.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return c.history(id)
}

// maxAttachmentMeta bounds the description of an attachment (its blob
// ID, key, type, name and size) carried in the message.
const maxAttachmentMeta = 4 << 10

// SendAttachment sends the description of an attachment already
// encrypted and uploaded by the caller: meta (JSON chosen by the caller)
// holds the blob's ID and key, so only members can fetch and open it.
func (c *Client) SendAttachment(ctx context.Context, id, meta string) (string, error) {
	if meta == "" || len(meta) > maxAttachmentMeta {
		return "", fault.Invalidf("The attachment's description is missing or too long.")
	}
	var msgID string
	err := c.change(ctx, id, func(cv *conv) error {
		var err error
		msgID, err = c.send(ctx, cv, envelope{Type: TypeAttachment, Text: meta})
		return err
	})
	return msgID, err
}
