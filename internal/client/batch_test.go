package client

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// countingBackend is an in-memory Backend that counts its writes.
type countingBackend struct {
	recs          map[string][]byte
	writes, calls int
}

func (b *countingBackend) Get(k string) ([]byte, error) {
	v, ok := b.recs[k]
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}
func (b *countingBackend) Put(k string, v []byte) error { b.writes++; b.recs[k] = v; return nil }
func (b *countingBackend) Delete(k string) error        { b.writes++; delete(b.recs, k); return nil }
func (b *countingBackend) List(dir string) ([]string, error) {
	var out []string
	for k := range b.recs {
		if strings.HasPrefix(k, dir) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}
func (b *countingBackend) Lock(context.Context) (func(), error) { return func() {}, nil }
func (b *countingBackend) Erase() error                         { clear(b.recs); return nil }

// batchingBackend adds Write.
type batchingBackend struct{ *countingBackend }

func (b batchingBackend) Write(changes map[string][]byte) error {
	b.calls++
	for k, v := range changes {
		if v == nil {
			delete(b.recs, k)
		} else {
			b.recs[k] = v
		}
	}
	return nil
}

func TestVaultBatch(t *testing.T) {
	for _, batching := range []bool{false, true} {
		cb := &countingBackend{recs: map[string][]byte{}}
		var b Backend = cb
		if batching {
			b = batchingBackend{cb}
		}
		v, err := createVault(b, []byte("passphrase"), KDF{Time: 1, Memory: 8 * 1024, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.put("out/c/1", "waiting"); err != nil {
			t.Fatal(err)
		}
		before := cb.writes

		v.begin()
		for i := range 100 {
			if err := v.put("msg/c/"+string(rune('a'+i%26))+string(rune('a'+i/26)), i); err != nil {
				t.Fatal(err)
			}
		}
		if err := v.del("out/c/1"); err != nil {
			t.Fatal(err)
		}
		var got int
		if err := v.get("msg/c/ba", &got); err != nil || got != 1 {
			t.Errorf("get during a batch = %d, %v; want what the batch put (1)", got, err)
		}
		if err := v.get("out/c/1", new(string)); !errors.Is(err, ErrNotFound) {
			t.Errorf("get of a record the batch deleted = %v; want ErrNotFound", err)
		}
		if cb.writes != before || len(cb.recs) != 2 {
			t.Fatalf("the backend was written during the batch: %d writes, %d records", cb.writes-before, len(cb.recs))
		}
		if err := v.commit(); err != nil {
			t.Fatal(err)
		}
		if keys, _ := b.List("msg/c/"); len(keys) != 100 {
			t.Errorf("after commit the backend holds %d messages; want 100", len(keys))
		}
		if _, err := b.Get("out/c/1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("after commit the deleted record is still there")
		}
		if batching && (cb.calls != 1 || cb.writes != before) {
			t.Errorf("a batching backend got %d batch writes and %d single ones; want 1 and 0", cb.calls, cb.writes-before)
		}

		// A discarded batch writes nothing.
		v.begin()
		if err := v.put("msg/c/zz", 9); err != nil {
			t.Fatal(err)
		}
		v.discard()
		if _, err := b.Get("msg/c/zz"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a discarded batch was written")
		}
	}
}
