package mls

import (
	"errors"
	"runtime"
	"testing"
)

func TestDecoderRejectsMalformedLengths(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"reserved prefix", []byte{0xc0, 0, 0, 0, 0, 0, 0, 1}},
		{"non-minimal two-byte", []byte{0x40, 0x3f}},
		{"non-minimal four-byte", []byte{0x80, 0x00, 0x3f, 0xff}},
		{"truncated header", []byte{0x80, 0x00}},
		{"length beyond input", []byte{0xbf, 0xff, 0xff, 0xff, 1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(tc.in)
			if b := d.Opaque(); b != nil || !errors.Is(d.Err(), ErrDecode) {
				t.Errorf("Opaque(%x) = %x, %v; want ErrDecode", tc.in, b, d.Err())
			}
			// Errors are sticky: later reads return zero values.
			if d.Uint32() != 0 || d.Err() == nil {
				t.Error("read after an error returned data")
			}
		})
	}
}

func TestDecoderBoundsAllocation(t *testing.T) {
	// A header promising a gigabyte must be refused without allocating it.
	in := []byte{0xbf, 0xff, 0xff, 0xff}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		d := NewDecoder(in)
		d.Opaque()
	}
	runtime.ReadMemStats(&after)
	if perRun := (after.TotalAlloc - before.TotalAlloc) / 100; perRun > 4096 {
		t.Errorf("decoding a lying header allocated %d bytes", perRun)
	}
}

func TestDecoderTrailingBytesAndBooleans(t *testing.T) {
	if err := decodeAll([]byte{0x01, 0xaa, 0xbb}, func(d *Decoder) { d.Opaque() }); !errors.Is(err, ErrDecode) {
		t.Errorf("trailing byte accepted: %v", err)
	}
	d := NewDecoder([]byte{2})
	if d.Bool(); d.Err() == nil {
		t.Error("boolean 2 accepted")
	}
	var vec []uint16
	err := decodeAll([]byte{0x03, 0x00, 0x01, 0x00}, func(d *Decoder) {
		d.ReadVector(func(d *Decoder) { vec = append(vec, d.Uint16()) })
	})
	if err == nil {
		t.Errorf("vector with a partial element accepted: %v", vec)
	}
}

func TestEncoderVarintRoundTrip(t *testing.T) {
	for _, v := range []int{0, 1, 63, 64, 16383, 16384, 1<<30 - 1} {
		var e Encoder
		e.Varint(v)
		d := NewDecoder(e.Bytes())
		if got := d.Varint(); got != v || d.Finish() != nil {
			t.Errorf("Varint round trip of %d = %d, %v", v, got, d.Err())
		}
	}
	var e Encoder
	e.Varint(1 << 30)
	if d := NewDecoder(e.Bytes()); d.Varint() != 0 || d.Err() == nil {
		t.Error("an over-long length encoded to something decodable")
	}
}
