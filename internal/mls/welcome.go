package mls

import (
	"fmt"
)

// GroupInfo describes a group to a joiner (RFC 9420 §12.4.3).
type GroupInfo struct {
	GroupContext    GroupContext
	Extensions      Extensions
	ConfirmationTag []byte
	Signer          uint32
	Signature       []byte
}

func (gi *GroupInfo) encodeTBS(e *Encoder) {
	gi.GroupContext.Encode(e)
	gi.Extensions.Encode(e)
	e.Opaque(gi.ConfirmationTag)
	e.Uint32(gi.Signer)
}

// Encode appends gi to e.
func (gi *GroupInfo) Encode(e *Encoder) {
	gi.encodeTBS(e)
	e.Opaque(gi.Signature)
}

// Decode reads gi from d.
func (gi *GroupInfo) Decode(d *Decoder) {
	gi.GroupContext.Decode(d)
	gi.Extensions.Decode(d)
	gi.ConfirmationTag = d.Opaque()
	gi.Signer = d.Uint32()
	gi.Signature = d.Opaque()
}

// Bytes returns the encoding of gi.
func (gi *GroupInfo) Bytes() []byte {
	var e Encoder
	gi.Encode(&e)
	return e.Bytes()
}

func (gi *GroupInfo) tbs() []byte {
	var e Encoder
	gi.encodeTBS(&e)
	return e.Bytes()
}

func (gi *GroupInfo) sign(sigPriv []byte) error {
	sig, err := SignWithLabel(sigPriv, "GroupInfoTBS", gi.tbs())
	if err != nil {
		return fmt.Errorf("sign group info: %w", err)
	}
	gi.Signature = sig
	return nil
}

// verify checks gi's signature against the signer's signature key.
func (gi *GroupInfo) verify(signerKey []byte) error {
	if err := VerifyWithLabel(signerKey, "GroupInfoTBS", gi.tbs(), gi.Signature); err != nil {
		return fmt.Errorf("group info: %w", err)
	}
	return nil
}

// GroupSecrets are the secrets a Welcome delivers to one new member.
type GroupSecrets struct {
	JoinerSecret []byte
	PathSecret   []byte // nil when absent
	PSKs         []PreSharedKeyID
}

// Encode appends gs to e.
func (gs *GroupSecrets) Encode(e *Encoder) {
	e.Opaque(gs.JoinerSecret)
	e.Optional(gs.PathSecret != nil, func(e *Encoder) { e.Opaque(gs.PathSecret) })
	e.Vector(func(e *Encoder) {
		for i := range gs.PSKs {
			gs.PSKs[i].Encode(e)
		}
	})
}

// Decode reads gs from d.
func (gs *GroupSecrets) Decode(d *Decoder) {
	gs.JoinerSecret = d.Opaque()
	gs.PathSecret = nil
	d.Optional(func(d *Decoder) {
		gs.PathSecret = d.Opaque()
		if gs.PathSecret == nil {
			gs.PathSecret = []byte{}
		}
	})
	gs.PSKs = nil
	d.ReadVector(func(d *Decoder) {
		var id PreSharedKeyID
		id.Decode(d)
		gs.PSKs = append(gs.PSKs, id)
	})
}

// wipe zeroes the secrets.
func (gs *GroupSecrets) wipe() {
	zero(gs.JoinerSecret)
	zero(gs.PathSecret)
}

// EncryptedGroupSecrets is GroupSecrets encrypted to one new member's
// KeyPackage init key.
type EncryptedGroupSecrets struct {
	NewMember             []byte // KeyPackageRef
	EncryptedGroupSecrets HPKECiphertext
}

// Welcome invites new members to a group (RFC 9420 §12.4.3.1).
type Welcome struct {
	CipherSuite        CipherSuite
	Secrets            []EncryptedGroupSecrets
	EncryptedGroupInfo []byte
}

// Encode appends w to e.
func (w *Welcome) Encode(e *Encoder) {
	e.Uint16(uint16(w.CipherSuite))
	e.Vector(func(e *Encoder) {
		for i := range w.Secrets {
			e.Opaque(w.Secrets[i].NewMember)
			w.Secrets[i].EncryptedGroupSecrets.Encode(e)
		}
	})
	e.Opaque(w.EncryptedGroupInfo)
}

// Decode reads w from d.
func (w *Welcome) Decode(d *Decoder) {
	w.CipherSuite = CipherSuite(d.Uint16())
	w.Secrets = nil
	d.ReadVector(func(d *Decoder) {
		var s EncryptedGroupSecrets
		s.NewMember = d.Opaque()
		s.EncryptedGroupSecrets.Decode(d)
		w.Secrets = append(w.Secrets, s)
	})
	w.EncryptedGroupInfo = d.Opaque()
}

// Bytes returns the encoding of w.
func (w *Welcome) Bytes() []byte {
	var e Encoder
	w.Encode(&e)
	return e.Bytes()
}
