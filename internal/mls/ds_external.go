package mls

import (
	"bytes"
	"fmt"
)

// This file holds what a delivery service needs to act as an external
// sender (RFC 9420 §12.1.8.1): the external_senders extension entry naming
// it, and Remove proposals it signs.

// Encode appends s to e as an ExternalSender entry.
func (s *ExternalSender) Encode(e *Encoder) {
	e.Opaque(s.SignatureKey)
	s.Credential.Encode(e)
}

// Decode reads s from d.
func (s *ExternalSender) Decode(d *Decoder) {
	s.SignatureKey = d.Opaque()
	s.Credential.Decode(d)
}

// Bytes returns the encoding of s.
func (s *ExternalSender) Bytes() []byte {
	var e Encoder
	s.Encode(&e)
	return e.Bytes()
}

// DecodeExternalSender decodes one ExternalSender entry that must fill b.
func DecodeExternalSender(b []byte) (*ExternalSender, error) {
	s := new(ExternalSender)
	if err := decodeAll(b, s.Decode); err != nil {
		return nil, fmt.Errorf("decode external sender: %w", err)
	}
	return s, nil
}

// ExternalSendersExtension returns the external_senders extension listing
// senders in order; a sender's index in the list is its Sender.Index.
func ExternalSendersExtension(senders ...ExternalSender) Extension {
	var e Encoder
	e.Vector(func(e *Encoder) {
		for i := range senders {
			senders[i].Encode(e)
		}
	})
	return Extension{ExtensionType: ExtensionExternalSenders, Data: e.Bytes()}
}

// ExternalSendersOf decodes the external_senders extension in ext; it
// returns nil when there is none.
func ExternalSendersOf(ext Extensions) ([]ExternalSender, error) {
	return externalSenders(ext)
}

// NewExternalRemove returns an MLSMessage (PublicMessage) carrying a Remove
// proposal for leaf in the group at epoch, sent by the external sender at
// senderIndex and signed with its signature private key (an Ed25519 seed).
// External senders sign without a GroupContext and carry no membership
// tag.
func NewExternalRemove(groupID []byte, epoch uint64, senderIndex, leaf uint32, sigPriv []byte) ([]byte, error) {
	return newExternalProposal(groupID, epoch, senderIndex, &Proposal{Type: ProposalRemove, Remove: &RemoveProposal{Removed: leaf}}, sigPriv)
}

// NewExternalAdd returns an MLSMessage (PublicMessage) carrying an Add
// proposal for the KeyPackage kp (an encoded MLSMessage) in the group at
// epoch, sent by the external sender at senderIndex (RFC 9420 §12.1.8).
func NewExternalAdd(groupID []byte, epoch uint64, senderIndex uint32, kp []byte, sigPriv []byte) ([]byte, error) {
	k, err := InspectKeyPackage(kp)
	if err != nil {
		return nil, err
	}
	return newExternalProposal(groupID, epoch, senderIndex, &Proposal{Type: ProposalAdd, Add: &AddProposal{KeyPackage: *k}}, sigPriv)
}

func newExternalProposal(groupID []byte, epoch uint64, senderIndex uint32, p *Proposal, sigPriv []byte) ([]byte, error) {
	ac := &AuthenticatedContent{
		WireFormat: WireFormatPublicMessage,
		Content: FramedContent{
			GroupID:           bytes.Clone(groupID),
			Epoch:             epoch,
			Sender:            Sender{Type: SenderExternal, Index: senderIndex},
			AuthenticatedData: []byte{},
			ContentType:       ContentProposal,
			Proposal:          p,
		},
	}
	if err := ac.sign(sigPriv, nil); err != nil {
		return nil, err
	}
	m := &MLSMessage{
		Version:       ProtocolVersionMLS10,
		WireFormat:    WireFormatPublicMessage,
		PublicMessage: &PublicMessage{Content: ac.Content, Auth: ac.Auth},
	}
	return m.Bytes(), nil
}

// ProposalRefOf returns the ProposalRef of a proposal sent as a
// PublicMessage: the value a commit uses to include it by reference.
func ProposalRefOf(pm *PublicMessage) []byte {
	return MakeProposalRef(pm.authenticatedContent().Bytes())
}

// VerifyExternalProposal checks the signature of a proposal sent as a
// PublicMessage by an external sender with the signature key sigPub.
func VerifyExternalProposal(pm *PublicMessage, sigPub []byte) error {
	if pm.Content.Sender.Type != SenderExternal || pm.Content.ContentType != ContentProposal {
		return fmt.Errorf("%w: not an external proposal", ErrInvalidMessage)
	}
	return pm.authenticatedContent().verify(sigPub, nil)
}
