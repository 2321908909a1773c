package mls

import (
	"testing"
)

// roundTrip decodes b with dec, re-encodes it with enc and requires the
// same bytes.
func roundTrip(t *testing.T, what string, b []byte, v codecBody) {
	t.Helper()
	if err := decodeAll(b, v.Decode); err != nil {
		t.Errorf("decode %s: %v", what, err)
		return
	}
	var e Encoder
	v.Encode(&e)
	mustEqual(t, what+" re-encoded", e.Bytes(), b)
}

func TestVectorsMessages(t *testing.T) {
	var cases []map[string]hexBytes
	loadVectors(t, "messages.json", &cases)
	vc := newVectorCount(t, "messages.json")
	suite1KeyPackages := 0
	defer func() { t.Logf("messages.json: %d suite-1 KeyPackage signatures verified", suite1KeyPackages) }()
	for i, tc := range cases {
		vc.run(i, 1, func(t *testing.T) {
			bodies := map[string]func() codecBody{
				"mls_welcome":                       func() codecBody { return new(MLSMessage) },
				"mls_group_info":                    func() codecBody { return new(MLSMessage) },
				"mls_key_package":                   func() codecBody { return new(MLSMessage) },
				"ratchet_tree":                      func() codecBody { return new(RatchetTree) },
				"group_secrets":                     func() codecBody { return new(GroupSecrets) },
				"add_proposal":                      func() codecBody { return new(AddProposal) },
				"update_proposal":                   func() codecBody { return new(UpdateProposal) },
				"remove_proposal":                   func() codecBody { return new(RemoveProposal) },
				"pre_shared_key_proposal":           func() codecBody { return new(PreSharedKeyProposal) },
				"re_init_proposal":                  func() codecBody { return new(ReInitProposal) },
				"external_init_proposal":            func() codecBody { return new(ExternalInitProposal) },
				"group_context_extensions_proposal": func() codecBody { return new(GroupContextExtensionsProposal) },
				"commit":                            func() codecBody { return new(Commit) },
				"public_message_application":        func() codecBody { return new(MLSMessage) },
				"public_message_proposal":           func() codecBody { return new(MLSMessage) },
				"public_message_commit":             func() codecBody { return new(MLSMessage) },
				"private_message":                   func() codecBody { return new(MLSMessage) },
			}
			for name, b := range tc {
				mk, ok := bodies[name]
				if !ok {
					t.Errorf("unknown field %q", name)
					continue
				}
				roundTrip(t, name, b, mk())
			}
			for name := range bodies {
				if _, ok := tc[name]; !ok {
					t.Errorf("field %q missing from the case", name)
				}
			}
			// Encodings are independent of the suite; signatures are
			// checked for suite-1 KeyPackages, the only ones we can verify.
			m := new(MLSMessage)
			if err := decodeAll(tc["mls_key_package"], m.Decode); err == nil && m.KeyPackage != nil &&
				m.KeyPackage.CipherSuite == CipherSuiteMLS128X25519 {
				if err := m.KeyPackage.Validate(LeafNodeCheck{}); err != nil {
					t.Errorf("key package: %v", err)
				}
				suite1KeyPackages++
			}
		})
	}
}

func TestVectorsTranscriptHashes(t *testing.T) {
	var cases []struct {
		CipherSuite                  uint16   `json:"cipher_suite"`
		ConfirmationKey              hexBytes `json:"confirmation_key"`
		AuthenticatedContent         hexBytes `json:"authenticated_content"`
		InterimTranscriptHashBefore  hexBytes `json:"interim_transcript_hash_before"`
		ConfirmedTranscriptHashAfter hexBytes `json:"confirmed_transcript_hash_after"`
		InterimTranscriptHashAfter   hexBytes `json:"interim_transcript_hash_after"`
	}
	loadVectors(t, "transcript-hashes.json", &cases)
	vc := newVectorCount(t, "transcript-hashes.json")
	for i, tc := range cases {
		vc.run(i, tc.CipherSuite, func(t *testing.T) {
			var ac AuthenticatedContent
			if err := decodeAll(tc.AuthenticatedContent, ac.Decode); err != nil {
				t.Fatalf("decode authenticated content: %v", err)
			}
			mustEqual(t, "authenticated content re-encoded", ac.Bytes(), tc.AuthenticatedContent)
			confirmed := confirmedTranscriptHash(tc.InterimTranscriptHashBefore, ac.confirmedTranscriptInput())
			mustEqual(t, "confirmed_transcript_hash_after", confirmed, tc.ConfirmedTranscriptHashAfter)
			mustEqual(t, "confirmation tag", confirmationTag(tc.ConfirmationKey, confirmed), ac.Auth.ConfirmationTag)
			mustEqual(t, "interim_transcript_hash_after", interimTranscriptHash(confirmed, ac.Auth.ConfirmationTag), tc.InterimTranscriptHashAfter)
		})
	}
}
