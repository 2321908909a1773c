package mls

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
)

// reuseGuardLen is the length of the reuse guard XORed into the nonce.
const reuseGuardLen = 4

// PrivateMessage is an encrypted message (RFC 9420 §6.3).
type PrivateMessage struct {
	GroupID             []byte
	Epoch               uint64
	ContentType         ContentType
	AuthenticatedData   []byte
	EncryptedSenderData []byte
	Ciphertext          []byte
}

// Encode appends m to e.
func (m *PrivateMessage) Encode(e *Encoder) {
	e.Opaque(m.GroupID)
	e.Uint64(m.Epoch)
	e.Uint8(uint8(m.ContentType))
	e.Opaque(m.AuthenticatedData)
	e.Opaque(m.EncryptedSenderData)
	e.Opaque(m.Ciphertext)
}

// Decode reads m from d.
func (m *PrivateMessage) Decode(d *Decoder) {
	m.GroupID = d.Opaque()
	m.Epoch = d.Uint64()
	m.ContentType = ContentType(d.Uint8())
	if d.Err() == nil && (m.ContentType < ContentApplication || m.ContentType > ContentCommit) {
		d.Fail("invalid content type %d", m.ContentType)
	}
	m.AuthenticatedData = d.Opaque()
	m.EncryptedSenderData = d.Opaque()
	m.Ciphertext = d.Opaque()
}

func (m *PrivateMessage) contentAAD() []byte {
	var e Encoder
	e.Opaque(m.GroupID)
	e.Uint64(m.Epoch)
	e.Uint8(uint8(m.ContentType))
	e.Opaque(m.AuthenticatedData)
	return e.Bytes()
}

func (m *PrivateMessage) senderDataAAD() []byte {
	var e Encoder
	e.Opaque(m.GroupID)
	e.Uint64(m.Epoch)
	e.Uint8(uint8(m.ContentType))
	return e.Bytes()
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrBadKey
	}
	return cipher.NewGCM(block)
}

func aeadSeal(key, nonce, aad, plaintext []byte) ([]byte, error) {
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return a.Seal(nil, nonce, plaintext, aad), nil
}

func aeadOpen(key, nonce, aad, ciphertext []byte) ([]byte, error) {
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	pt, err := a.Open(nil, nonce, ciphertext, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

func ratchetFor(ct ContentType) ContentRatchet {
	if ct == ContentApplication {
		return ApplicationRatchet
	}
	return HandshakeRatchet
}

// applyReuseGuard XORs the reuse guard into the first bytes of a nonce.
func applyReuseGuard(nonce, guard []byte) []byte {
	out := append([]byte(nil), nonce...)
	for i := range reuseGuardLen {
		out[i] ^= guard[i]
	}
	return out
}

// encryptContent protects ac (a member's content, already signed) as a
// PrivateMessage, using the next key of the sender's ratchet and padding
// the plaintext with zero bytes to a multiple of paddingBlock.
func encryptContent(ac *AuthenticatedContent, st *secretTree, senderDataSecret []byte, paddingBlock int) (*PrivateMessage, error) {
	fc := &ac.Content
	if fc.Sender.Type != SenderMember {
		return nil, fmt.Errorf("%w: only members send private messages", ErrInvalidMessage)
	}
	m := &PrivateMessage{
		GroupID: fc.GroupID, Epoch: fc.Epoch, ContentType: fc.ContentType,
		AuthenticatedData: fc.AuthenticatedData,
	}
	var pt Encoder
	fc.encodeBody(&pt)
	ac.Auth.encode(&pt, fc.ContentType)
	if paddingBlock > 1 {
		if r := len(pt.Bytes()) % paddingBlock; r != 0 {
			pt.Raw(make([]byte, paddingBlock-r))
		}
	}

	gen, kn, err := st.next(leafIndex(fc.Sender.Index), ratchetFor(fc.ContentType))
	if err != nil {
		return nil, err
	}
	defer kn.wipe()
	guard := make([]byte, reuseGuardLen)
	if _, err := rand.Read(guard); err != nil {
		return nil, fmt.Errorf("mls: reuse guard: %w", err)
	}
	if m.Ciphertext, err = aeadSeal(kn.key, applyReuseGuard(kn.nonce, guard), m.contentAAD(), pt.Bytes()); err != nil {
		return nil, err
	}
	var sd Encoder
	sd.Uint32(fc.Sender.Index)
	sd.Uint32(gen)
	sd.Raw(guard)
	skn, err := senderDataKeyNonce(senderDataSecret, m.Ciphertext)
	if err != nil {
		return nil, err
	}
	defer skn.wipe()
	if m.EncryptedSenderData, err = aeadSeal(skn.key, skn.nonce, m.senderDataAAD(), sd.Bytes()); err != nil {
		return nil, err
	}
	return m, nil
}

// decryptContent removes the encryption of m and returns the content with
// its authentication data. The signature is not checked here. The key used
// is deleted from the secret tree.
func decryptContent(m *PrivateMessage, st *secretTree, senderDataSecret []byte) (*AuthenticatedContent, error) {
	skn, err := senderDataKeyNonce(senderDataSecret, m.Ciphertext)
	if err != nil {
		return nil, err
	}
	defer skn.wipe()
	sdBytes, err := aeadOpen(skn.key, skn.nonce, m.senderDataAAD(), m.EncryptedSenderData)
	if err != nil {
		return nil, fmt.Errorf("sender data: %w", err)
	}
	d := NewDecoder(sdBytes)
	leaf, gen, guard := d.Uint32(), d.Uint32(), d.Raw(reuseGuardLen)
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("sender data: %w", err)
	}
	kn, err := st.peek(leafIndex(leaf), ratchetFor(m.ContentType), gen)
	if err != nil {
		return nil, fmt.Errorf("leaf %d generation %d: %w", leaf, gen, err)
	}
	defer kn.wipe()
	pt, err := aeadOpen(kn.key, applyReuseGuard(kn.nonce, guard), m.contentAAD(), m.Ciphertext)
	if err != nil {
		return nil, err
	}
	// Only an authentic ciphertext uses up its key.
	st.consume(leafIndex(leaf), ratchetFor(m.ContentType), gen)
	ac := &AuthenticatedContent{
		WireFormat: WireFormatPrivateMessage,
		Content: FramedContent{
			GroupID: m.GroupID, Epoch: m.Epoch,
			Sender:            Sender{Type: SenderMember, Index: leaf},
			AuthenticatedData: m.AuthenticatedData, ContentType: m.ContentType,
		},
	}
	d = NewDecoder(pt)
	ac.Content.decodeBody(d)
	ac.Auth.decode(d, m.ContentType)
	if d.Err() != nil {
		return nil, d.Err()
	}
	for _, b := range pt[len(pt)-d.Len():] {
		if b != 0 {
			return nil, fmt.Errorf("%w: non-zero padding", ErrInvalidMessage)
		}
	}
	return ac, nil
}
