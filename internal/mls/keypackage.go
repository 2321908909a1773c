package mls

import (
	"errors"
	"fmt"
)

// ErrInvalidKeyPackage is returned (wrapped) when a KeyPackage fails
// validation.
var ErrInvalidKeyPackage = errors.New("mls: invalid key package")

// KeyPackage advertises a client's keys so that others can add it to a
// group (RFC 9420 §10).
type KeyPackage struct {
	Version     uint16
	CipherSuite CipherSuite
	InitKey     []byte
	LeafNode    LeafNode
	Extensions  Extensions
	Signature   []byte
}

func (kp *KeyPackage) encodeTBS(e *Encoder) {
	e.Uint16(kp.Version)
	e.Uint16(uint16(kp.CipherSuite))
	e.Opaque(kp.InitKey)
	kp.LeafNode.Encode(e)
	kp.Extensions.Encode(e)
}

// Encode appends kp to e.
func (kp *KeyPackage) Encode(e *Encoder) {
	kp.encodeTBS(e)
	e.Opaque(kp.Signature)
}

// Decode reads kp from d.
func (kp *KeyPackage) Decode(d *Decoder) {
	kp.Version = d.Uint16()
	kp.CipherSuite = CipherSuite(d.Uint16())
	kp.InitKey = d.Opaque()
	kp.LeafNode.Decode(d)
	kp.Extensions.Decode(d)
	kp.Signature = d.Opaque()
}

// Bytes returns the encoding of kp.
func (kp *KeyPackage) Bytes() []byte {
	var e Encoder
	kp.Encode(&e)
	return e.Bytes()
}

// Ref returns the KeyPackageRef of kp.
func (kp *KeyPackage) Ref() []byte { return MakeKeyPackageRef(kp.Bytes()) }

// DecodeKeyPackage decodes a KeyPackage that must fill b exactly.
func DecodeKeyPackage(b []byte) (*KeyPackage, error) {
	kp := new(KeyPackage)
	if err := decodeAll(b, kp.Decode); err != nil {
		return nil, fmt.Errorf("decode key package: %w", err)
	}
	return kp, nil
}

// sign sets the KeyPackage signature with the leaf's signature private key.
func (kp *KeyPackage) sign(sigPriv []byte) error {
	var e Encoder
	kp.encodeTBS(&e)
	sig, err := SignWithLabel(sigPriv, "KeyPackageTBS", e.Bytes())
	if err != nil {
		return fmt.Errorf("sign key package: %w", err)
	}
	kp.Signature = sig
	return nil
}

// Validate checks kp as RFC 9420 §10.1 requires of a KeyPackage a member
// is about to add: version and suite, the leaf node (as a key-package
// leaf, with the caller's credential check and time), the signature, and
// that the init key differs from the leaf's encryption key.
func (kp *KeyPackage) Validate(check LeafNodeCheck) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidKeyPackage, fmt.Sprintf(format, args...))
	}
	if kp.Version != ProtocolVersionMLS10 {
		return fail("protocol version %d", kp.Version)
	}
	if kp.CipherSuite != CipherSuiteMLS128X25519 {
		return fail("unsupported cipher suite %d", kp.CipherSuite)
	}
	if len(kp.InitKey) != hpkePubLen {
		return fail("init key of %d bytes", len(kp.InitKey))
	}
	if equalConstantTime(kp.InitKey, kp.LeafNode.EncryptionKey) {
		return fail("init key equals the leaf encryption key")
	}
	check.Source = LeafNodeSourceKeyPackage
	if err := kp.LeafNode.Validate(check); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidKeyPackage, err)
	}
	var e Encoder
	kp.encodeTBS(&e)
	if err := VerifyWithLabel(kp.LeafNode.SignatureKey, "KeyPackageTBS", e.Bytes(), kp.Signature); err != nil {
		return fail("signature: %v", err)
	}
	return nil
}

// KeyPackagePrivate holds the private keys belonging to a KeyPackage; they
// are needed to join from a Welcome and must be deleted after use.
type KeyPackagePrivate struct {
	InitPriv       []byte
	EncryptionPriv []byte
	SignaturePriv  []byte
}

// Wipe zeroes the private keys.
func (p *KeyPackagePrivate) Wipe() {
	zero(p.InitPriv)
	zero(p.EncryptionPriv)
	zero(p.SignaturePriv)
}
