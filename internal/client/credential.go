package client

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// identity is the content of a member's BasicCredential: the server's
// signed statement binding a device's signature key to an account.
type identity struct {
	V      int    `json:"v"`
	Device string `json:"device"`
	User   string `json:"user"`
	Email  string `json:"email"`
	Org    string `json:"org"`
	Key    []byte `json:"key"`
	Sig    []byte `json:"sig"`
}

// credentialTBS is what the service signs (docs/messaging.md).
func (id *identity) tbs() []byte {
	s := "switchboard credential v1\x00" + id.Device + "\x00" + id.User + "\x00" + id.Email + "\x00" + id.Org + "\x00"
	return append([]byte(s), id.Key...)
}

// parseIdentity decodes a credential identity and checks the service's
// signature on it.
func parseIdentity(b, serviceKey []byte) (*identity, error) {
	var id identity
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, fmt.Errorf("credential identity: %w", err)
	}
	if id.V != 1 || id.Device == "" || id.Email == "" || len(id.Key) != ed25519.PublicKeySize {
		return nil, errors.New("credential identity: malformed")
	}
	if len(serviceKey) != ed25519.PublicKeySize || !ed25519.Verify(serviceKey, id.tbs(), id.Sig) {
		return nil, errors.New("credential identity: the service signature does not verify")
	}
	return &id, nil
}

// validateCredential is the group's authentication-service hook: a leaf
// is accepted only with a basic credential signed by the pinned service
// key, for this organisation, naming the leaf's own signature key.
func (c *Client) validateCredential(cr *mls.Credential, signatureKey []byte) error {
	if cr.Type != mls.CredentialTypeBasic {
		return errors.New("credential is not basic")
	}
	id, err := parseIdentity(cr.Identity, c.prof.ServiceKey)
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
	return mls.Config{ValidateCredential: c.validateCredential, Now: c.now}
}

// credential returns this device's MLS credential.
func (c *Client) credential() mls.Credential { return mls.NewBasicCredential(c.prof.Identity) }

// memberIdentity returns the identity of the member at leaf, or nil.
func memberIdentity(g *mls.Group, leaf uint32, serviceKey []byte) *identity {
	for _, m := range g.Members() {
		if m.Leaf == leaf {
			id, err := parseIdentity(m.Credential.Identity, serviceKey)
			if err != nil {
				return nil
			}
			return id
		}
	}
	return nil
}
