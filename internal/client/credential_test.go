package client

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/mls"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

func TestValidateCredential(t *testing.T) {
	svcPub, svcPriv, _ := ed25519.GenerateKey(rand.Reader)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	leafKey, _, _ := ed25519.GenerateKey(rand.Reader)
	issue := func(priv ed25519.PrivateKey, org string, key []byte) []byte {
		id := wire.Identity{Device: "dev1", User: "user1", Email: "ann@example.nhs.uk", Org: org, Key: key}
		id.Sign(priv)
		b, _ := json.Marshal(id)
		return b
	}
	c := &Client{prof: profile{ServiceKey: svcPub, Org: "RXX"}}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name string
		cred mls.Credential
		key  []byte
		ok   bool
	}{
		{"issued by the pinned service", mls.NewBasicCredential(issue(svcPriv, "RXX", leafKey)), leafKey, true},
		{"issued by another service", mls.NewBasicCredential(issue(otherPriv, "RXX", leafKey)), leafKey, false},
		{"for another leaf key", mls.NewBasicCredential(issue(svcPriv, "RXX", leafKey)), other, false},
		{"another organisation", mls.NewBasicCredential(issue(svcPriv, "RYY", leafKey)), leafKey, false},
		{"not JSON", mls.NewBasicCredential([]byte("ann")), leafKey, false},
		{"x509", mls.Credential{Type: mls.CredentialTypeX509, Certificates: [][]byte{{1}}}, leafKey, false},
	} {
		err := c.validateCredential(&tc.cred, tc.key)
		if (err == nil) != tc.ok {
			t.Errorf("%s: validateCredential = %v; want ok %v", tc.name, err, tc.ok)
		}
	}
}
