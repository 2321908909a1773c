package mls

// GroupContext summarises a group's state in one epoch (RFC 9420 §8.1).
type GroupContext struct {
	Version                 uint16
	CipherSuite             CipherSuite
	GroupID                 []byte
	Epoch                   uint64
	TreeHash                []byte
	ConfirmedTranscriptHash []byte
	Extensions              Extensions
}

// Encode appends gc to e.
func (gc *GroupContext) Encode(e *Encoder) {
	e.Uint16(gc.Version)
	e.Uint16(uint16(gc.CipherSuite))
	e.Opaque(gc.GroupID)
	e.Uint64(gc.Epoch)
	e.Opaque(gc.TreeHash)
	e.Opaque(gc.ConfirmedTranscriptHash)
	gc.Extensions.Encode(e)
}

// Decode reads gc from d.
func (gc *GroupContext) Decode(d *Decoder) {
	gc.Version = d.Uint16()
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
