package mls

import (
	"bytes"
	"errors"
	"testing"
)

// signedLeaf returns a valid key-package leaf and its signature key, after
// applying edit before signing.
func signedLeaf(t *testing.T, edit func(l *LeafNode)) (*LeafNode, []byte) {
	t.Helper()
	l, _, sigPriv := benchLeaf(t)
	l.Lifetime = Lifetime{NotBefore: 1000, NotAfter: 2000}
	if edit != nil {
		edit(l)
	}
	if err := l.Sign(sigPriv, []byte("group"), 3); err != nil {
		t.Fatal(err)
	}
	return l, sigPriv
}

func TestLeafNodeValidate(t *testing.T) {
	ok := LeafNodeCheck{Source: LeafNodeSourceKeyPackage, Now: 1500}
	if l, _ := signedLeaf(t, nil); l.Validate(ok) != nil {
		t.Fatalf("Validate(good leaf) = %v", l.Validate(ok))
	}
	refuse := errors.New("unknown identity")
	tests := []struct {
		name  string
		edit  func(l *LeafNode) // before signing
		check func(c *LeafNodeCheck)
	}{
		{"wrong source", nil, func(c *LeafNodeCheck) { c.Source = LeafNodeSourceUpdate }},
		{"expired", nil, func(c *LeafNodeCheck) { c.Now = 2001 }},
		{"not yet valid", nil, func(c *LeafNodeCheck) { c.Now = 999 }},
		{"short encryption key", func(l *LeafNode) { l.EncryptionKey = l.EncryptionKey[:31] }, nil},
		{"short signature key", func(l *LeafNode) { l.SignatureKey = l.SignatureKey[:31] }, nil},
		{"credential type not in capabilities", func(l *LeafNode) { l.Capabilities.Credentials = []CredentialType{CredentialTypeX509} }, nil},
		{"x509 without certificates", func(l *LeafNode) {
			l.Credential = Credential{Type: CredentialTypeX509}
			l.Capabilities.Credentials = []CredentialType{CredentialTypeX509}
		}, nil},
		{"no mls10", func(l *LeafNode) { l.Capabilities.Versions = []uint16{2} }, nil},
		{"no suite 1", func(l *LeafNode) { l.Capabilities.CipherSuites = []CipherSuite{2, 3} }, nil},
		{"unlisted extension", func(l *LeafNode) { l.Extensions = Extensions{{ExtensionType: 0x0a0a}} }, nil},
		{"duplicate extension", func(l *LeafNode) {
			l.Extensions = Extensions{{ExtensionType: ExtensionApplicationID}, {ExtensionType: ExtensionApplicationID}}
		}, nil},
		{"required extension missing", nil, func(c *LeafNodeCheck) {
			c.Required = &RequiredCapabilities{Extensions: []ExtensionType{0xff00}}
		}},
		{"required proposal missing", nil, func(c *LeafNodeCheck) {
			c.Required = &RequiredCapabilities{Proposals: []uint16{0xff00}}
		}},
		{"required credential missing", nil, func(c *LeafNodeCheck) {
			c.Required = &RequiredCapabilities{Credentials: []CredentialType{CredentialTypeX509}}
		}},
		{"credential refused", nil, func(c *LeafNodeCheck) {
			c.Credential = func(*Credential, []byte) error { return refuse }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := signedLeaf(t, tt.edit)
			c := ok
			if tt.check != nil {
				tt.check(&c)
			}
			if err := l.Validate(c); !errors.Is(err, ErrInvalidLeafNode) {
				t.Errorf("Validate() = %v; want ErrInvalidLeafNode", err)
			}
		})
	}
	changed, _ := signedLeaf(t, nil)
	changed.Capabilities.Proposals = append(changed.Capabilities.Proposals, 0x0a0a)
	if err := changed.Validate(ok); !errors.Is(err, ErrInvalidLeafNode) {
		t.Errorf("Validate(leaf changed after signing) = %v; want ErrInvalidLeafNode", err)
	}
	// Listed non-default extensions, default ones and satisfied
	// requirements are accepted.
	l, _ := signedLeaf(t, func(l *LeafNode) {
		l.Capabilities.Extensions = []ExtensionType{0x0a0a, 0xff00}
		l.Capabilities.Proposals = []uint16{0xff01}
		l.Extensions = Extensions{{ExtensionType: 0x0a0a, Data: []byte{1}}, {ExtensionType: ExtensionApplicationID, Data: []byte("app")}}
	})
	c := ok
	c.Required = &RequiredCapabilities{Extensions: []ExtensionType{0xff00, ExtensionRatchetTree}, Proposals: []uint16{0xff01, 1}, Credentials: []CredentialType{CredentialTypeBasic}}
	if err := l.Validate(c); err != nil {
		t.Errorf("Validate(leaf meeting requirements) = %v", err)
	}
}

func TestLeafNodeSignatureContext(t *testing.T) {
	for _, src := range []LeafNodeSource{LeafNodeSourceUpdate, LeafNodeSourceCommit} {
		l, _ := signedLeaf(t, func(l *LeafNode) {
			l.Source, l.Lifetime, l.ParentHash = src, Lifetime{}, []byte{}
			if src == LeafNodeSourceCommit {
				l.ParentHash = bytes.Repeat([]byte{7}, 32)
			}
		})
		if err := l.VerifySignature([]byte("group"), 3); err != nil {
			t.Errorf("source %d: VerifySignature(signing context) = %v", src, err)
		}
		if err := l.VerifySignature([]byte("group"), 4); err == nil {
			t.Errorf("source %d: signature verified for another leaf index", src)
		}
		if err := l.VerifySignature([]byte("other"), 3); err == nil {
			t.Errorf("source %d: signature verified for another group", src)
		}
		back, err := DecodeLeafNode(l.Bytes())
		if err != nil {
			t.Fatalf("source %d: DecodeLeafNode(Bytes()) = %v", src, err)
		}
		if !bytes.Equal(back.Bytes(), l.Bytes()) || back.VerifySignature([]byte("group"), 3) != nil {
			t.Errorf("source %d: leaf does not survive encoding", src)
		}
	}
	// A key-package leaf's signature does not depend on group or index.
	l, _ := signedLeaf(t, nil)
	if err := l.VerifySignature([]byte("any"), 99); err != nil {
		t.Errorf("key-package leaf: VerifySignature = %v", err)
	}
}

func TestCredentialEncoding(t *testing.T) {
	tests := []Credential{
		NewBasicCredential([]byte("dr.a.jones@nhs.net")),
		{Type: CredentialTypeX509, Certificates: [][]byte{{0x30, 0x01}, {0x30, 0x02, 0x03}}},
		{Type: CredentialTypeX509, Certificates: [][]byte{}},
	}
	for _, c := range tests {
		var e Encoder
		c.Encode(&e)
		var back Credential
		if err := decodeAll(e.Bytes(), back.Decode); err != nil {
			t.Fatalf("decode credential type %d: %v", c.Type, err)
		}
		if !back.Equal(&c) {
			t.Errorf("credential type %d: decoded %+v; want %+v", c.Type, back, c)
		}
		cl := c.clone()
		if !cl.Equal(&c) {
			t.Errorf("credential type %d: clone differs", c.Type)
		}
	}
	if err := decodeAll([]byte{0, 3, 0}, new(Credential).Decode); !errors.Is(err, ErrDecode) {
		t.Errorf("decode credential of unknown type = %v; want ErrDecode", err)
	}
	a, b := NewBasicCredential([]byte("a")), NewBasicCredential([]byte("b"))
	if a.Equal(&b) {
		t.Error("different identities compare equal")
	}
}
