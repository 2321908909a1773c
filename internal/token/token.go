// Package token makes the random identifiers and secrets Switchboard hands
// out, all from crypto/rand, and the hashes under which secrets are stored.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ID returns a new random identifier of 26 lower-case characters (128 bits).
func ID() string {
	var b [16]byte
	rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

// Secret returns a new bearer secret: 256 random bits, URL-safe, prefixed so
// that a leaked one is recognisable.
func Secret(prefix string) string {
	var b [32]byte
	rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Hash returns the hex SHA-256 of a secret, the only form in which secrets
// are stored.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
