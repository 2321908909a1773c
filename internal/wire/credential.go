package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
)

// Identity is the BasicCredential identity the authentication service
// issues to a device: who the device belongs to, its signature key, and
// the service's Ed25519 signature over TBS.
type Identity struct {
	V      int    `json:"v"`
	Device string `json:"device"`
	User   string `json:"user"`
	Email  string `json:"email"`
	Org    string `json:"org"` // the organisation's ODS code
	Key    []byte `json:"key"` // the device's MLS signature key
	Sig    []byte `json:"sig"`
}

// TBS returns the bytes the service signs: a label, then device, user,
// email and organisation each followed by a zero byte, then the key.
func (id *Identity) TBS() []byte {
	var b bytes.Buffer
	b.WriteString("switchboard credential v1\x00")
	for _, f := range []string{id.Device, id.User, id.Email, id.Org} {
		b.WriteString(f)
		b.WriteByte(0)
	}
	b.Write(id.Key)
	return b.Bytes()
}

// Sign sets V and signs the identity with the service's private key.
func (id *Identity) Sign(service ed25519.PrivateKey) {
	id.V = 1
	id.Sig = ed25519.Sign(service, id.TBS())
}

// Errors of ParseIdentity.
var (
	ErrMalformedIdentity = errors.New("credential identity: malformed")
	ErrIdentitySignature = errors.New("credential identity: the service signature does not verify")
)

// ParseIdentity decodes a credential identity and checks the service's
// signature on it with serviceKey.
func ParseIdentity(b, serviceKey []byte) (*Identity, error) {
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, ErrMalformedIdentity
	}
	if id.V != 1 || id.Device == "" || id.Email == "" || len(id.Key) != ed25519.PublicKeySize {
		return nil, ErrMalformedIdentity
	}
	if len(serviceKey) != ed25519.PublicKeySize || !ed25519.Verify(serviceKey, id.TBS(), id.Sig) {
		return nil, ErrIdentitySignature
	}
	return &id, nil
}
