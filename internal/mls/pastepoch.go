package mls

import (
	"bytes"
	"fmt"
)

// maxPastEpochs bounds Config.PastEpochs.
const maxPastEpochs = 8

// pastEpoch keeps what a member needs to read application messages sent
// in an earlier epoch that arrive after the commit ending it: the
// context, the tree (for signature keys), the sender-data secret and the
// secret tree, whose used keys stay deleted.
type pastEpoch struct {
	ctx        GroupContext
	tree       *RatchetTree
	senderData []byte
	st         *secretTree
}

func (p *pastEpoch) wipe() {
	zero(p.senderData)
	p.st.wipe()
}

// retire moves the current epoch's message-reading state into g.past if
// the configuration keeps past epochs, dropping the oldest beyond the
// limit. It must run before the epoch's secrets are wiped.
func (g *Group) retire() {
	keep := min(g.cfg.PastEpochs, maxPastEpochs)
	if keep <= 0 || g.st == nil {
		return
	}
	g.past = append(g.past, pastEpoch{
		ctx: g.ctx, tree: g.tree, senderData: bytes.Clone(g.secrets.senderData), st: g.st,
	})
	g.st = nil
	for len(g.past) > keep {
		g.past[0].wipe()
		g.past = g.past[1:]
	}
}

func (g *Group) wipePast() {
	for i := range g.past {
		g.past[i].wipe()
	}
	g.past = nil
}

// unprotectPast decrypts an application message from a retained past
// epoch and verifies its signature against that epoch's tree.
func (g *Group) unprotectPast(pm *PrivateMessage) (*AuthenticatedContent, error) {
	if pm.ContentType != ContentApplication {
		return nil, fmt.Errorf("%w: handshake message from epoch %d, group is at %d", ErrWrongEpoch, pm.Epoch, g.ctx.Epoch)
	}
	for i := range g.past {
		p := &g.past[i]
		if p.ctx.Epoch != pm.Epoch {
			continue
		}
		ac, err := decryptContent(pm, p.st, p.senderData)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
		}
		l := p.tree.Leaf(leafIndex(ac.Content.Sender.Index))
		if l == nil {
			return nil, fmt.Errorf("%w: sender leaf %d is blank", ErrInvalidMessage, ac.Content.Sender.Index)
		}
		if err := ac.verify(l.SignatureKey, &p.ctx); err != nil {
			return nil, err
		}
		return ac, nil
	}
	return nil, fmt.Errorf("%w: epoch %d, group is at %d", ErrWrongEpoch, pm.Epoch, g.ctx.Epoch)
}

func encodePastEpochs(e *Encoder, past []pastEpoch) {
	e.Vector(func(e *Encoder) {
		for i := range past {
			p := &past[i]
			p.ctx.Encode(e)
			e.Opaque(p.tree.Bytes())
			e.Opaque(p.senderData)
			encodeSecretTree(e, p.st)
		}
	})
}

func decodePastEpochs(d *Decoder) []pastEpoch {
	var past []pastEpoch
	d.ReadVector(func(d *Decoder) {
		var p pastEpoch
		p.ctx.Decode(d)
		treeBytes := d.Opaque()
		p.senderData = d.Opaque()
		p.st = decodeSecretTree(d)
		if d.Err() != nil {
			return
		}
		tree, err := DecodeRatchetTree(treeBytes)
		if err != nil {
			d.Fail("past ratchet tree: %v", err)
			return
		}
		if tree.NumLeaves() != p.st.nLeaves {
			d.Fail("past secret tree width does not match its ratchet tree")
			return
		}
		p.tree = tree
		past = append(past, p)
		if len(past) > maxPastEpochs {
			d.Fail("too many past epochs")
		}
	})
	return past
}
