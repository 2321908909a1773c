package mls

import (
	"fmt"
)

// This file holds what a delivery service can read from group messages
// without the group's secrets. It cannot check a member's signature or
// membership tag (both need the GroupContext), so what it reads is only as
// trustworthy as the authenticated connection it arrived on.

// CommitProposal is one proposal of a commit as a delivery service sees it.
type CommitProposal struct {
	// Reference is set when the commit names a proposal by reference.
	Reference []byte
	// Proposal is set when the commit carries the proposal by value.
	Proposal *Proposal
	// KeyPackageRef is the KeyPackageRef of an Add proposal's KeyPackage.
	KeyPackageRef []byte
}

// CommitInfo is what a delivery service reads from a commit.
type CommitInfo struct {
	GroupID   []byte
	Epoch     uint64
	Sender    Sender
	Proposals []CommitProposal
	HasPath   bool
}

// InspectCommit decodes an MLSMessage that must be a PublicMessage
// carrying a commit, and lists its proposals.
func InspectCommit(b []byte) (*CommitInfo, error) {
	m, err := DecodeMLSMessage(b)
	if err != nil {
		return nil, err
	}
	if m.WireFormat != WireFormatPublicMessage || m.PublicMessage == nil {
		return nil, fmt.Errorf("%w: a commit must be sent as a PublicMessage", ErrInvalidMessage)
	}
	fc := &m.PublicMessage.Content
	if fc.ContentType != ContentCommit || fc.Commit == nil {
		return nil, fmt.Errorf("%w: the message is not a commit", ErrInvalidMessage)
	}
	info := &CommitInfo{GroupID: fc.GroupID, Epoch: fc.Epoch, Sender: fc.Sender, HasPath: fc.Commit.Path != nil}
	for _, por := range fc.Commit.Proposals {
		var cp CommitProposal
		switch por.Type {
		case ProposalOrRefReference:
			cp.Reference = por.Reference
		case ProposalOrRefProposal:
			cp.Proposal = por.Proposal
			if por.Proposal.Type == ProposalAdd && por.Proposal.Add != nil {
				cp.KeyPackageRef = por.Proposal.Add.KeyPackage.Ref()
			}
		}
		info.Proposals = append(info.Proposals, cp)
	}
	return info, nil
}

// PrivateHeader is the unencrypted header of a PrivateMessage.
type PrivateHeader struct {
	GroupID     []byte
	Epoch       uint64
	ContentType ContentType
}

// InspectPrivateHeader decodes an MLSMessage that must be a PrivateMessage
// and returns its unencrypted header.
func InspectPrivateHeader(b []byte) (PrivateHeader, error) {
	d := NewDecoder(b)
	version, wf := d.Uint16(), WireFormat(d.Uint16())
	if err := d.Err(); err != nil {
		return PrivateHeader{}, fmt.Errorf("decode message: %w", err)
	}
	if version != ProtocolVersionMLS10 {
		return PrivateHeader{}, fmt.Errorf("%w: protocol version %d", ErrInvalidMessage, version)
	}
	if wf != WireFormatPrivateMessage {
		return PrivateHeader{}, fmt.Errorf("%w: wire format %d where a PrivateMessage is required", ErrInvalidMessage, wf)
	}
	var pm PrivateMessage
	pm.Decode(d)
	if err := d.Finish(); err != nil {
		return PrivateHeader{}, fmt.Errorf("decode message: %w", err)
	}
	return PrivateHeader{GroupID: pm.GroupID, Epoch: pm.Epoch, ContentType: pm.ContentType}, nil
}

// InspectKeyPackage decodes an MLSMessage that must carry a KeyPackage.
func InspectKeyPackage(b []byte) (*KeyPackage, error) {
	m, err := DecodeMLSMessage(b)
	if err != nil {
		return nil, err
	}
	if m.WireFormat != WireFormatKeyPackage || m.KeyPackage == nil {
		return nil, fmt.Errorf("%w: the message is not a KeyPackage", ErrInvalidMessage)
	}
	return m.KeyPackage, nil
}
