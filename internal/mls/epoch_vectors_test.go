package mls

import "testing"

func TestVectorsSecretTree(t *testing.T) {
	var cases []struct {
		CipherSuite uint16 `json:"cipher_suite"`
		SenderData  struct {
			Secret     hexBytes `json:"sender_data_secret"`
			Ciphertext hexBytes `json:"ciphertext"`
			Key        hexBytes `json:"key"`
			Nonce      hexBytes `json:"nonce"`
		} `json:"sender_data"`
		EncryptionSecret hexBytes `json:"encryption_secret"`
		Leaves           [][]struct {
			Generation       uint32   `json:"generation"`
			ApplicationKey   hexBytes `json:"application_key"`
			ApplicationNonce hexBytes `json:"application_nonce"`
			HandshakeKey     hexBytes `json:"handshake_key"`
			HandshakeNonce   hexBytes `json:"handshake_nonce"`
		} `json:"leaves"`
	}
	loadVectors(t, "secret-tree.json", &cases)
	vc := newVectorCount(t, "secret-tree.json")
	for i, tc := range cases {
		vc.run(i, tc.CipherSuite, func(t *testing.T) {
			kn, err := senderDataKeyNonce(tc.SenderData.Secret, tc.SenderData.Ciphertext)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "sender data key", kn.key, tc.SenderData.Key)
			mustEqual(t, "sender data nonce", kn.nonce, tc.SenderData.Nonce)

			st := newSecretTree(tc.EncryptionSecret, uint32(len(tc.Leaves)))
			for leaf, gens := range tc.Leaves {
				for _, g := range gens {
					hs, err := st.get(leafIndex(leaf), HandshakeRatchet, g.Generation)
					if err != nil {
						t.Fatalf("leaf %d handshake generation %d: %v", leaf, g.Generation, err)
					}
					mustEqual(t, "handshake key", hs.key, g.HandshakeKey)
					mustEqual(t, "handshake nonce", hs.nonce, g.HandshakeNonce)
					as, err := st.get(leafIndex(leaf), ApplicationRatchet, g.Generation)
					if err != nil {
						t.Fatalf("leaf %d application generation %d: %v", leaf, g.Generation, err)
					}
					mustEqual(t, "application key", as.key, g.ApplicationKey)
					mustEqual(t, "application nonce", as.nonce, g.ApplicationNonce)
					if _, err := st.get(leafIndex(leaf), ApplicationRatchet, g.Generation); err == nil {
						t.Errorf("leaf %d generation %d: key handed out twice", leaf, g.Generation)
					}
				}
			}
		})
	}
}

func TestSecretTreeOutOfOrderWindow(t *testing.T) {
	st := newSecretTree(make([]byte, HashLen), 4)
	if _, err := st.get(1, ApplicationRatchet, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := st.get(1, ApplicationRatchet, 3); err != nil {
		t.Errorf("skipped generation 3 = %v; want its key", err)
	}
	if _, err := st.get(1, ApplicationRatchet, 3); err == nil {
		t.Error("generation 3 accepted twice")
	}
	if _, err := st.get(1, ApplicationRatchet, 11+maxForwardGenerations+1); err == nil {
		t.Error("generation beyond the forward window accepted")
	}
	if _, err := st.get(1, ApplicationRatchet, 11+maxSkippedKeys+5); err != nil {
		t.Fatal(err)
	}
	if _, err := st.get(1, ApplicationRatchet, 11); err == nil {
		t.Error("generation older than the skipped-key window accepted")
	}
	if _, err := st.get(4, ApplicationRatchet, 0); err == nil {
		t.Error("leaf outside the tree accepted")
	}
}

func TestVectorsPSKSecret(t *testing.T) {
	var cases []struct {
		CipherSuite uint16 `json:"cipher_suite"`
		PSKs        []struct {
			ID    hexBytes `json:"psk_id"`
			PSK   hexBytes `json:"psk"`
			Nonce hexBytes `json:"psk_nonce"`
		} `json:"psks"`
		PSKSecret hexBytes `json:"psk_secret"`
	}
	loadVectors(t, "psk_secret.json", &cases)
	vc := newVectorCount(t, "psk_secret.json")
	for i, tc := range cases {
		vc.run(i, tc.CipherSuite, func(t *testing.T) {
			var in []pskInput
			for _, p := range tc.PSKs {
				in = append(in, pskInput{ID: PreSharedKeyID{Type: PSKExternal, ID: p.ID, Nonce: p.Nonce}, PSK: p.PSK})
			}
			got, err := pskSecret(in)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "psk_secret", got, tc.PSKSecret)
		})
	}
}

func TestVectorsKeySchedule(t *testing.T) {
	type exporter struct {
		Label   string   `json:"label"`
		Context hexBytes `json:"context"`
		Length  int      `json:"length"`
		Secret  hexBytes `json:"secret"`
	}
	var cases []struct {
		CipherSuite       uint16   `json:"cipher_suite"`
		GroupID           hexBytes `json:"group_id"`
		InitialInitSecret hexBytes `json:"initial_init_secret"`
		Epochs            []struct {
			TreeHash                hexBytes `json:"tree_hash"`
			CommitSecret            hexBytes `json:"commit_secret"`
			PSKSecret               hexBytes `json:"psk_secret"`
			ConfirmedTranscriptHash hexBytes `json:"confirmed_transcript_hash"`
			GroupContext            hexBytes `json:"group_context"`
			JoinerSecret            hexBytes `json:"joiner_secret"`
			WelcomeSecret           hexBytes `json:"welcome_secret"`
			InitSecret              hexBytes `json:"init_secret"`
			SenderDataSecret        hexBytes `json:"sender_data_secret"`
			EncryptionSecret        hexBytes `json:"encryption_secret"`
			ExporterSecret          hexBytes `json:"exporter_secret"`
			EpochAuthenticator      hexBytes `json:"epoch_authenticator"`
			ExternalSecret          hexBytes `json:"external_secret"`
			ConfirmationKey         hexBytes `json:"confirmation_key"`
			MembershipKey           hexBytes `json:"membership_key"`
			ResumptionPSK           hexBytes `json:"resumption_psk"`
			ExternalPub             hexBytes `json:"external_pub"`
			Exporter                exporter `json:"exporter"`
		} `json:"epochs"`
	}
	loadVectors(t, "key-schedule.json", &cases)
	vc := newVectorCount(t, "key-schedule.json")
	for i, tc := range cases {
		vc.run(i, tc.CipherSuite, func(t *testing.T) {
			initSecret := []byte(tc.InitialInitSecret)
			for n, ep := range tc.Epochs {
				gc := GroupContext{
					Version: ProtocolVersionMLS10, CipherSuite: CipherSuite(tc.CipherSuite),
					GroupID: tc.GroupID, Epoch: uint64(n), TreeHash: ep.TreeHash,
					ConfirmedTranscriptHash: ep.ConfirmedTranscriptHash,
				}
				gcBytes := gc.Bytes()
				mustEqual(t, "group_context", gcBytes, ep.GroupContext)
				joiner, err := joinerSecret(initSecret, ep.CommitSecret, gcBytes)
				if err != nil {
					t.Fatal(err)
				}
				mustEqual(t, "joiner_secret", joiner, ep.JoinerSecret)
				s, err := deriveEpochSecrets(joiner, ep.PSKSecret, gcBytes)
				if err != nil {
					t.Fatal(err)
				}
				mustEqual(t, "welcome_secret", s.welcome, ep.WelcomeSecret)
				mustEqual(t, "init_secret", s.init, ep.InitSecret)
				mustEqual(t, "sender_data_secret", s.senderData, ep.SenderDataSecret)
				mustEqual(t, "encryption_secret", s.encryption, ep.EncryptionSecret)
				mustEqual(t, "exporter_secret", s.exporter, ep.ExporterSecret)
				mustEqual(t, "epoch_authenticator", s.authentication, ep.EpochAuthenticator)
				mustEqual(t, "external_secret", s.external, ep.ExternalSecret)
				mustEqual(t, "confirmation_key", s.confirmation, ep.ConfirmationKey)
				mustEqual(t, "membership_key", s.membership, ep.MembershipKey)
				mustEqual(t, "resumption_psk", s.resumption, ep.ResumptionPSK)
				pub, err := externalPublicKey(s.external)
				if err != nil {
					t.Fatal(err)
				}
				mustEqual(t, "external_pub", pub, ep.ExternalPub)
				x := ep.Exporter
				exported, err := exportSecret(s.exporter, x.Label, x.Context, x.Length)
				if err != nil {
					t.Fatal(err)
				}
				mustEqual(t, "exporter secret", exported, x.Secret)
				initSecret = s.init
			}
		})
	}
}
