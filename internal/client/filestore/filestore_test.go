package filestore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/client/filestore"
)

func TestFileStore(t *testing.T) {
	root := t.TempDir()
	d, err := filestore.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"msg/ab/02", "msg/ab/01", "conv/ab"} {
		if err := d.Put(k, []byte("v "+k)); err != nil {
			t.Fatalf("Put(%q) = %v", k, err)
		}
	}
	keys, err := d.List("msg/ab/")
	if err != nil || len(keys) != 2 || keys[0] != "msg/ab/01" || keys[1] != "msg/ab/02" {
		t.Errorf("List = %q, %v; want the two records in order", keys, err)
	}
	if b, err := d.Get("msg/ab/01"); err != nil || !bytes.Equal(b, []byte("v msg/ab/01")) {
		t.Errorf("Get = %q, %v", b, err)
	}
	if _, err := d.Get("conv/cd"); err != client.ErrNotFound {
		t.Errorf("Get(missing) = %v; want ErrNotFound", err)
	}
	for _, bad := range []string{"../x", "/etc/passwd", "Conv/AB", ""} {
		if err := d.Put(bad, nil); err == nil {
			t.Errorf("Put(%q) succeeded; want refused", bad)
		}
	}
	if st, err := os.Stat(filepath.Join(root, "conv", "ab")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("record mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	unlock, err := d.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := d.Lock(ctx); err == nil {
		t.Error("a second Lock while held succeeded")
	}
	unlock()
	if err := d.Erase(); err != nil || filestore.Exists(root) {
		t.Errorf("Erase = %v; profile still there: %v", err, filestore.Exists(root))
	}
}
