package client

import (
	"context"
	"encoding/hex"
	"errors"
	"net/url"

	"github.com/switchboard-nhs/switchboard/internal/mls"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// joinWelcomes joins every conversation the server holds a Welcome for.
func (c *Client) joinWelcomes(ctx context.Context, emit func(Message)) error {
	var out wire.Welcomes
	if err := c.api.do(ctx, "GET", "/api/welcomes", nil, &out); err != nil {
		return err
	}
	for i := range out.Welcomes {
		if err := c.join(ctx, &out.Welcomes[i], emit); err != nil {
			return err
		}
	}
	return nil
}

// join joins one conversation from its Welcome and fetches what followed.
// A Welcome this device cannot use is dropped, so it is not tried again.
func (c *Client) join(ctx context.Context, w *wire.Welcome, emit func(Message)) error {
	g, kpRec, ref, err := c.openWelcome(w)
	if err != nil {
		c.log.Warn("drop a Welcome this device cannot use", "welcome", w.ID, "conversation", w.Conversation, "err", err)
		return c.dropWelcome(ctx, w.ID)
	}
	cv := &conv{rec: &convRecord{ID: w.Conversation, LastSeq: w.Seq, JoinSeq: w.Seq}, g: g}
	defer cv.close()
	var old convRecord
	if err := c.v.get(convKey(w.Conversation), &old); err == nil && !old.Removed {
		return c.dropWelcome(ctx, w.ID) // already in it
	}
	if err := c.save(cv); err != nil {
		return err
	}
	if !kpRec.LastResort {
		if err := c.v.del(kpKey(ref)); err != nil {
			return err
		}
	}
	if err := c.dropWelcome(ctx, w.ID); err != nil {
		return err
	}
	if err := c.sync(ctx, cv, emit, false); err != nil {
		return err
	}
	c.onConv(w.Conversation)
	return nil
}

func (c *Client) openWelcome(w *wire.Welcome) (*mls.Group, *kpRecord, []byte, error) {
	if !validConvID(w.Conversation) {
		return nil, nil, nil, errors.New("bad conversation ID")
	}
	m, err := mls.DecodeMLSMessage(w.Welcome)
	if err != nil {
		return nil, nil, nil, err
	}
	if m.Welcome == nil {
		return nil, nil, nil, errors.New("not a Welcome")
	}
	var tree *mls.RatchetTree
	if len(w.RatchetTree) > 0 {
		if tree, err = mls.DecodeRatchetTree(w.RatchetTree); err != nil {
			return nil, nil, nil, err
		}
	}
	for _, s := range m.Welcome.Secrets {
		rec, kp, priv, err := c.keyPackageFor(s.NewMember)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		g, err := mls.JoinGroup(c.mlsConfig(), m.Welcome, kp, priv, tree)
		if err != nil {
			return nil, nil, nil, err
		}
		if hex.EncodeToString(g.GroupID()) != w.Conversation {
			g.Close()
			return nil, nil, nil, errors.New("the Welcome is for another conversation")
		}
		return g, rec, s.NewMember, nil
	}
	return nil, nil, nil, errors.New("no KeyPackage of this device in the Welcome")
}

func (c *Client) dropWelcome(ctx context.Context, id string) error {
	return c.api.do(ctx, "DELETE", "/api/welcomes/"+url.PathEscape(id), nil, nil)
}
