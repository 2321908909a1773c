package client

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// Messages fetches and decrypts what is new in the conversation and
// returns every message the device holds for it, in order. A device
// removed from the conversation keeps what it read while a member.
func (c *Client) Messages(ctx context.Context, id string) ([]Message, error) {
	var out []Message
	err := c.opened(ctx, id, func(cv *conv) error {
		if !cv.rec.Removed {
			if err := c.sync(ctx, cv, nil, true); err != nil {
				return err
			}
		}
		var err error
		out, err = c.history(id)
		return err
	})
	return out, err
}

// Removed reports whether this device has been removed from the
// conversation (it then keeps only what it read before).
func (c *Client) Removed(id string) bool {
	var rec convRecord
	return c.v.get(convKey(id), &rec) == nil && rec.Removed
}

// history returns the messages the device holds for the conversation,
// deleting first those its records rules no longer keep, so that nothing
// past its time is ever shown, online or not.
func (c *Client) history(id string) ([]Message, error) {
	rules, err := c.loadRules()
	if err != nil {
		return nil, err
	}
	rec, _ := recordsOf(rules, id)
	keys, err := c.v.b.List("msg/" + id + "/")
	if err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(keys))
	now := c.now()
	for _, k := range keys {
		var m Message
		if err := c.v.get(k, &m); err != nil {
			return nil, err
		}
		if expired(rec, &m, now) {
			for _, key := range []string{k, receiptKey(id, m.ID), copyKey(id, m.ID)} {
				if err := c.v.del(key); err != nil {
					return nil, err
				}
			}
			continue
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Message) int { return int(a.Seq) - int(b.Seq) })
	return out, nil
}

// Conversations joins any conversation waiting for this device, brings
// every conversation up to date and lists them.
func (c *Client) Conversations(ctx context.Context) ([]Conversation, error) {
	unlock, err := c.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := c.syncAll(ctx, nil); err != nil {
		return nil, err
	}
	ids, err := c.conversationIDs()
	if err != nil {
		return nil, err
	}
	rules, err := c.loadRules()
	if err != nil {
		return nil, err
	}
	var out []Conversation
	for _, id := range ids {
		cv, err := c.loadLocal(id)
		if err != nil {
			return nil, err
		}
		item := Conversation{ID: id, Name: cv.rec.Name, LastSeq: cv.rec.LastSeq, Removed: cv.rec.Removed, Members: []Member{}, Follows: cv.rec.Follows}
		if r, ok := recordsOf(rules, id); ok && r.Kind != "" {
			item.Records = &Records{Kind: r.Kind, MaxAgeSeconds: r.MaxAgeSeconds, Set: r.Set, Held: len(r.Held) > 0}
		}
		if cv.g != nil {
			item.Epoch, item.Members = cv.g.Epoch(), c.members(cv.g)
		}
		cv.close()
		out = append(out, item)
	}
	return out, nil
}

func (c *Client) conversationIDs() ([]string, error) {
	keys, err := c.v.b.List("conv/")
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, strings.TrimPrefix(k, "conv/"))
	}
	return ids, nil
}

// syncAll joins waiting conversations, brings every conversation up to
// date (committing others' pending proposals) and tops up KeyPackages.
func (c *Client) syncAll(ctx context.Context, emit func(Message)) error {
	if err := c.joinWelcomes(ctx, emit); err != nil {
		return err
	}
	ids, err := c.conversationIDs()
	if err != nil {
		return err
	}
	rules, err := c.refreshRules(ctx, ids)
	if err != nil {
		return err
	}
	if err := c.expireAll(rules); err != nil {
		return err
	}
	for _, id := range ids {
		cv, err := c.loadLocal(id)
		if err != nil {
			return err
		}
		if !cv.rec.Removed {
			err = c.sync(ctx, cv, emit, true)
		}
		cv.close()
		if err != nil && !errors.Is(err, errNotMember) {
			return err
		}
	}
	return c.refillKeyPackages(ctx)
}

// Sync joins waiting conversations and fetches everything new.
func (c *Client) Sync(ctx context.Context) error {
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return c.syncAll(ctx, nil)
}
