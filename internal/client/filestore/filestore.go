// Package filestore keeps a client profile in a directory on disk: one
// file per record, written atomically (write, sync, rename) with
// owner-only permissions. It stores the bytes it is given; the client
// encrypts them before they get here.
package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/switchboard-nhs/switchboard/internal/client"
)

// Dir is a profile directory.
type Dir struct {
	root string
}

// Open returns the profile directory root, creating it if needed.
func Open(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("create profile directory: %w", err)
	}
	return &Dir{root: root}, nil
}

// Exists reports whether root holds a profile (a header record).
func Exists(root string) bool {
	_, err := os.Stat(filepath.Join(root, "header"))
	return err == nil
}

func (d *Dir) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "..") {
		return "", fmt.Errorf("filestore: bad key %q", key)
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-", c)) {
			return "", fmt.Errorf("filestore: bad key %q", key)
		}
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Get returns the record at key, or client.ErrNotFound.
func (d *Dir) Get(key string) ([]byte, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, client.ErrNotFound
	}
	return b, err
}

// Put writes the record at key atomically.
func (d *Dir) Put(key string, value []byte) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(value)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// Delete removes the record at key; a missing record is not an error.
func (d *Dir) Delete(key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// List returns the keys of the records directly under dir.
func (d *Dir) List(dir string) ([]string, error) {
	p, err := d.path(strings.TrimSuffix(dir, "/"))
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, strings.TrimSuffix(dir, "/")+"/"+e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

// Lock takes the profile's lock file, waiting for another process to
// release it.
func (d *Dir) Lock(ctx context.Context) (func(), error) {
	return lockFile(ctx, filepath.Join(d.root, ".lock"))
}

// Erase removes every record of the profile and the directory itself.
func (d *Dir) Erase() error {
	return os.RemoveAll(d.root)
}
