package mls

// ProtocolVersion is the MLS protocol version; only mls10 is defined.
type ProtocolVersion uint16

// ProtocolMLS10 is protocol version mls10 (RFC 9420 §6).
const ProtocolMLS10 ProtocolVersion = 1

// GroupContext summarises a group's state in one epoch (RFC 9420 §8.1).
type GroupContext struct {
	Version                 ProtocolVersion
	CipherSuite             CipherSuite
	GroupID                 []byte
	Epoch                   uint64
	TreeHash                []byte
	ConfirmedTranscriptHash []byte
	Extensions              Extensions
}

// Encode appends gc to e.
func (gc *GroupContext) Encode(e *Encoder) {
	e.Uint16(uint16(gc.Version))
	e.Uint16(uint16(gc.CipherSuite))
	e.Opaque(gc.GroupID)
	e.Uint64(gc.Epoch)
	e.Opaque(gc.TreeHash)
	e.Opaque(gc.ConfirmedTranscriptHash)
	gc.Extensions.Encode(e)
}

// Decode reads gc from d.
func (gc *GroupContext) Decode(d *Decoder) {
	gc.Version = ProtocolVersion(d.Uint16())
	gc.CipherSuite = CipherSuite(d.Uint16())
	gc.GroupID = d.Opaque()
	gc.Epoch = d.Uint64()
	gc.TreeHash = d.Opaque()
	gc.ConfirmedTranscriptHash = d.Opaque()
	gc.Extensions.Decode(d)
}

// Bytes returns the encoding of gc.
func (gc *GroupContext) Bytes() []byte {
	var e Encoder
	gc.Encode(&e)
	return e.Bytes()
}
