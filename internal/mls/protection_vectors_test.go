package mls

import (
	"testing"
)

func TestVectorsMessageProtection(t *testing.T) {
	var cases []struct {
		CipherSuite             uint16   `json:"cipher_suite"`
		GroupID                 hexBytes `json:"group_id"`
		Epoch                   uint64   `json:"epoch"`
		TreeHash                hexBytes `json:"tree_hash"`
		ConfirmedTranscriptHash hexBytes `json:"confirmed_transcript_hash"`
		SignaturePriv           hexBytes `json:"signature_priv"`
		SignaturePub            hexBytes `json:"signature_pub"`
		EncryptionSecret        hexBytes `json:"encryption_secret"`
		SenderDataSecret        hexBytes `json:"sender_data_secret"`
		MembershipKey           hexBytes `json:"membership_key"`
		Proposal                hexBytes `json:"proposal"`
		ProposalPriv            hexBytes `json:"proposal_priv"`
		ProposalPub             hexBytes `json:"proposal_pub"`
		Commit                  hexBytes `json:"commit"`
		CommitPriv              hexBytes `json:"commit_priv"`
		CommitPub               hexBytes `json:"commit_pub"`
		Application             hexBytes `json:"application"`
		ApplicationPriv         hexBytes `json:"application_priv"`
	}
	loadVectors(t, "message-protection.json", &cases)
	vc := newVectorCount(t, "message-protection.json")
	for i, tc := range cases {
		vc.run(i, tc.CipherSuite, func(t *testing.T) {
			gc := &GroupContext{
				Version: ProtocolVersionMLS10, CipherSuite: CipherSuite(tc.CipherSuite),
				GroupID: tc.GroupID, Epoch: tc.Epoch, TreeHash: tc.TreeHash,
				ConfirmedTranscriptHash: tc.ConfirmedTranscriptHash,
			}
			// The vectors use a two-member group with leaf 1 as sender; each
			// message is protected independently, at generation 0.
			var recv, send, recvOwn *secretTree

			body := func(ac *AuthenticatedContent) []byte {
				var e Encoder
				ac.Content.encodeBody(&e)
				if ac.Content.ContentType == ContentApplication {
					return ac.Content.ApplicationData
				}
				return e.Bytes()
			}
			unprotectPriv := func(what string, st *secretTree, b []byte) *AuthenticatedContent {
				t.Helper()
				m, err := DecodeMLSMessage(b)
				if err != nil || m.PrivateMessage == nil {
					t.Fatalf("%s: decode private message: %v", what, err)
				}
				ac, err := decryptContent(m.PrivateMessage, st, tc.SenderDataSecret)
				if err != nil {
					t.Fatalf("%s: decrypt: %v", what, err)
				}
				if err := ac.verify(tc.SignaturePub, gc); err != nil {
					t.Fatalf("%s: signature: %v", what, err)
				}
				return ac
			}
			unprotectPub := func(what string, b []byte) *AuthenticatedContent {
				t.Helper()
				m, err := DecodeMLSMessage(b)
				if err != nil || m.PublicMessage == nil {
					t.Fatalf("%s: decode public message: %v", what, err)
				}
				if err := m.PublicMessage.checkMembershipTag(tc.MembershipKey, gc); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				ac := m.PublicMessage.authenticatedContent()
				if err := ac.verify(tc.SignaturePub, gc); err != nil {
					t.Fatalf("%s: signature: %v", what, err)
				}
				return ac
			}
			protect := func(ct ContentType, raw []byte, public bool) []byte {
				t.Helper()
				ac := &AuthenticatedContent{
					WireFormat: WireFormatPrivateMessage,
					Content: FramedContent{GroupID: tc.GroupID, Epoch: tc.Epoch,
						Sender: Sender{Type: SenderMember, Index: 1}, ContentType: ct},
				}
				if public {
					ac.WireFormat = WireFormatPublicMessage
				}
				d := NewDecoder(raw)
				switch ct {
				case ContentApplication:
					ac.Content.ApplicationData = raw
					d = NewDecoder(nil)
				default:
					ac.Content.decodeBody(d)
				}
				if err := d.Finish(); err != nil {
					t.Fatalf("decode raw content: %v", err)
				}
				if ct == ContentCommit {
					ac.Auth.ConfirmationTag = make([]byte, HashLen)
				}
				if err := ac.sign(tc.SignaturePriv, gc); err != nil {
					t.Fatal(err)
				}
				m := &MLSMessage{Version: ProtocolVersionMLS10, WireFormat: ac.WireFormat}
				if public {
					m.PublicMessage = newPublicMessage(ac, tc.MembershipKey, gc)
				} else {
					pm, err := encryptContent(ac, send, tc.SenderDataSecret, 7)
					if err != nil {
						t.Fatal(err)
					}
					m.PrivateMessage = pm
				}
				return m.Bytes()
			}

			for _, x := range []struct {
				name      string
				ct        ContentType
				raw, priv []byte
				pub       []byte
			}{
				{"proposal", ContentProposal, tc.Proposal, tc.ProposalPriv, tc.ProposalPub},
				{"commit", ContentCommit, tc.Commit, tc.CommitPriv, tc.CommitPub},
				{"application", ContentApplication, tc.Application, tc.ApplicationPriv, nil},
			} {
				recv = newSecretTree(tc.EncryptionSecret, 2)
				send = newSecretTree(tc.EncryptionSecret, 2)
				recvOwn = newSecretTree(tc.EncryptionSecret, 2)
				mustEqual(t, x.name+" (private)", body(unprotectPriv(x.name, recv, x.priv)), x.raw)
				mustEqual(t, x.name+" (own private)", body(unprotectPriv(x.name, recvOwn, protect(x.ct, x.raw, false))), x.raw)
				if x.pub != nil {
					mustEqual(t, x.name+" (public)", body(unprotectPub(x.name, x.pub)), x.raw)
					mustEqual(t, x.name+" (own public)", body(unprotectPub(x.name, protect(x.ct, x.raw, true))), x.raw)
				}
			}
			// A replayed private message must not decrypt twice.
			m, _ := DecodeMLSMessage(tc.ApplicationPriv)
			if _, err := decryptContent(m.PrivateMessage, recv, tc.SenderDataSecret); err == nil {
				t.Error("replayed application message decrypted again")
			}
		})
	}
}
