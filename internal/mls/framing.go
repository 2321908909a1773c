package mls

import (
	"errors"
	"fmt"
)

// WireFormat identifies the kind of an MLSMessage (RFC 9420 §6).
type WireFormat uint16

// Wire formats.
const (
	WireFormatPublicMessage  WireFormat = 1
	WireFormatPrivateMessage WireFormat = 2
	WireFormatWelcome        WireFormat = 3
	WireFormatGroupInfo      WireFormat = 4
	WireFormatKeyPackage     WireFormat = 5
)

// SenderType says who sent a message (RFC 9420 §6).
type SenderType uint8

// Sender types.
const (
	SenderMember            SenderType = 1
	SenderExternal          SenderType = 2
	SenderNewMemberProposal SenderType = 3
	SenderNewMemberCommit   SenderType = 4
)

// ContentType is the type of a message's content.
type ContentType uint8

// Content types.
const (
	ContentApplication ContentType = 1
	ContentProposal    ContentType = 2
	ContentCommit      ContentType = 3
)

// ErrInvalidMessage is returned (wrapped) when a message fails a check.
var ErrInvalidMessage = errors.New("mls: invalid message")

// Sender identifies the sender of a message.
type Sender struct {
	Type SenderType
	// Index is the leaf index of a member or the index of an external
	// sender; unused otherwise.
	Index uint32
}

// Encode appends s to e.
func (s Sender) Encode(e *Encoder) {
	e.Uint8(uint8(s.Type))
	if s.Type == SenderMember || s.Type == SenderExternal {
		e.Uint32(s.Index)
	}
}

// Decode reads s from d.
func (s *Sender) Decode(d *Decoder) {
	*s = Sender{Type: SenderType(d.Uint8())}
	switch s.Type {
	case SenderMember, SenderExternal:
		s.Index = d.Uint32()
	case SenderNewMemberProposal, SenderNewMemberCommit:
	default:
		d.Fail("invalid sender type %d", s.Type)
	}
}

// FramedContent is the authenticated content of a handshake or
// application message (RFC 9420 §6).
type FramedContent struct {
	GroupID           []byte
	Epoch             uint64
	Sender            Sender
	AuthenticatedData []byte
	ContentType       ContentType
	ApplicationData   []byte    // ContentApplication
	Proposal          *Proposal // ContentProposal
	Commit            *Commit   // ContentCommit
}

// encodeBody appends the content-type-dependent body.
func (fc *FramedContent) encodeBody(e *Encoder) {
	switch fc.ContentType {
	case ContentApplication:
		e.Opaque(fc.ApplicationData)
	case ContentProposal:
		if fc.Proposal != nil {
			fc.Proposal.Encode(e)
		}
	case ContentCommit:
		if fc.Commit != nil {
			fc.Commit.Encode(e)
		}
	}
}

// decodeBody reads the body for fc.ContentType.
func (fc *FramedContent) decodeBody(d *Decoder) {
	switch fc.ContentType {
	case ContentApplication:
		fc.ApplicationData = d.Opaque()
	case ContentProposal:
		fc.Proposal = new(Proposal)
		fc.Proposal.Decode(d)
	case ContentCommit:
		fc.Commit = new(Commit)
		fc.Commit.Decode(d)
	default:
		d.Fail("invalid content type %d", fc.ContentType)
	}
}

// Encode appends fc to e.
func (fc *FramedContent) Encode(e *Encoder) {
	e.Opaque(fc.GroupID)
	e.Uint64(fc.Epoch)
	fc.Sender.Encode(e)
	e.Opaque(fc.AuthenticatedData)
	e.Uint8(uint8(fc.ContentType))
	fc.encodeBody(e)
}

// Decode reads fc from d.
func (fc *FramedContent) Decode(d *Decoder) {
	*fc = FramedContent{}
	fc.GroupID = d.Opaque()
	fc.Epoch = d.Uint64()
	fc.Sender.Decode(d)
	fc.AuthenticatedData = d.Opaque()
	fc.ContentType = ContentType(d.Uint8())
	fc.decodeBody(d)
}

// FramedContentAuthData is the signature and, for commits, the
// confirmation tag of a message.
type FramedContentAuthData struct {
	Signature       []byte
	ConfirmationTag []byte // only for commits
}

func (a *FramedContentAuthData) encode(e *Encoder, ct ContentType) {
	e.Opaque(a.Signature)
	if ct == ContentCommit {
		e.Opaque(a.ConfirmationTag)
	}
}

func (a *FramedContentAuthData) decode(d *Decoder, ct ContentType) {
	a.Signature = d.Opaque()
	a.ConfirmationTag = nil
	if ct == ContentCommit {
		a.ConfirmationTag = d.Opaque()
	}
}

// AuthenticatedContent is a FramedContent with its authentication data and
// the wire format it travelled in.
type AuthenticatedContent struct {
	WireFormat WireFormat
	Content    FramedContent
	Auth       FramedContentAuthData
}

// Encode appends ac to e.
func (ac *AuthenticatedContent) Encode(e *Encoder) {
	e.Uint16(uint16(ac.WireFormat))
	ac.Content.Encode(e)
	ac.Auth.encode(e, ac.Content.ContentType)
}

// Decode reads ac from d.
func (ac *AuthenticatedContent) Decode(d *Decoder) {
	ac.WireFormat = WireFormat(d.Uint16())
	ac.Content.Decode(d)
	ac.Auth.decode(d, ac.Content.ContentType)
}

// Bytes returns the encoding of ac.
func (ac *AuthenticatedContent) Bytes() []byte {
	var e Encoder
	ac.Encode(&e)
	return e.Bytes()
}

// confirmedTranscriptInput encodes ConfirmedTranscriptHashInput: wire
// format, content and signature.
func (ac *AuthenticatedContent) confirmedTranscriptInput() []byte {
	var e Encoder
	e.Uint16(uint16(ac.WireFormat))
	ac.Content.Encode(&e)
	e.Opaque(ac.Auth.Signature)
	return e.Bytes()
}

// tbs encodes FramedContentTBS. gc is required for member and
// new-member-commit senders.
func (ac *AuthenticatedContent) tbs(gc *GroupContext) []byte {
	var e Encoder
	e.Uint16(ProtocolVersionMLS10)
	e.Uint16(uint16(ac.WireFormat))
	ac.Content.Encode(&e)
	if t := ac.Content.Sender.Type; t == SenderMember || t == SenderNewMemberCommit {
		if gc != nil {
			gc.Encode(&e)
		}
	}
	return e.Bytes()
}

// sign sets the signature over FramedContentTBS.
func (ac *AuthenticatedContent) sign(sigPriv []byte, gc *GroupContext) error {
	sig, err := SignWithLabel(sigPriv, "FramedContentTBS", ac.tbs(gc))
	if err != nil {
		return fmt.Errorf("sign content: %w", err)
	}
	ac.Auth.Signature = sig
	return nil
}

// verify checks the signature over FramedContentTBS with the sender's key.
func (ac *AuthenticatedContent) verify(sigPub []byte, gc *GroupContext) error {
	if err := VerifyWithLabel(sigPub, "FramedContentTBS", ac.tbs(gc), ac.Auth.Signature); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	return nil
}

// membershipTag computes MAC(membership_key, AuthenticatedContentTBM).
func (ac *AuthenticatedContent) membershipTag(membershipKey []byte, gc *GroupContext) []byte {
	pm := PublicMessage{Content: ac.Content, Auth: ac.Auth}
	return MAC(membershipKey, pm.membershipInput(gc))
}

// PublicMessage is a signed, unencrypted handshake message (RFC 9420 §6.2).
type PublicMessage struct {
	Content       FramedContent
	Auth          FramedContentAuthData
	MembershipTag []byte // only for member senders
}

// Encode appends m to e.
func (m *PublicMessage) Encode(e *Encoder) {
	m.Content.Encode(e)
	m.Auth.encode(e, m.Content.ContentType)
	if m.Content.Sender.Type == SenderMember {
		e.Opaque(m.MembershipTag)
	}
}

// Decode reads m from d.
func (m *PublicMessage) Decode(d *Decoder) {
	m.Content.Decode(d)
	m.Auth.decode(d, m.Content.ContentType)
	m.MembershipTag = nil
	if m.Content.Sender.Type == SenderMember {
		m.MembershipTag = d.Opaque()
	}
}

// authenticatedContent returns m as an AuthenticatedContent.
func (m *PublicMessage) authenticatedContent() *AuthenticatedContent {
	return &AuthenticatedContent{WireFormat: WireFormatPublicMessage, Content: m.Content, Auth: m.Auth}
}

// MLSMessage is the outer envelope of every MLS message (RFC 9420 §6).
// Exactly the field matching WireFormat is set.
type MLSMessage struct {
	Version        uint16
	WireFormat     WireFormat
	PublicMessage  *PublicMessage
	PrivateMessage *PrivateMessage
	Welcome        *Welcome
	GroupInfo      *GroupInfo
	KeyPackage     *KeyPackage
}

// Encode appends m to e.
func (m *MLSMessage) Encode(e *Encoder) {
	e.Uint16(m.Version)
	e.Uint16(uint16(m.WireFormat))
	switch {
	case m.WireFormat == WireFormatPublicMessage && m.PublicMessage != nil:
		m.PublicMessage.Encode(e)
	case m.WireFormat == WireFormatPrivateMessage && m.PrivateMessage != nil:
		m.PrivateMessage.Encode(e)
	case m.WireFormat == WireFormatWelcome && m.Welcome != nil:
		m.Welcome.Encode(e)
	case m.WireFormat == WireFormatGroupInfo && m.GroupInfo != nil:
		m.GroupInfo.Encode(e)
	case m.WireFormat == WireFormatKeyPackage && m.KeyPackage != nil:
		m.KeyPackage.Encode(e)
	}
}

// Decode reads m from d.
func (m *MLSMessage) Decode(d *Decoder) {
	*m = MLSMessage{Version: d.Uint16(), WireFormat: WireFormat(d.Uint16())}
	if d.Err() == nil && m.Version != ProtocolVersionMLS10 {
		d.Fail("unsupported protocol version %d", m.Version)
		return
	}
	switch m.WireFormat {
	case WireFormatPublicMessage:
		m.PublicMessage = new(PublicMessage)
		m.PublicMessage.Decode(d)
	case WireFormatPrivateMessage:
		m.PrivateMessage = new(PrivateMessage)
		m.PrivateMessage.Decode(d)
	case WireFormatWelcome:
		m.Welcome = new(Welcome)
		m.Welcome.Decode(d)
	case WireFormatGroupInfo:
		m.GroupInfo = new(GroupInfo)
		m.GroupInfo.Decode(d)
	case WireFormatKeyPackage:
		m.KeyPackage = new(KeyPackage)
		m.KeyPackage.Decode(d)
	default:
		d.Fail("invalid wire format %d", m.WireFormat)
	}
}

// Bytes returns the encoding of m.
func (m *MLSMessage) Bytes() []byte {
	var e Encoder
	m.Encode(&e)
	return e.Bytes()
}

// DecodeMLSMessage decodes an MLSMessage that must fill b exactly.
func DecodeMLSMessage(b []byte) (*MLSMessage, error) {
	m := new(MLSMessage)
	if err := decodeAll(b, m.Decode); err != nil {
		return nil, fmt.Errorf("decode message: %w", err)
	}
	return m, nil
}

// newPublicMessage wraps a signed member content as a PublicMessage with
// its membership tag.
func newPublicMessage(ac *AuthenticatedContent, membershipKey []byte, gc *GroupContext) *PublicMessage {
	pm := &PublicMessage{Content: ac.Content, Auth: ac.Auth}
	if ac.Content.Sender.Type == SenderMember {
		pm.MembershipTag = ac.membershipTag(membershipKey, gc)
	}
	return pm
}

// checkMembershipTag verifies a member's PublicMessage membership tag.
func (m *PublicMessage) checkMembershipTag(membershipKey []byte, gc *GroupContext) error {
	if m.Content.Sender.Type != SenderMember {
		return nil
	}
	if !verifyMAC(membershipKey, m.membershipInput(gc), m.MembershipTag) {
		return fmt.Errorf("%w: bad membership tag", ErrInvalidMessage)
	}
	return nil
}

func (m *PublicMessage) membershipInput(gc *GroupContext) []byte {
	ac := m.authenticatedContent()
	var e Encoder
	e.Raw(ac.tbs(gc))
	ac.Auth.encode(&e, ac.Content.ContentType)
	return e.Bytes()
}
