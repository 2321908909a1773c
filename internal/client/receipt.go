package client

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// Read-receipt policies of an organisation (GET /api/me).
const (
	ReceiptsOn     = "on"     // people may send read receipts (the app may let them choose)
	ReceiptsOff    = "off"    // nobody sends them
	ReceiptsForced = "forced" // every device sends them
)

// Reader is one device that has read a message.
type Reader struct {
	Email  string    `json:"email"`
	Device string    `json:"device"`
	At     time.Time `json:"at"`
}

// receiptRecord keeps who has read one message.
type receiptRecord struct {
	Readers []Reader `json:"readers"`
}

func receiptKey(conv, msgID string) string { return "rcpt/" + conv + "/" + msgID }

// validMessageID reports whether id has the form of a client message ID
// this client makes (and may be used in a record key).
func validMessageID(id string) bool { return validConvID(id) }

// policyFor is how long a read-receipt policy fetched from the server is
// used before it is asked for again: a receipt per message read must not
// cost a request each.
const policyFor = time.Minute

// receiptPolicy is the organisation's read-receipt policy as last fetched.
type receiptPolicy struct {
	mu     sync.Mutex
	policy string
	at     time.Time
}

// ReceiptPolicy returns the organisation's read-receipt policy, fetched
// at most once a minute.
func (c *Client) ReceiptPolicy(ctx context.Context) (string, error) {
	c.receipts.mu.Lock()
	if c.receipts.policy != "" && c.now().Sub(c.receipts.at) < policyFor {
		defer c.receipts.mu.Unlock()
		return c.receipts.policy, nil
	}
	c.receipts.mu.Unlock()
	var me struct {
		ReadReceipts string `json:"read_receipts"`
	}
	if err := c.api.do(ctx, "GET", "/api/me", nil, &me); err != nil {
		return "", err
	}
	if me.ReadReceipts == "" {
		me.ReadReceipts = ReceiptsOn
	}
	c.receipts.mu.Lock()
	c.receipts.policy, c.receipts.at = me.ReadReceipts, c.now()
	c.receipts.mu.Unlock()
	return me.ReadReceipts, nil
}

// SendReceipt tells the conversation's members, end to end encrypted,
// that this device's user has read the message msgID. It sends nothing
// when the organisation's policy is off.
func (c *Client) SendReceipt(ctx context.Context, id, msgID string) error {
	if !validMessageID(msgID) {
		return unknownMessage(msgID)
	}
	policy, err := c.ReceiptPolicy(ctx)
	if err != nil || policy == ReceiptsOff {
		return err
	}
	return c.change(ctx, id, func(cv *conv) error {
		return c.sendEnvelope(ctx, cv, envelope{Type: TypeReceipt, Ref: msgID})
	})
}

// ReadBy returns, for each message of the conversation that someone else
// has read, who read it and when.
func (c *Client) ReadBy(id string) (map[string][]Reader, error) {
	if !validConvID(id) {
		return nil, unknownConversation(id)
	}
	keys, err := c.v.b.List("rcpt/" + id + "/")
	if err != nil {
		return nil, err
	}
	out := map[string][]Reader{}
	for _, k := range keys {
		var rec receiptRecord
		if err := c.v.get(k, &rec); err != nil {
			return nil, err
		}
		out[k[len("rcpt/"+id+"/"):]] = rec.Readers
	}
	return out, nil
}

// receipt keeps a read receipt from another device.
func (c *Client) receipt(id, ref string, from *wire.Identity, at time.Time) error {
	if !validMessageID(ref) {
		return nil
	}
	var rec receiptRecord
	if err := c.v.get(receiptKey(id, ref), &rec); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if slices.ContainsFunc(rec.Readers, func(r Reader) bool { return r.Device == from.Device }) {
		return nil
	}
	rec.Readers = append(rec.Readers, Reader{Email: from.Email, Device: from.Device, At: at.UTC()})
	return c.v.put(receiptKey(id, ref), &rec)
}
