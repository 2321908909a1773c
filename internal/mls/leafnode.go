package mls

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// LeafNodeSource says how a LeafNode came to be in the tree (RFC 9420 §7.2).
type LeafNodeSource uint8

// Leaf node sources.
const (
	LeafNodeSourceKeyPackage LeafNodeSource = 1
	LeafNodeSourceUpdate     LeafNodeSource = 2
	LeafNodeSourceCommit     LeafNodeSource = 3
)

// ProtocolVersionMLS10 is the only protocol version, mls10.
const ProtocolVersionMLS10 uint16 = 1

// Errors returned when a LeafNode fails validation.
var (
	ErrInvalidLeafNode = errors.New("mls: invalid leaf node")
)

// LeafNode is a member's appearance in the ratchet tree, signed by that
// member (RFC 9420 §7.2).
type LeafNode struct {
	EncryptionKey []byte
	SignatureKey  []byte
	Credential    Credential
	Capabilities  Capabilities
	Source        LeafNodeSource
	Lifetime      Lifetime // only when Source is LeafNodeSourceKeyPackage
	ParentHash    []byte   // only when Source is LeafNodeSourceCommit
	Extensions    Extensions
	Signature     []byte
}

// encodeContent appends the fields shared by LeafNode and LeafNodeTBS.
func (n *LeafNode) encodeContent(e *Encoder) {
	e.Opaque(n.EncryptionKey)
	e.Opaque(n.SignatureKey)
	n.Credential.Encode(e)
	n.Capabilities.Encode(e)
	e.Uint8(uint8(n.Source))
	switch n.Source {
	case LeafNodeSourceKeyPackage:
		n.Lifetime.Encode(e)
	case LeafNodeSourceCommit:
		e.Opaque(n.ParentHash)
	}
	n.Extensions.Encode(e)
}

// Encode appends the LeafNode to e.
func (n *LeafNode) Encode(e *Encoder) {
	n.encodeContent(e)
	e.Opaque(n.Signature)
}

// Decode reads a LeafNode from d. An unknown leaf_node_source is an error,
// since the structure that follows it could not be parsed.
func (n *LeafNode) Decode(d *Decoder) {
	*n = LeafNode{}
	n.EncryptionKey = d.Opaque()
	n.SignatureKey = d.Opaque()
	n.Credential.Decode(d)
	n.Capabilities.Decode(d)
	n.Source = LeafNodeSource(d.Uint8())
	switch n.Source {
	case LeafNodeSourceKeyPackage:
		n.Lifetime.Decode(d)
	case LeafNodeSourceUpdate:
	case LeafNodeSourceCommit:
		n.ParentHash = d.Opaque()
	default:
		d.Fail("unknown leaf node source %d", n.Source)
		return
	}
	n.Extensions.Decode(d)
	n.Signature = d.Opaque()
}

// Bytes returns the encoding of the LeafNode.
func (n *LeafNode) Bytes() []byte {
	var e Encoder
	n.Encode(&e)
	return e.Bytes()
}

// DecodeLeafNode decodes a LeafNode that must fill b exactly.
func DecodeLeafNode(b []byte) (*LeafNode, error) {
	n := new(LeafNode)
	if err := decodeAll(b, n.Decode); err != nil {
		return nil, fmt.Errorf("decode leaf node: %w", err)
	}
	return n, nil
}

// tbs returns the LeafNodeTBS the signature covers. groupID and leaf are
// part of it only for update and commit leaves.
func (n *LeafNode) tbs(groupID []byte, leaf leafIndex) []byte {
	var e Encoder
	n.encodeContent(&e)
	if n.Source == LeafNodeSourceUpdate || n.Source == LeafNodeSourceCommit {
		e.Opaque(groupID)
		e.Uint32(uint32(leaf))
	}
	return e.Bytes()
}

// Sign sets the signature of the LeafNode with the signature private key
// sigPriv. groupID and leaf are ignored for key-package leaves.
func (n *LeafNode) Sign(sigPriv, groupID []byte, leaf leafIndex) error {
	sig, err := SignWithLabel(sigPriv, "LeafNodeTBS", n.tbs(groupID, leaf))
	if err != nil {
		return fmt.Errorf("sign leaf node: %w", err)
	}
	n.Signature = sig
	return nil
}

// VerifySignature checks the signature of the LeafNode against its own
// signature key. groupID and leaf are ignored for key-package leaves.
func (n *LeafNode) VerifySignature(groupID []byte, leaf leafIndex) error {
	if err := VerifyWithLabel(n.SignatureKey, "LeafNodeTBS", n.tbs(groupID, leaf), n.Signature); err != nil {
		return fmt.Errorf("%w: leaf %d: signature: %w", ErrInvalidLeafNode, leaf, err)
	}
	return nil
}

// Clone returns a deep copy of the LeafNode.
func (n *LeafNode) Clone() *LeafNode {
	if n == nil {
		return nil
	}
	c := *n
	c.EncryptionKey = bytes.Clone(n.EncryptionKey)
	c.SignatureKey = bytes.Clone(n.SignatureKey)
	c.Credential = n.Credential.clone()
	c.Capabilities = n.Capabilities.clone()
	c.ParentHash = bytes.Clone(n.ParentHash)
	c.Extensions = n.Extensions.clone()
	c.Signature = bytes.Clone(n.Signature)
	return &c
}

// LeafNodeCheck describes the context in which a LeafNode is validated
// (RFC 9420 §7.3). Checks that need the whole tree (uniqueness of keys,
// credential types supported by every member) are made by the ratchet tree.
type LeafNodeCheck struct {
	// Source is the leaf_node_source the context requires; zero accepts any.
	Source LeafNodeSource
	// GroupID and Leaf are the signature context of update and commit leaves.
	GroupID []byte
	Leaf    leafIndex
	// Required, if set, lists capabilities the group requires.
	Required *RequiredCapabilities
	// Now, if non-zero, is the current time in seconds since the Unix epoch;
	// a key-package leaf whose lifetime excludes it is rejected.
	Now uint64
	// Credential, if set, validates the credential and signature key with
	// the authentication service (RFC 9420 §5.3.1).
	Credential func(c *Credential, signatureKey []byte) error
}

// Validate checks the LeafNode on its own as RFC 9420 §7.3 requires.
func (n *LeafNode) Validate(c LeafNodeCheck) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: leaf %d: %s", ErrInvalidLeafNode, c.Leaf, fmt.Sprintf(format, args...))
	}
	if len(n.EncryptionKey) != hpkePubLen {
		return fail("encryption key of %d bytes", len(n.EncryptionKey))
	}
	if len(n.SignatureKey) != sigPubLen {
		return fail("signature key of %d bytes", len(n.SignatureKey))
	}
	if c.Source != 0 && n.Source != c.Source {
		return fail("leaf node source %d where %d is required", n.Source, c.Source)
	}
	if err := n.Credential.validate(); err != nil {
		return fail("%v", err)
	}
	if c.Credential != nil {
		if err := c.Credential(&n.Credential, n.SignatureKey); err != nil {
			return fmt.Errorf("%w: leaf %d: credential rejected: %w", ErrInvalidLeafNode, c.Leaf, err)
		}
	}
	if err := n.VerifySignature(c.GroupID, c.Leaf); err != nil {
		return err
	}
	caps := &n.Capabilities
	if !slices.Contains(caps.Versions, ProtocolVersionMLS10) {
		return fail("capabilities omit protocol version mls10")
	}
	if !slices.Contains(caps.CipherSuites, CipherSuiteMLS128X25519) {
		return fail("capabilities omit cipher suite %d", CipherSuiteMLS128X25519)
	}
	if !slices.Contains(caps.Credentials, n.Credential.Type) {
		return fail("credential type %d not in its own capabilities", n.Credential.Type)
	}
	if err := n.Extensions.checkUnique(); err != nil {
		return fail("%v", err)
	}
	supported := setOf(caps.Extensions)
	for _, x := range n.Extensions {
		if !x.ExtensionType.isDefault() && !supported[x.ExtensionType] {
			return fail("extension %d not in its capabilities", x.ExtensionType)
		}
	}
	if c.Required != nil {
		if err := c.Required.supportedBy(caps); err != nil {
			return fail("%v", err)
		}
	}
	if n.Source == LeafNodeSourceKeyPackage && c.Now != 0 {
		if c.Now < n.Lifetime.NotBefore || c.Now > n.Lifetime.NotAfter {
			return fail("outside its lifetime")
		}
	}
	return nil
}
