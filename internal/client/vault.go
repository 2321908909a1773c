package client

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// KDF holds the argon2id parameters that turn a passphrase into the
// store key. They are kept, with the salt, in the profile's header.
type KDF struct {
	Time    uint32 `json:"t"`
	Memory  uint32 `json:"m"` // KiB
	Threads uint8  `json:"p"`
}

// DefaultKDF returns the parameters for new profiles. It follows OWASP's
// argon2id guidance (at least 46 MiB, one pass) with headroom: 64 MiB,
// one pass, four lanes.
func DefaultKDF() KDF { return KDF{Time: 1, Memory: 64 * 1024, Threads: 4} }

const (
	headerKey   = "header"
	headerCheck = "switchboard profile v1"
)

// header is the one record stored unencrypted: how to derive the key,
// and a sealed constant that proves a passphrase right or wrong.
type header struct {
	Version int    `json:"v"`
	KDF     KDF    `json:"kdf"`
	Salt    []byte `json:"salt"`
	Check   []byte `json:"check"`
}

var (
	errWrongPassphrase = fault.New(fault.Forbidden, "The passphrase is not right for this profile.")
	errNoPassphrase    = fault.Invalidf("Give the profile's passphrase (SWITCHBOARD_PASSPHRASE).")
	errNoProfile       = fault.New(fault.NotFound, "There is no profile here yet. Sign in first with switchboard login.")
)

// vault seals every record under a key derived from the passphrase:
// AES-256-GCM with a random nonce, the record's key as associated data
// (so records cannot be swapped).
type vault struct {
	b    Backend
	aead cipher.AEAD
	// pending holds, during a batch, the records written (nil for
	// deleted) until commit writes them all at once; depth counts nested
	// batches.
	pending map[string][]byte
	depth   int
}

// createVault starts a new store in b under passphrase.
func createVault(b Backend, passphrase []byte, kdf KDF) (*vault, error) {
	if len(passphrase) == 0 {
		return nil, errNoPassphrase
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	v, err := newVault(b, passphrase, salt, kdf)
	if err != nil {
		return nil, err
	}
	check, err := v.seal(headerKey, []byte(headerCheck))
	if err != nil {
		return nil, err
	}
	h, err := json.Marshal(header{Version: 1, KDF: kdf, Salt: salt, Check: check})
	if err != nil {
		return nil, err
	}
	if err := b.Put(headerKey, h); err != nil {
		return nil, fmt.Errorf("write profile header: %w", err)
	}
	return v, nil
}

// openVault opens the store in b, reporting a wrong passphrase clearly.
func openVault(b Backend, passphrase []byte) (*vault, error) {
	if len(passphrase) == 0 {
		return nil, errNoPassphrase
	}
	raw, err := b.Get(headerKey)
	if errors.Is(err, ErrNotFound) {
		return nil, errNoProfile
	}
	if err != nil {
		return nil, fmt.Errorf("read profile header: %w", err)
	}
	var h header
	if err := json.Unmarshal(raw, &h); err != nil || h.Version != 1 || len(h.Salt) < 16 ||
		h.KDF.Time == 0 || h.KDF.Time > 16 || h.KDF.Memory < 8*1024 || h.KDF.Memory > 1<<21 || h.KDF.Threads == 0 {
		return nil, fault.New(fault.Invalid, "This profile's header is damaged; sign in again into a new profile directory.")
	}
	v, err := newVault(b, passphrase, h.Salt, h.KDF)
	if err != nil {
		return nil, err
	}
	if got, err := v.open(headerKey, h.Check); err != nil || string(got) != headerCheck {
		return nil, errWrongPassphrase
	}
	return v, nil
}

func newVault(b Backend, passphrase, salt []byte, kdf KDF) (*vault, error) {
	key := argon2.IDKey(passphrase, salt, kdf.Time, kdf.Memory, kdf.Threads, 32)
	defer clear(key)
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	return &vault{b: b, aead: aead}, nil
}

func (v *vault) seal(key string, plain []byte) ([]byte, error) {
	nonce := make([]byte, v.aead.NonceSize(), v.aead.NonceSize()+len(plain)+v.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return v.aead.Seal(nonce, nonce, plain, []byte("switchboard/"+key)), nil
}

func (v *vault) open(key string, sealed []byte) ([]byte, error) {
	n := v.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed record too short")
	}
	return v.aead.Open(nil, sealed[:n], sealed[n:], []byte("switchboard/"+key))
}

// get decrypts the record at key into out (JSON).
func (v *vault) get(key string, out any) error {
	sealed, ok := v.pending[key]
	if ok && sealed == nil {
		return ErrNotFound
	}
	if !ok {
		var err error
		if sealed, err = v.b.Get(key); err != nil {
			return err
		}
	}
	plain, err := v.open(key, sealed)
	if err != nil {
		return fmt.Errorf("record %s does not decrypt: %w", key, err)
	}
	defer clear(plain)
	return json.Unmarshal(plain, out)
}

// put encrypts in (as JSON) into the record at key.
func (v *vault) put(key string, in any) error {
	plain, err := json.Marshal(in)
	if err != nil {
		return err
	}
	defer clear(plain)
	sealed, err := v.seal(key, plain)
	if err != nil {
		return err
	}
	if v.pending != nil {
		v.pending[key] = sealed
		return nil
	}
	return v.b.Put(key, sealed)
}

// del deletes the record at key.
func (v *vault) del(key string) error {
	if v.pending != nil {
		v.pending[key] = nil
		return nil
	}
	return v.b.Delete(key)
}

// Batcher is a Backend that writes many records at once, atomically:
// IndexedDB does it in one transaction, far faster than one per record.
type Batcher interface {
	// Write puts each record, or deletes it where the value is nil.
	Write(changes map[string][]byte) error
}

// begin starts a batch: writes and deletes are kept until commit, and
// reads see them. Batches nest; the outermost commit writes.
func (v *vault) begin() {
	if v.depth == 0 {
		v.pending = map[string][]byte{}
	}
	v.depth++
}

// commit ends a batch, writing what it holds if it is the outermost.
func (v *vault) commit() error {
	v.depth--
	if v.depth > 0 {
		return nil
	}
	changes := v.pending
	v.pending = nil
	if len(changes) == 0 {
		return nil
	}
	if b, ok := v.b.(Batcher); ok {
		return b.Write(changes)
	}
	for k, val := range changes {
		var err error
		if val == nil {
			err = v.b.Delete(k)
		} else {
			err = v.b.Put(k, val)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// discard ends a batch that failed: nothing it held is written.
func (v *vault) discard() {
	v.depth--
	if v.depth == 0 {
		v.pending = nil
	}
}
