package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// maxText bounds the text of one message.
const maxText = 64 << 10

// sendAttempts is how often a message is offered to the server, with
// the same client ID, before the send is reported as failed.
const sendAttempts = 3

// outRecord is a message encrypted and waiting for the server's
// acknowledgement. It is kept until then so that a resend after a lost
// connection carries the same client ID and is stored once.
type outRecord struct {
	ClientID   string    `json:"client_id"`
	Epoch      uint64    `json:"epoch"`
	Ciphertext []byte    `json:"ciphertext"`
	Envelope   envelope  `json:"envelope"`
	CreatedAt  time.Time `json:"created_at"`
}

func outKey(conv, clientID string) string { return "out/" + conv + "/" + clientID }

// Send encrypts text for the conversation, sends it and returns its
// message ID once the server has stored it.
func (c *Client) Send(ctx context.Context, id, text string) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", fault.Invalidf("The message is empty.")
	}
	if len(text) > maxText {
		return "", fault.Invalidf("The message is too long: keep it under 64 KiB.")
	}
	var msgID string
	err := c.change(ctx, id, func(cv *conv) error {
		var err error
		msgID, err = c.send(ctx, cv, envelope{Type: TypeText, Text: text})
		return err
	})
	return msgID, err
}

// sendEnvelope sends a control envelope, such as the title.
func (c *Client) sendEnvelope(ctx context.Context, cv *conv, env envelope) error {
	_, err := c.send(ctx, cv, env)
	return err
}

// send resends anything left in the outbox, then encrypts env, keeps it
// in the outbox and offers it to the server until it is acknowledged.
func (c *Client) send(ctx context.Context, cv *conv, env envelope) (string, error) {
	if err := c.flushOutbox(ctx, cv); err != nil {
		return "", err
	}
	clientID, err := randomHex(16)
	if err != nil {
		return "", err
	}
	env.SentAt = c.now().UTC()
	out := &outRecord{ClientID: clientID, Envelope: env, CreatedAt: env.SentAt}
	if err := c.protect(cv, out); err != nil {
		return "", err
	}
	return clientID, c.deliver(ctx, cv, out)
}

// protect encrypts the outbox entry in the group's current epoch and
// saves both: the group's key generation must never be used twice.
func (c *Client) protect(cv *conv, out *outRecord) error {
	plain, err := json.Marshal(out.Envelope)
	if err != nil {
		return err
	}
	defer clear(plain)
	ct, err := cv.g.Protect(plain, nil)
	if err != nil {
		return err
	}
	out.Ciphertext, out.Epoch = ct, cv.g.Epoch()
	if err := c.save(cv); err != nil {
		return err
	}
	return c.v.put(outKey(cv.rec.ID, out.ClientID), out)
}

// deliver offers an outbox entry to the server: a stale epoch means
// fetching, merging and encrypting again; a lost connection means
// offering the same ciphertext again.
func (c *Client) deliver(ctx context.Context, cv *conv, out *outRecord) error {
	failures := 0 // lost connections and rate limits, answered by waiting
	for attempt := 0; attempt < sendAttempts+maxCommitAttempts; attempt++ {
		var resp wire.Stored
		err := c.api.do(ctx, "POST", "/api/conversations/"+url.PathEscape(cv.rec.ID)+"/messages",
			map[string]any{"client_id": out.ClientID, "message": out.Ciphertext}, &resp)
		var fe *fault.Error
		switch {
		case err == nil:
			return c.acknowledged(cv, out.ClientID, resp.Seq)
		case isStale(err):
			if err := c.sync(ctx, cv, nil, false); err != nil {
				return err
			}
			if _, gone := c.outbox(cv.rec.ID, out.ClientID); gone {
				return nil // the fetch showed it stored after all
			}
			if cv.rec.Removed {
				return errNotMember
			}
			if err := c.protect(cv, out); err != nil {
				return err
			}
		case fault.Is(err, fault.Unavailable):
			if failures++; failures >= sendAttempts {
				return fault.Wrap(fault.Unavailable, "The connection to the server was lost; the message is kept on this device and goes out again with the next chat command.", err)
			}
			wait(ctx, time.Duration(failures)*200*time.Millisecond)
		case fault.Is(err, fault.TooMany) && errors.As(err, &fe):
			if failures++; failures >= sendAttempts {
				return err
			}
			wait(ctx, min(max(fe.RetryAfter, 100*time.Millisecond), 10*time.Second))
		default:
			return err
		}
	}
	return fault.New(fault.Conflict, "The conversation kept changing while the message was being sent; try again.")
}

// outbox returns the outbox entry, and whether it is gone.
func (c *Client) outbox(conv, clientID string) (*outRecord, bool) {
	var out outRecord
	if err := c.v.get(outKey(conv, clientID), &out); err != nil {
		return nil, errors.Is(err, ErrNotFound)
	}
	return &out, false
}

// acknowledged moves an acknowledged outbox entry into the history.
func (c *Client) acknowledged(cv *conv, clientID string, seq uint64) error {
	out, gone := c.outbox(cv.rec.ID, clientID)
	if out == nil {
		if gone {
			return nil
		}
		return errors.New("outbox entry does not decrypt")
	}
	if shown(out.Envelope.Type) && (out.Envelope.Ref == "" || out.Envelope.Type == TypeFiled) {
		msg := messageOf(&out.Envelope, clientID, cv.rec.ID, seq, c.prof.Email, c.prof.DeviceID)
		if err := c.v.put(msgKey(cv.rec.ID, seq), &msg); err != nil {
			return err
		}
	}
	return c.v.del(outKey(cv.rec.ID, clientID))
}

// flushOutbox resends every message of the conversation still waiting
// for an acknowledgement, oldest first.
func (c *Client) flushOutbox(ctx context.Context, cv *conv) error {
	keys, err := c.v.b.List("out/" + cv.rec.ID + "/")
	if err != nil {
		return err
	}
	var pending []*outRecord
	for _, k := range keys {
		out, _ := c.outbox(cv.rec.ID, strings.TrimPrefix(k, "out/"+cv.rec.ID+"/"))
		if out != nil {
			pending = append(pending, out)
		}
	}
	sortOutbox(pending)
	for _, out := range pending {
		if err := c.deliver(ctx, cv, out); err != nil {
			return err
		}
	}
	return nil
}

func sortOutbox(p []*outRecord) {
	slices.SortFunc(p, func(a, b *outRecord) int { return a.CreatedAt.Compare(b.CreatedAt) })
}
