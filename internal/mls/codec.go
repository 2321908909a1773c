package mls

import (
	"errors"
	"fmt"
)

// ErrDecode is returned (wrapped) when an encoded structure is malformed:
// truncated, carrying trailing bytes, a non-minimal or reserved length
// header, or a value outside its allowed range.
var ErrDecode = errors.New("mls: malformed encoding")

// maxVarint is the largest length a variable-length integer header can
// carry (RFC 9420 §2.1.2: 30 bits; the 0b11 prefix is invalid).
const maxVarint = 1<<30 - 1

// Encoder appends values in the TLS presentation language used by MLS.
// The zero value is ready to use.
type Encoder struct {
	buf []byte
}

// Bytes returns the encoded bytes.
func (e *Encoder) Bytes() []byte { return e.buf }

// Uint8 appends one byte.
func (e *Encoder) Uint8(v uint8) { e.buf = append(e.buf, v) }

// Uint16 appends a big-endian uint16.
func (e *Encoder) Uint16(v uint16) { e.buf = append(e.buf, byte(v>>8), byte(v)) }

// Uint32 appends a big-endian uint32.
func (e *Encoder) Uint32(v uint32) {
	e.buf = append(e.buf, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// Uint64 appends a big-endian uint64.
func (e *Encoder) Uint64(v uint64) {
	e.Uint32(uint32(v >> 32))
	e.Uint32(uint32(v))
}

// Bool appends a TLS boolean (one byte, 0 or 1).
func (e *Encoder) Bool(v bool) {
	if v {
		e.Uint8(1)
	} else {
		e.Uint8(0)
	}
}

// Raw appends b without a length prefix (a fixed-size field).
func (e *Encoder) Raw(b []byte) { e.buf = append(e.buf, b...) }

// Varint appends v as an RFC 9420 §2.1.2 variable-length integer in its
// minimal form. Lengths beyond 2^30-1 cannot be encoded; such a value is
// recorded and reported by Err.
func (e *Encoder) Varint(v int) {
	switch {
	case v < 0 || v > maxVarint:
		// Unreachable for any structure this package builds: a 1 GiB
		// vector is rejected before encoding. Encode an impossible header
		// so the result can never be mistaken for valid input.
		e.buf = append(e.buf, 0xff)
	case v < 1<<6:
		e.buf = append(e.buf, byte(v))
	case v < 1<<14:
		e.buf = append(e.buf, byte(v>>8)|0x40, byte(v))
	default:
		e.buf = append(e.buf, byte(v>>24)|0x80, byte(v>>16), byte(v>>8), byte(v))
	}
}

// Opaque appends b as an opaque vector with a variable-length header.
func (e *Encoder) Opaque(b []byte) {
	e.Varint(len(b))
	e.buf = append(e.buf, b...)
}

// Vector appends a variable-length vector whose body is written by f.
func (e *Encoder) Vector(f func(*Encoder)) {
	var inner Encoder
	f(&inner)
	e.Opaque(inner.buf)
}

// Optional appends a TLS optional<T>: a presence byte then, if present,
// the value written by f.
func (e *Encoder) Optional(present bool, f func(*Encoder)) {
	e.Bool(present)
	if present {
		f(e)
	}
}

// Decoder reads values in the TLS presentation language. Errors are sticky:
// after the first failure every read returns a zero value and Err reports
// the failure, so decoding functions can read a whole structure and check
// once. A Decoder never panics and never allocates more than the bytes
// remaining in its input.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder returns a Decoder over b. The Decoder does not modify b;
// values returned by Opaque are copies.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err returns the first decoding error, if any.
func (d *Decoder) Err() error { return d.err }

// Len returns the number of unread bytes.
func (d *Decoder) Len() int { return len(d.b) }

// Empty reports whether all input has been consumed without error.
func (d *Decoder) Empty() bool { return d.err == nil && len(d.b) == 0 }

// Fail records err (wrapping ErrDecode) unless an error is already set.
func (d *Decoder) Fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrDecode, fmt.Sprintf(format, args...))
	}
	d.b = nil
}

// Finish returns Err, or an error if unread bytes remain.
func (d *Decoder) Finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.Fail("%d trailing bytes", len(d.b))
	}
	return d.err
}

func (d *Decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.Fail("need %d bytes, have %d", n, len(d.b))
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

// Uint8 reads one byte.
func (d *Decoder) Uint8() uint8 {
	b := d.take(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// Uint16 reads a big-endian uint16.
func (d *Decoder) Uint16() uint16 {
	b := d.take(2)
	if b == nil {
		return 0
	}
	return uint16(b[0])<<8 | uint16(b[1])
}

// Uint32 reads a big-endian uint32.
func (d *Decoder) Uint32() uint32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Uint64 reads a big-endian uint64.
func (d *Decoder) Uint64() uint64 {
	hi := d.Uint32()
	lo := d.Uint32()
	return uint64(hi)<<32 | uint64(lo)
}

// Bool reads a TLS boolean; any value other than 0 or 1 is an error.
func (d *Decoder) Bool() bool {
	switch v := d.Uint8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		d.Fail("invalid boolean %d", v)
		return false
	}
}

// Raw reads exactly n bytes and returns a copy.
func (d *Decoder) Raw(n int) []byte {
	b := d.take(n)
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// Varint reads an RFC 9420 §2.1.2 variable-length integer. The 0b11
// prefix and non-minimal encodings are rejected.
func (d *Decoder) Varint() int {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.Fail("missing length header")
		return 0
	}
	prefix := d.b[0] >> 6
	if prefix == 3 {
		d.Fail("reserved length prefix")
		return 0
	}
	n := 1 << prefix
	b := d.take(n)
	if b == nil {
		return 0
	}
	v := int(b[0] & 0x3f)
	for _, c := range b[1:] {
		v = v<<8 | int(c)
	}
	if prefix > 0 && v < 1<<(8*(n/2)-2) {
		d.Fail("non-minimal length header")
		return 0
	}
	return v
}

// Opaque reads an opaque vector with a variable-length header and returns
// a copy of its body. A header that promises more bytes than remain is an
// error, so the allocation is bounded by the input.
func (d *Decoder) Opaque() []byte {
	n := d.Varint()
	if d.err != nil {
		return nil
	}
	if n > len(d.b) {
		d.Fail("vector length %d exceeds remaining %d bytes", n, len(d.b))
		return nil
	}
	return d.Raw(n)
}

// Vector reads a variable-length vector header and returns a Decoder over
// its body. Errors in the body are reported through the parent as well
// when callers use ReadVector.
func (d *Decoder) Vector() *Decoder {
	n := d.Varint()
	if d.err != nil {
		return &Decoder{err: d.err}
	}
	b := d.take(n)
	if d.err != nil {
		return &Decoder{err: d.err}
	}
	return &Decoder{b: b}
}

// ReadVector reads a vector and calls f for each element until its body is
// consumed. f must consume at least one byte per call; an error in f stops
// the loop and is propagated to d.
func (d *Decoder) ReadVector(f func(*Decoder)) {
	sub := d.Vector()
	for sub.err == nil && len(sub.b) > 0 {
		before := len(sub.b)
		f(sub)
		if sub.err == nil && len(sub.b) == before {
			sub.Fail("vector element consumed no bytes")
		}
	}
	if sub.err != nil && d.err == nil {
		d.err = sub.err
		d.b = nil
	}
}

// Optional reads a TLS optional<T> presence byte and, if present, calls f.
// It reports whether the value was present.
func (d *Decoder) Optional(f func(*Decoder)) bool {
	if !d.Bool() {
		return false
	}
	f(d)
	return d.err == nil
}

// Close propagates any error of sub (a Decoder returned by Vector) to d and
// fails if sub has unread bytes.
func (d *Decoder) Close(sub *Decoder) {
	if err := sub.Finish(); err != nil && d.err == nil {
		d.err = err
		d.b = nil
	}
}

// decodeAll runs f over b and requires that it consume every byte.
func decodeAll(b []byte, f func(*Decoder)) error {
	d := NewDecoder(b)
	f(d)
	return d.Finish()
}
