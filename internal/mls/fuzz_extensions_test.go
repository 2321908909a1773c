package mls

import (
	"testing"
)

// Fuzz targets for decoders outside the message structures: bodies of
// group context extensions and the routing header of a PrivateMessage.

func FuzzRequiredCapabilities(f *testing.F) {
	rc := RequiredCapabilities{Extensions: []ExtensionType{0x0a0a}, Proposals: []uint16{8}, Credentials: []CredentialType{1, 2}}
	var e Encoder
	rc.Encode(&e)
	f.Add(e.Bytes())
	fuzzCodec(f, func() codecBody { return new(RequiredCapabilities) })
}

// FuzzExternalSenders decodes an external_senders extension body.
func FuzzExternalSenders(f *testing.F) {
	f.Add(ExternalSendersExtension(
		ExternalSender{SignatureKey: make([]byte, 32), Credential: NewBasicCredential([]byte("delivery service"))},
		ExternalSender{SignatureKey: []byte{1}, Credential: Credential{Type: CredentialTypeX509, Certificates: [][]byte{{0x30}}}},
	).Data)
	f.Fuzz(func(t *testing.T, b []byte) {
		senders, err := ExternalSendersOf(Extensions{{ExtensionType: ExtensionExternalSenders, Data: b}})
		if err != nil {
			return
		}
		if got := ExternalSendersExtension(senders...).Data; string(got) != string(b) {
			t.Fatalf("re-encoding differs:\n in  %x\n out %x", b, got)
		}
	})
}

// FuzzInspectPrivateHeader reads the header a delivery service routes on.
// Seeds: the PrivateMessages of messages.json in testdata/fuzz.
func FuzzInspectPrivateHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = InspectPrivateHeader(b)
	})
}
