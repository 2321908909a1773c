package mls

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
)

// Bounds of the per-sender ratchets. A receiver derives at most
// maxForwardGenerations keys ahead of the next expected one for a single
// message, and keeps at most maxSkippedKeys keys for messages that may still
// arrive out of order; older skipped keys are deleted.
const (
	maxForwardGenerations = 1024
	maxSkippedKeys        = 64
)

// Errors of the secret tree.
var (
	ErrGenerationConsumed = errors.New("mls: key generation already used or expired")
	ErrGenerationTooFar   = errors.New("mls: key generation too far ahead")
)

// ContentRatchet selects one of a leaf's two ratchets.
type ContentRatchet int

// The two ratchets of a leaf (RFC 9420 §9.1).
const (
	HandshakeRatchet ContentRatchet = iota
	ApplicationRatchet
)

// keyNonce is one generation's AEAD key and nonce.
type keyNonce struct {
	key, nonce []byte
}

func (k *keyNonce) wipe() {
	zero(k.key)
	zero(k.nonce)
}

// hashRatchet is the per-sender, per-content-type ratchet of RFC 9420 §9.1.
// secret is the ratchet secret of generation next; keys holds the keys of
// skipped earlier generations. A key is deleted once it is handed out.
type hashRatchet struct {
	secret []byte
	next   uint32
	keys   map[uint32]keyNonce
}

// advance derives the key and nonce of generation r.next and moves the
// secret forward, zeroing the old one.
func (r *hashRatchet) advance() (keyNonce, error) {
	key, err := DeriveTreeSecret(r.secret, "key", r.next, AEADKeyLen)
	if err != nil {
		return keyNonce{}, err
	}
	nonce, err := DeriveTreeSecret(r.secret, "nonce", r.next, AEADNonceLen)
	if err != nil {
		return keyNonce{}, err
	}
	nextSecret, err := DeriveTreeSecret(r.secret, "secret", r.next, HashLen)
	if err != nil {
		return keyNonce{}, err
	}
	zero(r.secret)
	r.secret = nextSecret
	r.next++
	return keyNonce{key: key, nonce: nonce}, nil
}

// nextKey returns the key of the next generation, for sending.
func (r *hashRatchet) nextKey() (uint32, keyNonce, error) {
	if r.next == ^uint32(0) {
		return 0, keyNonce{}, ErrGenerationTooFar
	}
	g := r.next
	kn, err := r.advance()
	return g, kn, err
}

// keyFor returns a copy of the key of generation g, for receiving. Keys
// derived on the way, and g's own, are kept (bounded) until consume
// deletes them, so a forged message that fails to decrypt does not burn
// the key of the genuine one.
func (r *hashRatchet) keyFor(g uint32) (keyNonce, error) {
	if g >= r.next {
		if g-r.next > maxForwardGenerations {
			return keyNonce{}, ErrGenerationTooFar
		}
		if r.keys == nil {
			r.keys = make(map[uint32]keyNonce)
		}
		for r.next <= g {
			gen := r.next
			kn, err := r.advance()
			if err != nil {
				return keyNonce{}, err
			}
			r.keys[gen] = kn
		}
		r.prune(g)
	}
	kn, ok := r.keys[g]
	if !ok {
		return keyNonce{}, ErrGenerationConsumed
	}
	return keyNonce{key: bytes.Clone(kn.key), nonce: bytes.Clone(kn.nonce)}, nil
}

// consume deletes the key of generation g once a message used it.
func (r *hashRatchet) consume(g uint32) {
	if kn, ok := r.keys[g]; ok {
		kn.wipe()
		delete(r.keys, g)
	}
}

// prune deletes the oldest kept keys beyond maxSkippedKeys, never keep.
func (r *hashRatchet) prune(keep uint32) {
	if len(r.keys) <= maxSkippedKeys {
		return
	}
	gens := make([]uint32, 0, len(r.keys))
	for g := range r.keys {
		if g != keep {
			gens = append(gens, g)
		}
	}
	sort.Slice(gens, func(i, j int) bool { return gens[i] < gens[j] })
	for _, g := range gens[:len(r.keys)-maxSkippedKeys] {
		kn := r.keys[g]
		kn.wipe()
		delete(r.keys, g)
	}
}

func (r *hashRatchet) wipe() {
	zero(r.secret)
	for g, kn := range r.keys {
		kn.wipe()
		delete(r.keys, g)
	}
}

// secretTree derives per-leaf ratchets from an epoch's encryption secret
// (RFC 9420 §9). Only the frontier of secrets still needed is kept: a
// parent's secret is deleted once both children are derived, a leaf's once
// its ratchets are initialised.
type secretTree struct {
	nLeaves  uint32
	nodes    map[nodeIndex][]byte
	ratchets map[leafIndex]*[2]hashRatchet
}

func newSecretTree(encryptionSecret []byte, nLeaves uint32) *secretTree {
	return &secretTree{
		nLeaves:  nLeaves,
		nodes:    map[nodeIndex][]byte{root(nLeaves): append([]byte(nil), encryptionSecret...)},
		ratchets: make(map[leafIndex]*[2]hashRatchet),
	}
}

func (st *secretTree) ratchet(leaf leafIndex, which ContentRatchet) (*hashRatchet, error) {
	if uint32(leaf) >= st.nLeaves || (which != HandshakeRatchet && which != ApplicationRatchet) {
		return nil, fmt.Errorf("mls: secret tree: leaf %d out of range", leaf)
	}
	if rs, ok := st.ratchets[leaf]; ok {
		return &rs[which], nil
	}
	// Find the lowest ancestor of the leaf whose secret is still held.
	x := leaf.node()
	path := []nodeIndex{x}
	for {
		if _, ok := st.nodes[x]; ok {
			break
		}
		p, ok := parent(x, st.nLeaves)
		if !ok {
			return nil, fmt.Errorf("mls: secret tree: secret for leaf %d already deleted", leaf)
		}
		x = p
		path = append(path, x)
	}
	// Walk down, deriving both children and deleting each parent secret.
	for i := len(path) - 1; i > 0; i-- {
		p := path[i]
		secret := st.nodes[p]
		l, _ := left(p)
		r, _ := right(p)
		ls, err := ExpandWithLabel(secret, "tree", []byte("left"), HashLen)
		if err != nil {
			return nil, err
		}
		rs, err := ExpandWithLabel(secret, "tree", []byte("right"), HashLen)
		if err != nil {
			return nil, err
		}
		st.nodes[l], st.nodes[r] = ls, rs
		zero(secret)
		delete(st.nodes, p)
	}
	leafSecret := st.nodes[leaf.node()]
	hs, err := ExpandWithLabel(leafSecret, "handshake", nil, HashLen)
	if err != nil {
		return nil, err
	}
	as, err := ExpandWithLabel(leafSecret, "application", nil, HashLen)
	if err != nil {
		return nil, err
	}
	zero(leafSecret)
	delete(st.nodes, leaf.node())
	rs := &[2]hashRatchet{{secret: hs}, {secret: as}}
	st.ratchets[leaf] = rs
	return &rs[which], nil
}

// next returns the generation, key and nonce for the leaf's next message.
func (st *secretTree) next(leaf leafIndex, which ContentRatchet) (uint32, keyNonce, error) {
	r, err := st.ratchet(leaf, which)
	if err != nil {
		return 0, keyNonce{}, err
	}
	return r.nextKey()
}

// peek returns the key and nonce of a received message's generation
// without deleting them; consume deletes them once the message has been
// authenticated.
func (st *secretTree) peek(leaf leafIndex, which ContentRatchet, generation uint32) (keyNonce, error) {
	r, err := st.ratchet(leaf, which)
	if err != nil {
		return keyNonce{}, err
	}
	return r.keyFor(generation)
}

// consume deletes the key of a generation that has been used.
func (st *secretTree) consume(leaf leafIndex, which ContentRatchet, generation uint32) {
	if rs, ok := st.ratchets[leaf]; ok && (which == HandshakeRatchet || which == ApplicationRatchet) {
		rs[which].consume(generation)
	}
}

// get returns the key and nonce of a received message's generation and
// deletes them from the tree.
func (st *secretTree) get(leaf leafIndex, which ContentRatchet, generation uint32) (keyNonce, error) {
	kn, err := st.peek(leaf, which, generation)
	if err == nil {
		st.consume(leaf, which, generation)
	}
	return kn, err
}

// wipe zeroes every secret the tree still holds.
func (st *secretTree) wipe() {
	for x, s := range st.nodes {
		zero(s)
		delete(st.nodes, x)
	}
	for l, rs := range st.ratchets {
		rs[0].wipe()
		rs[1].wipe()
		delete(st.ratchets, l)
	}
}

// senderDataKeyNonce derives the key and nonce protecting a
// PrivateMessage's sender data from the ciphertext sample (RFC 9420 §6.3.2).
func senderDataKeyNonce(senderDataSecret, ciphertext []byte) (keyNonce, error) {
	sample := ciphertext
	if len(sample) > HashLen {
		sample = sample[:HashLen]
	}
	key, err := ExpandWithLabel(senderDataSecret, "key", sample, AEADKeyLen)
	if err != nil {
		return keyNonce{}, err
	}
	nonce, err := ExpandWithLabel(senderDataSecret, "nonce", sample, AEADNonceLen)
	if err != nil {
		return keyNonce{}, err
	}
	return keyNonce{key: key, nonce: nonce}, nil
}
