//go:build js && wasm

// Package idbstore keeps a client profile in the browser's IndexedDB:
// one database per profile, one object store of records. Every record is
// also held in memory once the store is open, so reads never wait; each
// write waits until IndexedDB has committed it, so that a group's state
// is durable before a message it produced leaves the device. It stores
// the bytes it is given; the client encrypts them before they get here.
package idbstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall/js"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

const objectStore = "records"

// Store is an open IndexedDB profile. It implements client.Backend.
type Store struct {
	name            string
	db              js.Value
	onVersionChange js.Func
	turn            chan struct{} // held by whoever holds Lock

	mu  sync.Mutex
	mem map[string][]byte
}

// Open opens (creating if needed) the IndexedDB database name and reads
// every record into memory.
func Open(ctx context.Context, name string) (*Store, error) {
	idb := js.Global().Get("indexedDB")
	if idb.IsUndefined() || idb.IsNull() {
		return nil, fault.New(fault.Unavailable, "This browser does not offer IndexedDB, which secure messaging needs; use an up-to-date browser outside private browsing.")
	}
	req := idb.Call("open", name, 1)
	upgrade := js.FuncOf(func(this js.Value, _ []js.Value) any {
		db := req.Get("result")
		if !db.Get("objectStoreNames").Call("contains", objectStore).Bool() {
			db.Call("createObjectStore", objectStore)
		}
		return nil
	})
	defer upgrade.Release()
	req.Set("onupgradeneeded", upgrade)
	if err := await(ctx, req, "onsuccess", "onerror"); err != nil {
		return nil, fmt.Errorf("open the browser's store: %w", err)
	}
	s := &Store{name: name, db: req.Get("result"), turn: make(chan struct{}, 1), mem: map[string][]byte{}}
	// Another tab or the page deleting the database (sign-out) asks open
	// connections to close; this one does, and later writes then fail.
	s.onVersionChange = js.FuncOf(func(js.Value, []js.Value) any {
		s.db.Call("close")
		return nil
	})
	s.db.Set("onversionchange", s.onVersionChange)
	if err := s.load(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// load reads every record into memory.
func (s *Store) load(ctx context.Context) error {
	tx := s.db.Call("transaction", objectStore, "readonly")
	st := tx.Call("objectStore", objectStore)
	keysReq := st.Call("getAllKeys")
	valsReq := st.Call("getAll")
	if err := await(ctx, tx, "oncomplete", "onerror"); err != nil {
		return fmt.Errorf("read the browser's store: %w", err)
	}
	keys, vals := keysReq.Get("result"), valsReq.Get("result")
	n := keys.Length()
	if vals.Length() != n {
		return errors.New("read the browser's store: keys and values differ in number")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		v := vals.Index(i)
		b := make([]byte, v.Get("length").Int())
		js.CopyBytesToGo(b, v)
		s.mem[keys.Index(i).String()] = b
	}
	return nil
}

// await waits for one of two events on target and reports the second
// as an error.
func await(ctx context.Context, target js.Value, ok, fail string) error {
	done := make(chan error, 1)
	okf := js.FuncOf(func(js.Value, []js.Value) any {
		done <- nil
		return nil
	})
	failf := js.FuncOf(func(this js.Value, _ []js.Value) any {
		msg := "unknown error"
		if e := target.Get("error"); e.Truthy() {
			msg = e.Get("message").String()
		}
		done <- errors.New(msg)
		return nil
	})
	defer okf.Release()
	defer failf.Release()
	target.Set(ok, okf)
	target.Set(fail, failf)
	if fail == "onerror" && !target.Get("onabort").IsUndefined() {
		target.Set("onabort", failf)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// write runs one read-write transaction and waits for it to commit.
func (s *Store) write(f func(st js.Value)) error {
	tx := s.db.Call("transaction", objectStore, "readwrite")
	f(tx.Call("objectStore", objectStore))
	if err := await(context.Background(), tx, "oncomplete", "onerror"); err != nil {
		return fmt.Errorf("write to the browser's store: %w", err)
	}
	return nil
}

// Exists reports whether the store holds a profile (a header record).
func (s *Store) Exists() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.mem["header"]
	return ok
}

// Get returns the record at key, or client.ErrNotFound.
func (s *Store) Get(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.mem[key]
	if !ok {
		return nil, client.ErrNotFound
	}
	return slices.Clone(b), nil
}

// Put replaces the record at key once IndexedDB has committed it.
func (s *Store) Put(key string, value []byte) error {
	arr := js.Global().Get("Uint8Array").New(len(value))
	js.CopyBytesToJS(arr, value)
	if err := s.write(func(st js.Value) { st.Call("put", arr, key) }); err != nil {
		return err
	}
	s.mu.Lock()
	s.mem[key] = slices.Clone(value)
	s.mu.Unlock()
	return nil
}

// Write puts each record, or deletes it where the value is nil, in one
// IndexedDB transaction: all of them or none.
func (s *Store) Write(changes map[string][]byte) error {
	err := s.write(func(st js.Value) {
		for k, v := range changes {
			if v == nil {
				st.Call("delete", k)
				continue
			}
			arr := js.Global().Get("Uint8Array").New(len(v))
			js.CopyBytesToJS(arr, v)
			st.Call("put", arr, k)
		}
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range changes {
		if v == nil {
			delete(s.mem, k)
		} else {
			s.mem[k] = slices.Clone(v)
		}
	}
	return nil
}

// Delete removes the record at key; a missing record is not an error.
func (s *Store) Delete(key string) error {
	if err := s.write(func(st js.Value) { st.Call("delete", key) }); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.mem, key)
	s.mu.Unlock()
	return nil
}

// List returns the keys directly under dir (which ends in "/"), in
// lexical order.
func (s *Store) List(dir string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.mem {
		if rest, ok := strings.CutPrefix(k, dir); ok && rest != "" && !strings.Contains(rest, "/") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Lock gives the caller the store until unlock is called. It excludes
// other users in this page; each tab runs its own client, and the web
// app keeps messaging to one tab at a time.
func (s *Store) Lock(ctx context.Context) (func(), error) {
	select {
	case s.turn <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-s.turn }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Erase removes every record.
func (s *Store) Erase() error {
	if err := s.write(func(st js.Value) { st.Call("clear") }); err != nil {
		return err
	}
	s.mu.Lock()
	for k, v := range s.mem {
		clear(v)
		delete(s.mem, k)
	}
	s.mu.Unlock()
	return nil
}

// Close forgets the records held in memory and closes the database.
func (s *Store) Close() {
	s.mu.Lock()
	for k, v := range s.mem {
		clear(v)
		delete(s.mem, k)
	}
	s.mu.Unlock()
	s.db.Set("onversionchange", js.Null())
	s.db.Call("close")
	s.onVersionChange.Release()
}
