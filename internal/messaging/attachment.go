package messaging

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// PutAttachment stores a client-encrypted blob in a conversation the
// calling device is in.
func (s *Service) PutAttachment(ctx context.Context, p *identity.Principal, conv string, data []byte) (string, error) {
	if _, _, err := s.member(ctx, p, conv); err != nil {
		return "", err
	}
	if len(data) == 0 {
		return "", fault.Invalidf("The attachment is empty; send the encrypted bytes as the request body.")
	}
	if int64(len(data)) > s.limits.MaxAttachment {
		return "", fault.Invalidf(fmt.Sprintf("Attachments are limited to %d MiB.", s.limits.MaxAttachment>>20))
	}
	a := &Attachment{ID: newID(), Conversation: conv, Device: p.Device.ID, Size: int64(len(data)), Data: data, CreatedAt: s.now()}
	q := Quota{User: p.User.ID, Org: p.Org.ID, PersonBytes: int64(p.Org.Policy.PersonQuota()) << 20,
		OrgBytes: int64(p.Org.Policy.OrgQuota()) << 20}
	if err := s.store.PutAttachment(ctx, a, q); err != nil {
		var over *OverQuota
		if errors.As(err, &over) && over.Org {
			return "", fault.Wrap(fault.Conflict, fmt.Sprintf("Your organisation has used its %d MiB for attachments, so this one was not stored; ask an admin to raise the quota (Admin → Attachment quotas).", over.Limit>>20), err)
		}
		if errors.As(err, &over) {
			return "", fault.Wrap(fault.Conflict, fmt.Sprintf("You have used your %d MiB for attachments, so this one was not stored; ask an admin to raise your quota (Admin → Attachment quotas).", over.Limit>>20), err)
		}
		return "", fmt.Errorf("store attachment: %w", err)
	}
	return a.ID, nil
}

// Attachment returns a blob to a current member of its conversation.
func (s *Service) Attachment(ctx context.Context, p *identity.Principal, id string) (*Attachment, error) {
	notFound := fault.New(fault.NotFound, "There is no such attachment, or this device is not in its conversation.")
	a, err := s.store.Attachment(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if _, _, err := s.member(ctx, p, a.Conversation); err != nil {
		return nil, notFound
	}
	return a, nil
}
