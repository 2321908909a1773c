package client

import (
	"errors"

	"github.com/switchboard-nhs/switchboard/internal/mls"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// validateCredential is the group's authentication-service hook: a leaf
// is accepted only with a basic credential signed by the pinned service
// key, for this organisation, naming the leaf's own signature key.
func (c *Client) validateCredential(cr *mls.Credential, signatureKey []byte) error {
	if cr.Type != mls.CredentialTypeBasic {
		return errors.New("credential is not basic")
	}
	id, err := wire.ParseIdentity(cr.Identity, c.prof.ServiceKey)
	if err != nil {
		return err
	}
	if !equalBytes(id.Key, signatureKey) {
		return errors.New("credential names another signature key")
	}
	if id.Org != c.prof.Org {
		return errors.New("credential belongs to another organisation")
	}
	return nil
}

// mlsConfig is the configuration of every group this device is in.
func (c *Client) mlsConfig() mls.Config {
	// The server reads commits to learn membership, so handshakes are
	// PublicMessages; application messages are always encrypted.
	return mls.Config{ValidateCredential: c.validateCredential, Now: c.now, PublicHandshake: true}
}

// credential returns this device's MLS credential.
func (c *Client) credential() mls.Credential { return mls.NewBasicCredential(c.prof.Identity) }

// memberIdentity returns the identity of the member at leaf, or nil.
func memberIdentity(g *mls.Group, leaf uint32, serviceKey []byte) *wire.Identity {
	for _, m := range g.Members() {
		if m.Leaf == leaf {
			id, err := wire.ParseIdentity(m.Credential.Identity, serviceKey)
			if err != nil {
				return nil
			}
			return id
		}
	}
	return nil
}
