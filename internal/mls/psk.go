package mls

import "fmt"

// PSKType distinguishes external from resumption pre-shared keys.
type PSKType uint8

// PSK types (RFC 9420 §8.4).
const (
	PSKExternal   PSKType = 1
	PSKResumption PSKType = 2
)

// ResumptionPSKUsage says why a resumption PSK is used.
type ResumptionPSKUsage uint8

// Resumption PSK usages (RFC 9420 §8.4).
const (
	ResumptionApplication ResumptionPSKUsage = 1
	ResumptionReInit      ResumptionPSKUsage = 2
	ResumptionBranch      ResumptionPSKUsage = 3
)

// PreSharedKeyID names a pre-shared key (RFC 9420 §8.4).
type PreSharedKeyID struct {
	Type PSKType
	// ID is the psk_id of an external PSK.
	ID []byte
	// Usage, GroupID and Epoch name a resumption PSK.
	Usage   ResumptionPSKUsage
	GroupID []byte
	Epoch   uint64
	Nonce   []byte
}

// Encode appends id to e.
func (id *PreSharedKeyID) Encode(e *Encoder) {
	e.Uint8(uint8(id.Type))
	switch id.Type {
	case PSKExternal:
		e.Opaque(id.ID)
	case PSKResumption:
		e.Uint8(uint8(id.Usage))
		e.Opaque(id.GroupID)
		e.Uint64(id.Epoch)
	}
	e.Opaque(id.Nonce)
}

// Decode reads id from d.
func (id *PreSharedKeyID) Decode(d *Decoder) {
	id.Type = PSKType(d.Uint8())
	switch id.Type {
	case PSKExternal:
		id.ID = d.Opaque()
	case PSKResumption:
		id.Usage = ResumptionPSKUsage(d.Uint8())
		if id.Usage < ResumptionApplication || id.Usage > ResumptionBranch {
			d.Fail("invalid resumption PSK usage %d", id.Usage)
		}
		id.GroupID = d.Opaque()
		id.Epoch = d.Uint64()
	default:
		d.Fail("invalid PSK type %d", id.Type)
	}
	id.Nonce = d.Opaque()
}

// pskInput pairs a PSK's identifier with its secret value.
type pskInput struct {
	ID  PreSharedKeyID
	PSK []byte
}

// pskSecret combines the PSKs of a commit or Welcome into psk_secret
// (RFC 9420 §8.4). With no PSKs it is the all-zero string.
func pskSecret(psks []pskInput) ([]byte, error) {
	secret := make([]byte, HashLen)
	if len(psks) > 0xffff {
		return nil, fmt.Errorf("mls: %d PSKs exceed the limit", len(psks))
	}
	for i, p := range psks {
		extracted := Extract(nil, p.PSK)
		var label Encoder
		p.ID.Encode(&label)
		label.Uint16(uint16(i))
		label.Uint16(uint16(len(psks)))
		input, err := ExpandWithLabel(extracted, "derived psk", label.Bytes(), HashLen)
		zero(extracted)
		if err != nil {
			return nil, err
		}
		next := Extract(input, secret)
		zero(input)
		zero(secret)
		secret = next
	}
	return secret, nil
}
