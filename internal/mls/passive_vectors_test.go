package mls

import (
	"bytes"
	"testing"
)

type passiveClientCase struct {
	CipherSuite  uint16 `json:"cipher_suite"`
	ExternalPSKs []struct {
		ID  hexBytes `json:"psk_id"`
		PSK hexBytes `json:"psk"`
	} `json:"external_psks"`
	KeyPackage                hexBytes `json:"key_package"`
	SignaturePriv             hexBytes `json:"signature_priv"`
	EncryptionPriv            hexBytes `json:"encryption_priv"`
	InitPriv                  hexBytes `json:"init_priv"`
	Welcome                   hexBytes `json:"welcome"`
	RatchetTree               hexBytes `json:"ratchet_tree"`
	InitialEpochAuthenticator hexBytes `json:"initial_epoch_authenticator"`
	Epochs                    []struct {
		Proposals          []hexBytes `json:"proposals"`
		Commit             hexBytes   `json:"commit"`
		EpochAuthenticator hexBytes   `json:"epoch_authenticator"`
	} `json:"epochs"`
}

func runPassiveClient(t *testing.T, tc *passiveClientCase) {
	psks := make(map[string][]byte)
	for _, p := range tc.ExternalPSKs {
		psks[string(p.ID)] = p.PSK
	}
	cfg := Config{ExternalPSK: func(id []byte) ([]byte, bool) {
		s, ok := psks[string(id)]
		return s, ok
	}, PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true}
	kpMsg, err := DecodeMLSMessage(tc.KeyPackage)
	if err != nil || kpMsg.KeyPackage == nil {
		t.Fatalf("decode key package: %v", err)
	}
	kp := kpMsg.KeyPackage
	if pub, err := SignaturePublicKey(tc.SignaturePriv); err != nil || !bytes.Equal(pub, kp.LeafNode.SignatureKey) {
		t.Fatalf("signature_priv does not match the key package (%v)", err)
	}
	if pub, err := HPKEPublicKeyOf(tc.EncryptionPriv); err != nil || !bytes.Equal(pub, kp.LeafNode.EncryptionKey) {
		t.Fatalf("encryption_priv does not match the key package (%v)", err)
	}
	if pub, err := HPKEPublicKeyOf(tc.InitPriv); err != nil || !bytes.Equal(pub, kp.InitKey) {
		t.Fatalf("init_priv does not match the key package (%v)", err)
	}
	wMsg, err := DecodeMLSMessage(tc.Welcome)
	if err != nil || wMsg.Welcome == nil {
		t.Fatalf("decode welcome: %v", err)
	}
	var tree *RatchetTree
	if len(tc.RatchetTree) > 0 {
		if tree, err = DecodeRatchetTree(tc.RatchetTree); err != nil {
			t.Fatalf("decode ratchet tree: %v", err)
		}
	}
	priv := &KeyPackagePrivate{InitPriv: tc.InitPriv, EncryptionPriv: tc.EncryptionPriv, SignaturePriv: tc.SignaturePriv}
	g, err := JoinGroup(cfg, wMsg.Welcome, kp, priv, tree)
	if err != nil {
		t.Fatalf("JoinGroup: %v", err)
	}
	mustEqual(t, "initial epoch authenticator", g.EpochAuthenticator(), tc.InitialEpochAuthenticator)
	for n, ep := range tc.Epochs {
		for j, p := range ep.Proposals {
			if _, err := g.Process(p); err != nil {
				t.Fatalf("epoch %d: proposal %d: %v", n, j, err)
			}
		}
		r, err := g.Process(ep.Commit)
		if err != nil {
			t.Fatalf("epoch %d: commit: %v", n, err)
		}
		if !r.NewEpoch {
			t.Fatalf("epoch %d: commit did not start a new epoch", n)
		}
		if !bytes.Equal(g.EpochAuthenticator(), ep.EpochAuthenticator) {
			t.Fatalf("epoch %d: epoch authenticator = %x; want %x", n, g.EpochAuthenticator(), ep.EpochAuthenticator)
		}
	}
}

func testPassive(t *testing.T, file string) {
	var cases []passiveClientCase
	loadVectors(t, file, &cases)
	vc := newVectorCount(t, file)
	for i := range cases {
		vc.run(i, cases[i].CipherSuite, func(t *testing.T) { runPassiveClient(t, &cases[i]) })
	}
}

func TestVectorsPassiveClientWelcome(t *testing.T) { testPassive(t, "passive-client-welcome.json") }

func TestVectorsPassiveClientHandlingCommit(t *testing.T) {
	testPassive(t, "passive-client-handling-commit.json")
}

func TestVectorsPassiveClientRandom(t *testing.T) { testPassive(t, "passive-client-random.json") }
