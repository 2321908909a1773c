package mls

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
)

// stateFormat versions the encoding of MarshalState.
const stateFormat uint16 = 1

// MarshalState encodes the group's whole state, including private keys
// and epoch secrets, so that it can be restored with RestoreGroup. The
// result is secret: store it only encrypted (the client key store). A
// pending commit is included.
func (g *Group) MarshalState() ([]byte, error) {
	var e Encoder
	e.Uint16(stateFormat)
	e.Opaque(g.sigPriv)
	e.Uint32(uint32(g.own))
	e.Bool(g.removed)
	if g.removed {
		g.ctx.Encode(&e)
		return e.Bytes(), nil
	}
	encodeEpochState(&e, &g.epochState)
	e.Vector(func(e *Encoder) {
		for _, cp := range g.proposals {
			e.Opaque(cp.ref)
			cp.sender.Encode(e)
			cp.proposal.Encode(e)
		}
	})
	e.Vector(func(e *Encoder) {
		for _, ref := range slices.Sorted(maps.Keys(g.updateKeys)) {
			e.Opaque([]byte(ref))
			e.Opaque(g.updateKeys[ref])
		}
	})
	e.Vector(func(e *Encoder) {
		for _, ep := range slices.Sorted(maps.Keys(g.resumption)) {
			e.Uint64(ep)
			e.Opaque(g.resumption[ep])
		}
	})
	e.Optional(g.pending != nil, func(e *Encoder) {
		e.Opaque(g.pending.content)
		encodeEpochState(e, g.pending.next)
		g.pending.changes.encode(e)
	})
	encodePastEpochs(&e, g.past)
	return e.Bytes(), nil
}

// RestoreGroup rebuilds a Group from MarshalState output. cfg supplies
// the callbacks, which are not part of the state.
func RestoreGroup(cfg Config, state []byte) (*Group, error) {
	g := &Group{cfg: cfg, updateKeys: make(map[string][]byte), resumption: make(map[uint64][]byte)}
	d := NewDecoder(state)
	if v := d.Uint16(); d.Err() == nil && v != stateFormat {
		return nil, fmt.Errorf("restore group: state format %d", v)
	}
	g.sigPriv = d.Opaque()
	g.own = leafIndex(d.Uint32())
	g.removed = d.Bool()
	if g.removed {
		g.ctx.Decode(d)
		if err := d.Finish(); err != nil {
			return nil, fmt.Errorf("restore group: %w", err)
		}
		return g, nil
	}
	decodeEpochState(d, &g.epochState, g.own)
	d.ReadVector(func(d *Decoder) {
		var cp cachedProposal
		cp.ref = d.Opaque()
		cp.sender.Decode(d)
		cp.proposal = new(Proposal)
		cp.proposal.Decode(d)
		g.proposals = append(g.proposals, cp)
	})
	d.ReadVector(func(d *Decoder) {
		ref := d.Opaque()
		g.updateKeys[string(ref)] = d.Opaque()
	})
	d.ReadVector(func(d *Decoder) {
		ep := d.Uint64()
		g.resumption[ep] = d.Opaque()
	})
	d.Optional(func(d *Decoder) {
		p := &pendingCommit{content: d.Opaque(), next: new(epochState)}
		decodeEpochState(d, p.next, g.own)
		p.changes = new(CommitChanges)
		p.changes.decode(d)
		g.pending = p
	})
	g.past = decodePastEpochs(d)
	if err := d.Finish(); err != nil {
		g.Close()
		return nil, fmt.Errorf("restore group: %w", err)
	}
	if g.st == nil || (g.pending != nil && g.pending.next.st != nil) {
		g.Close()
		return nil, fmt.Errorf("restore group: %w: epoch secrets in the wrong form", ErrDecode)
	}
	if g.tree.Leaf(g.own) == nil {
		g.Close()
		return nil, fmt.Errorf("restore group: own leaf %d is blank", g.own)
	}
	return g, nil
}

func encodeEpochState(e *Encoder, s *epochState) {
	s.ctx.Encode(e)
	e.Opaque(s.tree.Bytes())
	e.Vector(func(e *Encoder) {
		for _, x := range slices.Sorted(maps.Keys(s.keys.keys)) {
			e.Uint32(uint32(x))
			e.Opaque(s.keys.keys[x].priv)
		}
	})
	e.Opaque(s.interim)
	e.Opaque(s.confTag)
	for _, b := range s.secrets.persistent() {
		e.Opaque(*b)
	}
	// A pending epoch has not built its secret tree yet: it still holds
	// the encryption secret instead.
	e.Optional(s.st == nil, func(e *Encoder) { e.Opaque(s.secrets.encryption) })
	if s.st != nil {
		encodeSecretTree(e, s.st)
	}
}

func decodeEpochState(d *Decoder, s *epochState, own leafIndex) {
	s.ctx.Decode(d)
	treeBytes := d.Opaque()
	if d.Err() != nil {
		return
	}
	tree, err := DecodeRatchetTree(treeBytes)
	if err != nil {
		d.Fail("ratchet tree: %v", err)
		return
	}
	s.tree = tree
	s.keys = &TreePrivateKeys{leaf: own, keys: make(map[nodeIndex]nodeKeyPair)}
	d.ReadVector(func(d *Decoder) {
		x := nodeIndex(d.Uint32())
		priv := d.Opaque()
		if d.Err() != nil {
			return
		}
		pub, err := HPKEPublicKeyOf(priv)
		if err != nil || !inTree(x, tree.NumLeaves()) || !bytes.Equal(pub, tree.nodes[x].encryptionKey()) {
			d.Fail("private key for node %d does not match the tree", x)
			return
		}
		s.keys.keys[x] = nodeKeyPair{priv: priv, pub: pub}
	})
	s.interim = d.Opaque()
	s.confTag = d.Opaque()
	s.secrets = new(epochSecrets)
	for _, b := range s.secrets.persistent() {
		*b = d.Opaque()
	}
	if d.Optional(func(d *Decoder) { s.secrets.encryption = d.Opaque() }) {
		return
	}
	s.st = decodeSecretTree(d)
	if d.Err() == nil && s.st.nLeaves != tree.NumLeaves() {
		d.Fail("secret tree width does not match the ratchet tree")
	}
}

// persistent lists the epoch secrets kept for the whole epoch (the
// joiner, welcome and encryption secrets are deleted once used; the
// encryption secret lives on in the secret tree).
func (s *epochSecrets) persistent() []*[]byte {
	return []*[]byte{&s.senderData, &s.exporter, &s.external, &s.confirmation,
		&s.membership, &s.resumption, &s.authentication, &s.init}
}

func encodeSecretTree(e *Encoder, st *secretTree) {
	e.Uint32(st.nLeaves)
	e.Vector(func(e *Encoder) {
		for _, x := range slices.Sorted(maps.Keys(st.nodes)) {
			e.Uint32(uint32(x))
			e.Opaque(st.nodes[x])
		}
	})
	e.Vector(func(e *Encoder) {
		for _, l := range slices.Sorted(maps.Keys(st.ratchets)) {
			e.Uint32(uint32(l))
			for i := range st.ratchets[l] {
				r := &st.ratchets[l][i]
				e.Opaque(r.secret)
				e.Uint32(r.next)
				e.Vector(func(e *Encoder) {
					for _, g := range slices.Sorted(maps.Keys(r.keys)) {
						e.Uint32(g)
						e.Opaque(r.keys[g].key)
						e.Opaque(r.keys[g].nonce)
					}
				})
			}
		}
	})
}

func decodeSecretTree(d *Decoder) *secretTree {
	st := &secretTree{nLeaves: d.Uint32(), nodes: make(map[nodeIndex][]byte), ratchets: make(map[leafIndex]*[2]hashRatchet)}
	if d.Err() == nil && !validLeafCount(st.nLeaves) {
		d.Fail("secret tree of %d leaves", st.nLeaves)
	}
	d.ReadVector(func(d *Decoder) {
		x := nodeIndex(d.Uint32())
		st.nodes[x] = d.Opaque()
		if d.Err() == nil && !inTree(x, st.nLeaves) {
			d.Fail("secret tree node %d outside the tree", x)
		}
	})
	d.ReadVector(func(d *Decoder) {
		l := leafIndex(d.Uint32())
		if d.Err() == nil && uint32(l) >= st.nLeaves {
			d.Fail("secret tree leaf %d outside the tree", l)
			return
		}
		rs := new([2]hashRatchet)
		for i := range rs {
			rs[i].secret = d.Opaque()
			rs[i].next = d.Uint32()
			d.ReadVector(func(d *Decoder) {
				if rs[i].keys == nil {
					rs[i].keys = make(map[uint32]keyNonce)
				}
				g := d.Uint32()
				rs[i].keys[g] = keyNonce{key: d.Opaque(), nonce: d.Opaque()}
				if len(rs[i].keys) > maxSkippedKeys {
					d.Fail("too many skipped keys")
				}
			})
		}
		st.ratchets[l] = rs
	})
	return st
}

func (c *CommitChanges) encode(e *Encoder) {
	e.Uint32(c.Committer)
	for _, l := range [][]uint32{c.Added, c.Removed, c.Updated} {
		e.Vector(func(e *Encoder) {
			for _, x := range l {
				e.Uint32(x)
			}
		})
	}
	e.Bool(c.ExtensionsChanged)
	e.Uint32(uint32(c.PSKs))
}

func (c *CommitChanges) decode(d *Decoder) {
	c.Committer = d.Uint32()
	for _, l := range []*[]uint32{&c.Added, &c.Removed, &c.Updated} {
		d.ReadVector(func(d *Decoder) { *l = append(*l, d.Uint32()) })
	}
	c.ExtensionsChanged = d.Bool()
	c.PSKs = int(d.Uint32())
}
