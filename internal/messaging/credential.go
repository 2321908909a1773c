package messaging

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// VerifyIdentity checks a credential identity issued by the service whose
// public key is serviceKey, and returns the device it names. Clients do
// the same check with the key they pinned.
func VerifyIdentity(serviceKey, identity, signatureKey []byte) (device string, err error) {
	id, err := wire.ParseIdentity(identity, serviceKey)
	if err != nil {
		return "", fmt.Errorf("credential identity is not a Switchboard credential the service issued")
	}
	if !bytes.Equal(id.Key, signatureKey) {
		return "", fmt.Errorf("credential is for another signature key")
	}
	return id.Device, nil
}

// RegisterCredential binds the calling device's MLS signature key to its
// account and returns the credential identity. Registering the same key
// again returns the same identity; a new key replaces the old (and the
// device's KeyPackages), which is audited so that others can be warned.
func (s *Service) RegisterCredential(ctx context.Context, p *identity.Principal, signatureKey []byte) ([]byte, error) {
	if len(signatureKey) != ed25519.PublicKeySize {
		return nil, fault.Invalidf("The signature key must be a 32-byte Ed25519 public key, in base64.")
	}
	old, err := s.store.Credential(ctx, p.Device.ID)
	switch {
	case err == nil && bytes.Equal(old.SignatureKey, signatureKey):
		return old.Identity, nil
	case err != nil && !fault.Is(err, fault.NotFound):
		return nil, fmt.Errorf("register credential: %w", err)
	}
	id := wire.Identity{Device: p.Device.ID, User: p.User.ID, Email: p.User.Email, Org: p.Org.ODS, Key: signatureKey}
	id.Sign(s.signer)
	b, err := json.Marshal(id)
	if err != nil {
		return nil, fmt.Errorf("register credential: %w", err)
	}
	action := "mls.credential.issue"
	if old != nil {
		action = "mls.credential.change"
	}
	now := s.now()
	ev := audit.Event{At: now, OrgID: p.Org.ID, Actor: p.User.ID, Action: action, Target: p.Device.ID, Addr: p.Session.Addr}
	c := &Credential{Device: p.Device.ID, SignatureKey: signatureKey, Identity: b, CreatedAt: now}
	if err := s.store.PutCredential(ctx, c, ev); err != nil {
		return nil, fmt.Errorf("register credential: %w", err)
	}
	return b, nil
}
