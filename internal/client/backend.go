package client

import (
	"context"
	"errors"
)

// ErrNotFound is returned by a Backend for a key it does not hold.
var ErrNotFound = errors.New("client: no such record")

// Backend is where a device keeps its records: on disk for the command
// line (package filestore), in IndexedDB in the browser. It stores opaque
// bytes, already encrypted by the client, except for the header record
// (which holds only the passphrase salt and parameters).
//
// Keys are slash-separated paths of lower-case letters, digits, '.', '_'
// and '-'. List returns the keys directly under a directory such as
// "msg/ID/", in lexical order. Put replaces a record atomically.
type Backend interface {
	Get(key string) ([]byte, error)
	Put(key string, value []byte) error
	Delete(key string) error
	List(dir string) ([]string, error)
	// Lock excludes other processes or tabs using the same profile until
	// unlock is called, so that two of them never advance the same MLS
	// state from one starting point.
	Lock(ctx context.Context) (unlock func(), err error)
	// Erase removes every record: the device was revoked.
	Erase() error
}
