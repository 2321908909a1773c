package mls

import (
	"bytes"
	"errors"
)

// CredentialType identifies the kind of a Credential (RFC 9420 §5.3).
type CredentialType uint16

// Credential types this package can decode.
const (
	CredentialTypeBasic CredentialType = 1
	CredentialTypeX509  CredentialType = 2
)

// Credential binds a member's identity to its signature key (RFC 9420
// §5.3). A basic credential carries Identity; an X.509 credential carries
// a chain of DER certificates, leaf first.
type Credential struct {
	Type         CredentialType
	Identity     []byte   // basic
	Certificates [][]byte // x509
}

// NewBasicCredential returns a basic credential for identity.
func NewBasicCredential(identity []byte) Credential {
	return Credential{Type: CredentialTypeBasic, Identity: bytes.Clone(identity)}
}

// Encode appends the Credential to e.
func (c *Credential) Encode(e *Encoder) {
	e.Uint16(uint16(c.Type))
	switch c.Type {
	case CredentialTypeBasic:
		e.Opaque(c.Identity)
	case CredentialTypeX509:
		e.Vector(func(e *Encoder) {
			for _, cert := range c.Certificates {
				e.Opaque(cert)
			}
		})
	}
}

// Decode reads a Credential from d. Types other than basic and x509 are an
// error: their encoding is not self-delimiting, so they cannot be skipped.
func (c *Credential) Decode(d *Decoder) {
	*c = Credential{Type: CredentialType(d.Uint16())}
	if d.Err() != nil {
		return
	}
	switch c.Type {
	case CredentialTypeBasic:
		c.Identity = d.Opaque()
	case CredentialTypeX509:
		c.Certificates = [][]byte{}
		d.ReadVector(func(d *Decoder) {
			c.Certificates = append(c.Certificates, d.Opaque())
		})
	default:
		d.Fail("unsupported credential type %d", c.Type)
	}
}

// validate checks the structure of the credential; whether the identity is
// acceptable is for the authentication service to decide.
func (c *Credential) validate() error {
	switch c.Type {
	case CredentialTypeBasic:
		return nil
	case CredentialTypeX509:
		if len(c.Certificates) == 0 {
			return errors.New("x509 credential without certificates")
		}
		return nil
	default:
		return errors.New("unsupported credential type")
	}
}

// Equal reports whether c and o are the same credential.
func (c *Credential) Equal(o *Credential) bool {
	return c.Type == o.Type && bytes.Equal(c.Identity, o.Identity) &&
		slicesEqualBytes(c.Certificates, o.Certificates)
}

func (c Credential) clone() Credential {
	c.Identity = bytes.Clone(c.Identity)
	if c.Certificates != nil {
		certs := make([][]byte, len(c.Certificates))
		for i, cert := range c.Certificates {
			certs[i] = bytes.Clone(cert)
		}
		c.Certificates = certs
	}
	return c
}

func slicesEqualBytes(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
