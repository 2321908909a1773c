package mls

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// ExtensionType identifies an MLS extension (RFC 9420 §13.4).
type ExtensionType uint16

// Extension types defined by RFC 9420. These are the "default" extensions
// that capabilities never list.
const (
	ExtensionApplicationID        ExtensionType = 1
	ExtensionRatchetTree          ExtensionType = 2
	ExtensionRequiredCapabilities ExtensionType = 3
	ExtensionExternalPub          ExtensionType = 4
	ExtensionExternalSenders      ExtensionType = 5
)

func (t ExtensionType) isDefault() bool {
	return t >= ExtensionApplicationID && t <= ExtensionExternalSenders
}

// isDefaultProposal reports whether a proposal type is one of those RFC
// 9420 §7.2 says capabilities never list (add through
// group_context_extensions).
func isDefaultProposal(t uint16) bool { return t >= 1 && t <= 7 }

// Extension is one entry of an extensions list (RFC 9420 §7.2).
type Extension struct {
	ExtensionType ExtensionType
	Data          []byte
}

// Extensions is an `Extension extensions<V>` list.
type Extensions []Extension

// Encode appends the list to e.
func (x Extensions) Encode(e *Encoder) {
	e.Vector(func(e *Encoder) {
		for _, ext := range x {
			e.Uint16(uint16(ext.ExtensionType))
			e.Opaque(ext.Data)
		}
	})
}

// Decode reads a list from d. Duplicates are accepted here and refused by
// validation, so that decoding stays a pure syntax check.
func (x *Extensions) Decode(d *Decoder) {
	list := Extensions{}
	d.ReadVector(func(d *Decoder) {
		t := ExtensionType(d.Uint16())
		list = append(list, Extension{ExtensionType: t, Data: d.Opaque()})
	})
	*x = list
}

// Find returns the data of the first extension of type t.
func (x Extensions) Find(t ExtensionType) ([]byte, bool) {
	for _, ext := range x {
		if ext.ExtensionType == t {
			return ext.Data, true
		}
	}
	return nil, false
}

// checkUnique fails if any extension type appears twice.
func (x Extensions) checkUnique() error {
	seen := make(map[ExtensionType]bool, len(x))
	for _, ext := range x {
		if seen[ext.ExtensionType] {
			return fmt.Errorf("extension %d appears twice", ext.ExtensionType)
		}
		seen[ext.ExtensionType] = true
	}
	return nil
}

func (x Extensions) clone() Extensions {
	if x == nil {
		return nil
	}
	c := make(Extensions, len(x))
	for i, ext := range x {
		c[i] = Extension{ExtensionType: ext.ExtensionType, Data: bytes.Clone(ext.Data)}
	}
	return c
}

// Capabilities lists the protocol features a client supports (RFC 9420
// §7.2). Unknown values are kept and ignored.
type Capabilities struct {
	Versions     []uint16
	CipherSuites []CipherSuite
	Extensions   []ExtensionType
	Proposals    []uint16
	Credentials  []CredentialType
}

func encodeUint16s[T ~uint16](e *Encoder, v []T) {
	e.Vector(func(e *Encoder) {
		for _, x := range v {
			e.Uint16(uint16(x))
		}
	})
}

func decodeUint16s[T ~uint16](d *Decoder) []T {
	out := []T{}
	d.ReadVector(func(d *Decoder) { out = append(out, T(d.Uint16())) })
	return out
}

// Encode appends the Capabilities to e.
func (c *Capabilities) Encode(e *Encoder) {
	encodeUint16s(e, c.Versions)
	encodeUint16s(e, c.CipherSuites)
	encodeUint16s(e, c.Extensions)
	encodeUint16s(e, c.Proposals)
	encodeUint16s(e, c.Credentials)
}

// Decode reads Capabilities from d.
func (c *Capabilities) Decode(d *Decoder) {
	c.Versions = decodeUint16s[uint16](d)
	c.CipherSuites = decodeUint16s[CipherSuite](d)
	c.Extensions = decodeUint16s[ExtensionType](d)
	c.Proposals = decodeUint16s[uint16](d)
	c.Credentials = decodeUint16s[CredentialType](d)
}

func (c Capabilities) clone() Capabilities {
	c.Versions = slices.Clone(c.Versions)
	c.CipherSuites = slices.Clone(c.CipherSuites)
	c.Extensions = slices.Clone(c.Extensions)
	c.Proposals = slices.Clone(c.Proposals)
	c.Credentials = slices.Clone(c.Credentials)
	return c
}

// Lifetime bounds the validity of a key-package leaf, in seconds since the
// Unix epoch (RFC 9420 §7.2).
type Lifetime struct {
	NotBefore uint64
	NotAfter  uint64
}

// Encode appends the Lifetime to e.
func (l *Lifetime) Encode(e *Encoder) {
	e.Uint64(l.NotBefore)
	e.Uint64(l.NotAfter)
}

// Decode reads a Lifetime from d.
func (l *Lifetime) Decode(d *Decoder) {
	l.NotBefore = d.Uint64()
	l.NotAfter = d.Uint64()
}

// RequiredCapabilities is the body of the required_capabilities group
// context extension (RFC 9420 §11.1).
type RequiredCapabilities struct {
	Extensions  []ExtensionType
	Proposals   []uint16
	Credentials []CredentialType
}

// Encode appends the RequiredCapabilities to e.
func (r *RequiredCapabilities) Encode(e *Encoder) {
	encodeUint16s(e, r.Extensions)
	encodeUint16s(e, r.Proposals)
	encodeUint16s(e, r.Credentials)
}

// Decode reads RequiredCapabilities from d.
func (r *RequiredCapabilities) Decode(d *Decoder) {
	r.Extensions = decodeUint16s[ExtensionType](d)
	r.Proposals = decodeUint16s[uint16](d)
	r.Credentials = decodeUint16s[CredentialType](d)
}

// errCapability reports a capability the group requires but a leaf lacks.
var errCapability = errors.New("required capability missing")

// supportedBy fails unless caps lists every required non-default extension,
// non-default proposal and credential type.
func (r *RequiredCapabilities) supportedBy(caps *Capabilities) error {
	exts, props, creds := setOf(caps.Extensions), setOf(caps.Proposals), setOf(caps.Credentials)
	for _, t := range r.Extensions {
		if !t.isDefault() && !exts[t] {
			return fmt.Errorf("%w: extension %d", errCapability, t)
		}
	}
	for _, t := range r.Proposals {
		if !isDefaultProposal(t) && !props[t] {
			return fmt.Errorf("%w: proposal %d", errCapability, t)
		}
	}
	for _, t := range r.Credentials {
		if !creds[t] {
			return fmt.Errorf("%w: credential %d", errCapability, t)
		}
	}
	return nil
}

// setOf returns the values of v as a set, so that checking one list
// against another stays linear however long a hostile peer makes them.
func setOf[T comparable](v []T) map[T]bool {
	m := make(map[T]bool, len(v))
	for _, x := range v {
		m[x] = true
	}
	return m
}
