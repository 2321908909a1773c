package keyring_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/keyring"
)

func TestSealOpen(t *testing.T) {
	k := keyring.New()
	sealed := k.Seal("users.totp_secret\x00u1", "JBSWY3DPEHPK3PXP")
	if strings.Contains(sealed, "JBSWY3DPEHPK3PXP") || !strings.HasPrefix(sealed, keyring.Prefix+k.Current()+"$") {
		t.Fatalf("Seal = %q; want it sealed under %s", sealed, k.Current())
	}
	if again := k.Seal("users.totp_secret\x00u1", "JBSWY3DPEHPK3PXP"); again == sealed {
		t.Error("Seal twice gave the same value; want a fresh nonce each time")
	}
	if got, err := k.Open("users.totp_secret\x00u1", sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Errorf("Open = %q, %v; want the secret", got, err)
	}
	if _, err := k.Open("users.totp_secret\x00u2", sealed); !errors.Is(err, keyring.ErrNotOpened) {
		t.Errorf("Open in another row = %v; want ErrNotOpened", err)
	}
	if _, err := keyring.New().Open("users.totp_secret\x00u1", sealed); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Errorf("Open with another keyring = %v; want ErrUnknownKey", err)
	}
	if s := k.Seal("x", ""); s != "" {
		t.Errorf("Seal of nothing = %q; want nothing", s)
	}

	// After rotation both keys open; the new one seals.
	r := k.Rotate()
	if got, err := r.Open("users.totp_secret\x00u1", sealed); err != nil || got != "JBSWY3DPEHPK3PXP" || r.Current() == k.Current() {
		t.Errorf("rotated Open = %q, %v (current %s); want the old value opened and a new current key", got, err, r.Current())
	}
	if ids := r.CurrentOnly().IDs(); len(ids) != 1 || ids[0] != r.Current() {
		t.Errorf("CurrentOnly holds %v; want only %s", ids, r.Current())
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.key")
	k := keyring.New().Rotate()
	if err := k.Create(path); err != nil {
		t.Fatal(err)
	}
	if err := k.Create(path); err == nil {
		t.Error("Create over an existing key file succeeded; want it refused")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v; want 0600", fi, err)
	}
	back, err := keyring.Load(path)
	if err != nil || back.Current() != k.Current() || len(back.IDs()) != 2 || back.Path() != path {
		t.Fatalf("Load = %v, %v; want both keys, %s current", back, err, k.Current())
	}
	for _, bad := range []string{"", "# nothing\n", "0123456789abcdef notbase64!\n", "short AAAA\n", "0123456789abcdef AAAA\n"} {
		if _, err := keyring.Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) succeeded; want an error", bad)
		}
	}
}
