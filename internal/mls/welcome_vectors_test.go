package mls

import "testing"

func TestVectorsWelcome(t *testing.T) {
	var cases []struct {
		CipherSuite uint16   `json:"cipher_suite"`
		InitPriv    hexBytes `json:"init_priv"`
		KeyPackage  hexBytes `json:"key_package"`
		SignerPub   hexBytes `json:"signer_pub"`
		Welcome     hexBytes `json:"welcome"`
	}
	loadVectors(t, "welcome.json", &cases)
	vc := newVectorCount(t, "welcome.json")
	for i, tc := range cases {
		vc.run(i, tc.CipherSuite, func(t *testing.T) {
			kpMsg, err := DecodeMLSMessage(tc.KeyPackage)
			if err != nil || kpMsg.KeyPackage == nil {
				t.Fatalf("decode key package: %v", err)
			}
			wMsg, err := DecodeMLSMessage(tc.Welcome)
			if err != nil || wMsg.Welcome == nil {
				t.Fatalf("decode welcome: %v", err)
			}
			noPSKs := func(ids []PreSharedKeyID) ([]pskInput, error) {
				if len(ids) > 0 {
					return nil, ErrUnknownPSK
				}
				return nil, nil
			}
			gs, gi, psk, err := openWelcome(wMsg.Welcome, kpMsg.KeyPackage, tc.InitPriv, noPSKs)
			if err != nil {
				t.Fatalf("open welcome: %v", err)
			}
			if err := gi.verify(tc.SignerPub); err != nil {
				t.Errorf("GroupInfo signature: %v", err)
			}
			s, err := deriveEpochSecrets(gs.JoinerSecret, psk, gi.GroupContext.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "confirmation tag", confirmationTag(s.confirmation, gi.GroupContext.ConfirmedTranscriptHash), gi.ConfirmationTag)
			if _, _, _, err := openWelcome(wMsg.Welcome, kpMsg.KeyPackage, make([]byte, 32), noPSKs); err == nil {
				t.Error("welcome opened with the wrong init key")
			}
		})
	}
}
