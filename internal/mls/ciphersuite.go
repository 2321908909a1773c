package mls

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
)

// CipherSuite identifies an MLS cipher suite (RFC 9420 §17.1).
type CipherSuite uint16

// CipherSuiteMLS128X25519 is MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
// the only suite this package implements.
const CipherSuiteMLS128X25519 CipherSuite = 1

// Sizes fixed by cipher suite 1.
const (
	HashLen      = sha256.Size // Nh: KDF and hash output length
	AEADKeyLen   = 16          // Nk for AES-128-GCM
	AEADNonceLen = 12          // Nn for AES-128-GCM
	hpkePubLen   = 32
	sigPubLen    = ed25519.PublicKeySize
)

// Errors returned by the cryptographic primitives.
var (
	ErrUnsupportedSuite = errors.New("mls: unsupported cipher suite")
	ErrBadSignature     = errors.New("mls: invalid signature")
	ErrDecrypt          = errors.New("mls: decryption failed")
	ErrBadKey           = errors.New("mls: malformed key")
)

const labelPrefix = "MLS 1.0 "

// Supported reports whether cs is implemented by this package.
func (cs CipherSuite) Supported() bool { return cs == CipherSuiteMLS128X25519 }

// Hash returns SHA-256(data).
func Hash(data []byte) []byte {
	h := sha256.Sum256(data)
	return h[:]
}

// MAC returns HMAC-SHA256(key, data).
func MAC(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// verifyMAC compares a MAC in constant time.
func verifyMAC(key, data, tag []byte) bool {
	return hmac.Equal(MAC(key, data), tag)
}

// Extract is HKDF-Extract(salt, ikm) with SHA-256, which is
// HMAC-SHA256 keyed by the salt.
func Extract(salt, ikm []byte) []byte {
	return MAC(salt, ikm)
}

// RefHash computes RefHash(label, value) (RFC 9420 §5.2).
func RefHash(label string, value []byte) []byte {
	var e Encoder
	e.Opaque([]byte(label))
	e.Opaque(value)
	return Hash(e.Bytes())
}

// MakeKeyPackageRef returns the KeyPackageRef of an encoded KeyPackage.
func MakeKeyPackageRef(keyPackage []byte) []byte {
	return RefHash("MLS 1.0 KeyPackage Reference", keyPackage)
}

// MakeProposalRef returns the ProposalRef of an encoded AuthenticatedContent.
func MakeProposalRef(authenticatedContent []byte) []byte {
	return RefHash("MLS 1.0 Proposal Reference", authenticatedContent)
}

// ExpandWithLabel computes ExpandWithLabel(secret, label, context, length)
// (RFC 9420 §8).
func ExpandWithLabel(secret []byte, label string, context []byte, length int) ([]byte, error) {
	if length < 0 || length > 255*HashLen {
		return nil, fmt.Errorf("mls: expand length %d out of range", length)
	}
	var e Encoder
	e.Uint16(uint16(length))
	e.Opaque([]byte(labelPrefix + label))
	e.Opaque(context)
	out, err := hkdf.Expand(sha256.New, secret, string(e.Bytes()), length)
	if err != nil {
		return nil, fmt.Errorf("mls: expand %s: %w", label, err)
	}
	return out, nil
}

// DeriveSecret computes DeriveSecret(secret, label) (RFC 9420 §8).
func DeriveSecret(secret []byte, label string) ([]byte, error) {
	return ExpandWithLabel(secret, label, nil, HashLen)
}

// DeriveTreeSecret computes DeriveTreeSecret(secret, label, generation,
// length) (RFC 9420 §9.1).
func DeriveTreeSecret(secret []byte, label string, generation uint32, length int) ([]byte, error) {
	var e Encoder
	e.Uint32(generation)
	return ExpandWithLabel(secret, label, e.Bytes(), length)
}

// SignaturePrivateKey returns the Ed25519 private key for a 32-byte seed
// (the encoding used by the test vectors) or a 64-byte expanded key.
func SignaturePrivateKey(priv []byte) (ed25519.PrivateKey, error) {
	switch len(priv) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(priv), nil
	case ed25519.PrivateKeySize:
		return ed25519.PrivateKey(bytes.Clone(priv)), nil
	default:
		return nil, fmt.Errorf("%w: signature private key of %d bytes", ErrBadKey, len(priv))
	}
}

// SignaturePublicKey returns the Ed25519 public key of a private key
// accepted by SignaturePrivateKey.
func SignaturePublicKey(priv []byte) ([]byte, error) {
	k, err := SignaturePrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(k[ed25519.SeedSize:]), nil
}

// GenerateSignatureKeyPair returns a fresh Ed25519 key pair: the 32-byte
// seed and the public key.
func GenerateSignatureKeyPair() (priv, pub []byte, err error) {
	p, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: generate signature key: %w", err)
	}
	return k.Seed(), p, nil
}

func signContent(label string, content []byte) []byte {
	var e Encoder
	e.Opaque([]byte(labelPrefix + label))
	e.Opaque(content)
	return e.Bytes()
}

// SignWithLabel signs content under label (RFC 9420 §5.1.2).
func SignWithLabel(priv []byte, label string, content []byte) ([]byte, error) {
	k, err := SignaturePrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return ed25519.Sign(k, signContent(label, content)), nil
}

// VerifyWithLabel verifies a signature made by SignWithLabel.
func VerifyWithLabel(pub []byte, label string, content, signature []byte) error {
	if len(pub) != sigPubLen {
		return fmt.Errorf("%w: signature public key of %d bytes", ErrBadKey, len(pub))
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), signContent(label, content), signature) {
		return ErrBadSignature
	}
	return nil
}

func hpkeSuite() (hpke.KEM, hpke.KDF, hpke.AEAD) {
	return hpke.DHKEM(ecdh.X25519()), hpke.HKDFSHA256(), hpke.AES128GCM()
}

// DeriveKeyPair derives an HPKE key pair from ikm (RFC 9180 DeriveKeyPair)
// and returns the serialised private and public keys.
func DeriveKeyPair(ikm []byte) (priv, pub []byte, err error) {
	kem, _, _ := hpkeSuite()
	k, err := kem.DeriveKeyPair(ikm)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: derive key pair: %w", err)
	}
	priv, err = k.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("mls: derive key pair: %w", err)
	}
	return priv, k.PublicKey().Bytes(), nil
}

// GenerateHPKEKeyPair returns a fresh X25519 HPKE key pair.
func GenerateHPKEKeyPair() (priv, pub []byte, err error) {
	ikm := make([]byte, HashLen)
	if _, err := rand.Read(ikm); err != nil {
		return nil, nil, fmt.Errorf("mls: generate key pair: %w", err)
	}
	defer zero(ikm)
	return DeriveKeyPair(ikm)
}

// HPKEPublicKeyOf returns the public key of a serialised HPKE private key.
func HPKEPublicKeyOf(priv []byte) ([]byte, error) {
	kem, _, _ := hpkeSuite()
	k, err := kem.NewPrivateKey(priv)
	if err != nil {
		return nil, ErrBadKey
	}
	return k.PublicKey().Bytes(), nil
}

func encryptContext(label string, context []byte) []byte {
	var e Encoder
	e.Opaque([]byte(labelPrefix + label))
	e.Opaque(context)
	return e.Bytes()
}

// EncryptWithLabel encrypts plaintext to an HPKE public key under label and
// context (RFC 9420 §5.1.3) and returns the KEM output and ciphertext.
func EncryptWithLabel(pub []byte, label string, context, plaintext []byte) (kemOutput, ciphertext []byte, err error) {
	kem, kdf, aead := hpkeSuite()
	pk, err := kem.NewPublicKey(pub)
	if err != nil {
		return nil, nil, ErrBadKey
	}
	enc, s, err := hpke.NewSender(pk, kdf, aead, encryptContext(label, context))
	if err != nil {
		return nil, nil, fmt.Errorf("mls: hpke setup: %w", err)
	}
	ct, err := s.Seal(nil, plaintext)
	if err != nil {
		return nil, nil, fmt.Errorf("mls: hpke seal: %w", err)
	}
	return enc, ct, nil
}

// DecryptWithLabel decrypts a ciphertext made by EncryptWithLabel.
func DecryptWithLabel(priv []byte, label string, context, kemOutput, ciphertext []byte) ([]byte, error) {
	kem, kdf, aead := hpkeSuite()
	k, err := kem.NewPrivateKey(priv)
	if err != nil {
		return nil, ErrBadKey
	}
	r, err := hpke.NewRecipient(kemOutput, k, kdf, aead, encryptContext(label, context))
	if err != nil {
		return nil, ErrDecrypt
	}
	pt, err := r.Open(nil, ciphertext)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// HPKECiphertext is the HPKECiphertext structure (RFC 9420 §5.1.3).
type HPKECiphertext struct {
	KEMOutput  []byte
	Ciphertext []byte
}

// Encode appends c to e.
func (c *HPKECiphertext) Encode(e *Encoder) {
	e.Opaque(c.KEMOutput)
	e.Opaque(c.Ciphertext)
}

// Decode reads c from d.
func (c *HPKECiphertext) Decode(d *Decoder) {
	c.KEMOutput = d.Opaque()
	c.Ciphertext = d.Opaque()
}

// zero overwrites b so a consumed secret does not linger in memory.
func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// equalConstantTime compares two secrets or tags without timing leaks.
func equalConstantTime(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}
