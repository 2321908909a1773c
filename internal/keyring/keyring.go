// Package keyring seals the secrets Switchboard keeps at rest (TOTP
// secrets, pending enrolment credentials, patients' names and contacts)
// with AES-256-GCM under keys held outside the database, in a key file.
//
// A sealed value names the key that sealed it, so that a keyring holding
// an old key and a new one opens both while the values are re-sealed, and
// it is bound to where it is kept (a column and a row), so that a value
// copied into another row or column does not open. A keyring never writes
// a key into anything but its key file, and never logs one.
package keyring

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Prefix starts every sealed value: the format's version, then the key
// ID (IDLength hex characters) and "$", then the nonce and ciphertext in
// unpadded base64.
const Prefix = "$sb1$"

// IDLength is the length of a key ID.
const IDLength = 16

// ErrUnknownKey is returned for a value sealed under a key the keyring
// does not hold.
var ErrUnknownKey = errors.New("keyring: the value was sealed with a key this keyring does not hold")

// ErrNotOpened is returned for a value that its key does not open: the
// key is not the one it was sealed with, or the value was altered or moved.
var ErrNotOpened = errors.New("keyring: the value does not open with its key")

// Keyring holds the keys that open sealed values; the current one seals.
type Keyring struct {
	ids     []string // in the key file's order; the last is current
	aeads   map[string]cipher.AEAD
	secrets map[string][]byte
	path    string // the key file it was read from or saved to; "" if none
}

// Path returns the key file the keyring was read from or last saved to,
// or "" if it is kept in none.
func (k *Keyring) Path() string { return k.path }

// New returns a keyring of one new random key, not yet kept in any file.
func New() *Keyring {
	return (&Keyring{}).withNewKey()
}

// Rotate returns a keyring holding k's keys and a new random key, which
// becomes the current one.
func (k *Keyring) Rotate() *Keyring { return k.withNewKey() }

func (k *Keyring) withNewKey() *Keyring {
	out := &Keyring{aeads: map[string]cipher.AEAD{}, secrets: map[string][]byte{}, path: k.path}
	for _, id := range k.ids {
		out.add(id, k.secrets[id]) // checked when k was made
	}
	var idb [IDLength / 2]byte
	key := make([]byte, 32)
	rand.Read(idb[:])
	rand.Read(key)
	out.add(hex.EncodeToString(idb[:]), key) // well-formed by construction
	return out
}

func (k *Keyring) add(id string, key []byte) error {
	if len(key) != 32 {
		return fmt.Errorf("key %s is %d bytes; AES-256 needs 32", id, len(key))
	}
	if _, err := hex.DecodeString(id); err != nil || len(id) != IDLength {
		return fmt.Errorf("key ID %q is not %d hex characters", id, IDLength)
	}
	if _, ok := k.secrets[id]; ok {
		return fmt.Errorf("key %s appears twice", id)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	k.ids = append(k.ids, id)
	k.aeads[id] = aead
	k.secrets[id] = bytes.Clone(key)
	return nil
}

// Current returns the ID of the key that seals.
func (k *Keyring) Current() string { return k.ids[len(k.ids)-1] }

// IDs returns the IDs of every key held, the current one last.
func (k *Keyring) IDs() []string { return append([]string(nil), k.ids...) }

// Has reports whether the keyring holds the key with this ID.
func (k *Keyring) Has(id string) bool {
	_, ok := k.aeads[id]
	return ok
}

// CurrentOnly returns a keyring holding only k's current key, for when
// nothing sealed under the others is left.
func (k *Keyring) CurrentOnly() *Keyring {
	out := &Keyring{aeads: map[string]cipher.AEAD{}, secrets: map[string][]byte{}, path: k.path}
	id := k.Current()
	out.add(id, k.secrets[id]) // checked when k was made
	return out
}

// Seal seals plain under the current key, bound to place (which names
// the column and row it is kept in). The empty string stays empty: there
// is no secret to keep.
func (k *Keyring) Seal(place, plain string) string {
	if plain == "" {
		return ""
	}
	id := k.Current()
	aead := k.aeads[id]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, []byte(plain), []byte(place))
	return Prefix + id + "$" + base64.RawStdEncoding.EncodeToString(sealed)
}

// Open returns the plaintext of a value Seal made for the same place.
// The empty string opens to itself.
func (k *Keyring) Open(place, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	id, ok := KeyID(stored)
	if !ok {
		return "", fmt.Errorf("keyring: the value is not sealed")
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("%w (key %s)", ErrUnknownKey, id)
	}
	b, err := base64.RawStdEncoding.DecodeString(stored[len(Prefix)+IDLength+1:])
	if err != nil || len(b) < aead.NonceSize() {
		return "", fmt.Errorf("%w (key %s)", ErrNotOpened, id)
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(place))
	if err != nil {
		return "", fmt.Errorf("%w (key %s)", ErrNotOpened, id)
	}
	return string(plain), nil
}

// KeyID returns the ID of the key a stored value was sealed with, and
// whether it is sealed at all (values from before sealing are not).
func KeyID(stored string) (string, bool) {
	if !strings.HasPrefix(stored, Prefix) || len(stored) < len(Prefix)+IDLength+1 || stored[len(Prefix)+IDLength] != '$' {
		return "", false
	}
	return stored[len(Prefix) : len(Prefix)+IDLength], true
}

// fileHeader starts every key file.
const fileHeader = "# Switchboard secrets key file. Keep it apart from the database and its backups.\n" +
	"# One key a line: key ID, then the AES-256 key in base64. The last line seals.\n"

// Marshal returns the key file's text.
func (k *Keyring) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(fileHeader)
	for _, id := range k.ids {
		fmt.Fprintf(&b, "%s %s\n", id, base64.StdEncoding.EncodeToString(k.secrets[id]))
	}
	return b.Bytes()
}

// Parse reads a key file's text.
func Parse(text []byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}, secrets: map[string][]byte{}}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, enc, ok := strings.Cut(line, " ")
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if !ok || err != nil {
			return nil, fmt.Errorf("line %d is not a key ID and a base64 key", n)
		}
		if err := k.add(id, key); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
	}
	if len(k.ids) == 0 {
		return nil, errors.New("it holds no key")
	}
	return k, nil
}

// Load reads the key file at path. A missing file is reported as
// os.ErrNotExist.
func Load(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := Parse(b)
	if err != nil {
		return nil, err
	}
	k.path = path
	return k, nil
}

// Save writes the key file at path, readable by its owner alone,
// replacing any file there in one step so that a crash leaves either the
// old file or the new one.
func (k *Keyring) Save(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(k.Marshal()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	k.path = path
	return nil
}

// Create writes k as a new key file at path, failing if one exists.
func (k *Keyring) Create(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(k.Marshal()); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	k.path = path
	return nil
}
