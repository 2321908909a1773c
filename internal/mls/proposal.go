package mls

// ProposalType identifies a proposal (RFC 9420 §12.1).
type ProposalType uint16

// Proposal types defined by RFC 9420.
const (
	ProposalAdd                    ProposalType = 1
	ProposalUpdate                 ProposalType = 2
	ProposalRemove                 ProposalType = 3
	ProposalPreSharedKey           ProposalType = 4
	ProposalReInit                 ProposalType = 5
	ProposalExternalInit           ProposalType = 6
	ProposalGroupContextExtensions ProposalType = 7
)

// AddProposal adds the holder of a KeyPackage to the group.
type AddProposal struct {
	KeyPackage KeyPackage
}

// UpdateProposal replaces the sender's leaf.
type UpdateProposal struct {
	LeafNode LeafNode
}

// RemoveProposal removes the member at a leaf.
type RemoveProposal struct {
	Removed uint32
}

// PreSharedKeyProposal injects a PSK into the next epoch.
type PreSharedKeyProposal struct {
	PSK PreSharedKeyID
}

// ReInitProposal asks for the group to be re-created with new parameters.
type ReInitProposal struct {
	GroupID     []byte
	Version     uint16
	CipherSuite CipherSuite
	Extensions  Extensions
}

// ExternalInitProposal carries the KEM output of an external joiner.
type ExternalInitProposal struct {
	KEMOutput []byte
}

// GroupContextExtensionsProposal replaces the GroupContext extensions.
type GroupContextExtensionsProposal struct {
	Extensions Extensions
}

// Proposal is one proposal; exactly the field matching Type is set.
type Proposal struct {
	Type                   ProposalType
	Add                    *AddProposal
	Update                 *UpdateProposal
	Remove                 *RemoveProposal
	PreSharedKey           *PreSharedKeyProposal
	ReInit                 *ReInitProposal
	ExternalInit           *ExternalInitProposal
	GroupContextExtensions *GroupContextExtensionsProposal
}

// Encode appends the proposal body (without its type) to e.
func (p *AddProposal) Encode(e *Encoder) { p.KeyPackage.Encode(e) }

// Decode reads the proposal body from d.
func (p *AddProposal) Decode(d *Decoder) { p.KeyPackage.Decode(d) }

// Encode appends the proposal body (without its type) to e.
func (p *UpdateProposal) Encode(e *Encoder) { p.LeafNode.Encode(e) }

// Decode reads the proposal body from d.
func (p *UpdateProposal) Decode(d *Decoder) { p.LeafNode.Decode(d) }

// Encode appends the proposal body (without its type) to e.
func (p *RemoveProposal) Encode(e *Encoder) { e.Uint32(p.Removed) }

// Decode reads the proposal body from d.
func (p *RemoveProposal) Decode(d *Decoder) { p.Removed = d.Uint32() }

// Encode appends the proposal body (without its type) to e.
func (p *PreSharedKeyProposal) Encode(e *Encoder) { p.PSK.Encode(e) }

// Decode reads the proposal body from d.
func (p *PreSharedKeyProposal) Decode(d *Decoder) { p.PSK.Decode(d) }

// Encode appends the proposal body (without its type) to e.
func (p *ReInitProposal) Encode(e *Encoder) {
	e.Opaque(p.GroupID)
	e.Uint16(p.Version)
	e.Uint16(uint16(p.CipherSuite))
	p.Extensions.Encode(e)
}

// Decode reads the proposal body from d.
func (p *ReInitProposal) Decode(d *Decoder) {
	p.GroupID = d.Opaque()
	p.Version = d.Uint16()
	p.CipherSuite = CipherSuite(d.Uint16())
	p.Extensions.Decode(d)
}

// Encode appends the proposal body (without its type) to e.
func (p *ExternalInitProposal) Encode(e *Encoder) { e.Opaque(p.KEMOutput) }

// Decode reads the proposal body from d.
func (p *ExternalInitProposal) Decode(d *Decoder) { p.KEMOutput = d.Opaque() }

// Encode appends the proposal body (without its type) to e.
func (p *GroupContextExtensionsProposal) Encode(e *Encoder) { p.Extensions.Encode(e) }

// Decode reads the proposal body from d.
func (p *GroupContextExtensionsProposal) Decode(d *Decoder) { p.Extensions.Decode(d) }

type codecBody interface {
	Encode(*Encoder)
	Decode(*Decoder)
}

// body returns the set variant of p, or nil if none matches Type.
func (p *Proposal) body() codecBody {
	switch p.Type {
	case ProposalAdd:
		if p.Add != nil {
			return p.Add
		}
	case ProposalUpdate:
		if p.Update != nil {
			return p.Update
		}
	case ProposalRemove:
		if p.Remove != nil {
			return p.Remove
		}
	case ProposalPreSharedKey:
		if p.PreSharedKey != nil {
			return p.PreSharedKey
		}
	case ProposalReInit:
		if p.ReInit != nil {
			return p.ReInit
		}
	case ProposalExternalInit:
		if p.ExternalInit != nil {
			return p.ExternalInit
		}
	case ProposalGroupContextExtensions:
		if p.GroupContextExtensions != nil {
			return p.GroupContextExtensions
		}
	}
	return nil
}

// Encode appends p to e. A proposal whose variant is missing encodes as its
// type alone, which no decoder accepts.
func (p *Proposal) Encode(e *Encoder) {
	e.Uint16(uint16(p.Type))
	if b := p.body(); b != nil {
		b.Encode(e)
	}
}

// Decode reads p from d. Unknown proposal types are an error: their body
// cannot be delimited.
func (p *Proposal) Decode(d *Decoder) {
	*p = Proposal{Type: ProposalType(d.Uint16())}
	switch p.Type {
	case ProposalAdd:
		p.Add = new(AddProposal)
	case ProposalUpdate:
		p.Update = new(UpdateProposal)
	case ProposalRemove:
		p.Remove = new(RemoveProposal)
	case ProposalPreSharedKey:
		p.PreSharedKey = new(PreSharedKeyProposal)
	case ProposalReInit:
		p.ReInit = new(ReInitProposal)
	case ProposalExternalInit:
		p.ExternalInit = new(ExternalInitProposal)
	case ProposalGroupContextExtensions:
		p.GroupContextExtensions = new(GroupContextExtensionsProposal)
	default:
		d.Fail("unsupported proposal type %d", p.Type)
		return
	}
	p.body().Decode(d)
}

// ProposalOrRefType says whether a commit carries a proposal or a reference.
type ProposalOrRefType uint8

// ProposalOrRef types (RFC 9420 §12.4).
const (
	ProposalOrRefProposal  ProposalOrRefType = 1
	ProposalOrRefReference ProposalOrRefType = 2
)

// ProposalOrRef is a proposal carried in a commit by value or by reference.
type ProposalOrRef struct {
	Type      ProposalOrRefType
	Proposal  *Proposal // when Type is ProposalOrRefProposal
	Reference []byte    // when Type is ProposalOrRefReference
}

// Encode appends r to e.
func (r *ProposalOrRef) Encode(e *Encoder) {
	e.Uint8(uint8(r.Type))
	switch r.Type {
	case ProposalOrRefProposal:
		if r.Proposal != nil {
			r.Proposal.Encode(e)
		}
	case ProposalOrRefReference:
		e.Opaque(r.Reference)
	}
}

// Decode reads r from d.
func (r *ProposalOrRef) Decode(d *Decoder) {
	*r = ProposalOrRef{Type: ProposalOrRefType(d.Uint8())}
	switch r.Type {
	case ProposalOrRefProposal:
		r.Proposal = new(Proposal)
		r.Proposal.Decode(d)
	case ProposalOrRefReference:
		r.Reference = d.Opaque()
	default:
		d.Fail("invalid proposal-or-ref type %d", r.Type)
	}
}

// Commit is a Commit message body (RFC 9420 §12.4).
type Commit struct {
	Proposals []ProposalOrRef
	Path      *UpdatePath
}

// Encode appends c to e.
func (c *Commit) Encode(e *Encoder) {
	e.Vector(func(e *Encoder) {
		for i := range c.Proposals {
			c.Proposals[i].Encode(e)
		}
	})
	e.Optional(c.Path != nil, func(e *Encoder) { c.Path.Encode(e) })
}

// Decode reads c from d.
func (c *Commit) Decode(d *Decoder) {
	*c = Commit{}
	d.ReadVector(func(d *Decoder) {
		var r ProposalOrRef
		r.Decode(d)
		c.Proposals = append(c.Proposals, r)
	})
	d.Optional(func(d *Decoder) {
		c.Path = new(UpdatePath)
		c.Path.Decode(d)
	})
}
