//go:build !unix

package filestore

import (
	"context"
	"errors"
	"os"
	"time"
)

// lockFile holds a lock file created exclusively; a lock left by a
// crashed process is taken over after staleLock.
func lockFile(ctx context.Context, path string) (func(), error) {
	const staleLock = 5 * time.Minute
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if st, err := os.Stat(path); err == nil && time.Since(st.ModTime()) > staleLock {
			os.Remove(path)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
