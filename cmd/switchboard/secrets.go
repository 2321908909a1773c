package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/postgres"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// secretsKeyFileName is the key file's name in the data directory when
// --secrets-key-file does not name another.
const secretsKeyFileName = "secrets.key"

// secretsKeyHelp describes --secrets-key-file for serve and admin alike.
const secretsKeyHelp = "file holding the keys that seal TOTP secrets and patients' details at rest " +
	"(default: " + secretsKeyFileName + " in --data, made on first start); back it up apart from the database"

// addSecretsKeyFlag adds --secrets-key-file (SWITCHBOARD_SECRETS_KEY_FILE).
func addSecretsKeyFlag(fs *flag.FlagSet) *string {
	return fs.String("secrets-key-file", "", secretsKeyHelp)
}

// keyFilePath is the key file to use: the one named, or the default in
// the data directory.
func keyFilePath(dataDir, keyFile string) string {
	if keyFile != "" {
		return keyFile
	}
	return filepath.Join(dataDir, secretsKeyFileName)
}

// loadKeys reads the key file, or, where there is none, makes a new key
// and writes it there (readable by the server's user alone), reporting
// that it did. The caller removes a file it made if the database turns
// out to hold secrets sealed under another key.
func loadKeys(dataDir, keyFile string) (keys *keyring.Keyring, path string, made bool, err error) {
	path = keyFilePath(dataDir, keyFile)
	keys, err = keyring.Load(path)
	switch {
	case err == nil:
		if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return nil, path, false, fault.Wrap(fault.Invalid, "The secrets key file "+path+" can be read by others and its permissions cannot be narrowed; make it readable by the server's user alone.", err)
			}
		}
		return keys, path, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, path, false, fault.Wrap(fault.Invalid, "The secrets key file "+path+" cannot be read; check its permissions.", err)
		}
		return nil, path, false, fault.Wrap(fault.Invalid, "The secrets key file "+path+" is not a Switchboard key file ("+err.Error()+"); restore it from its backup.", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, path, false, fault.Wrap(fault.Invalid, "The directory for the secrets key file "+path+" cannot be created; check --data and --secrets-key-file.", err)
	}
	keys = keyring.New()
	if err := keys.Create(path); err != nil {
		return nil, path, false, fault.Wrap(fault.Invalid, "The secrets key file "+path+" cannot be written; check the directory's permissions.", err)
	}
	return keys, path, true, nil
}

// openBackend opens SQLite in the data directory or PostgreSQL at the URL
// with keys.
func openBackend(ctx context.Context, dataDir, databaseURL string, keys *keyring.Keyring) (store, error) {
	if databaseURL == "" {
		return sqlite.Open(ctx, dataDir, keys)
	}
	if err := checkDatabaseURL(databaseURL); err != nil {
		return nil, err
	}
	return postgres.Open(ctx, databaseURL, keys)
}

// openStore is the one switch between backends: PostgreSQL when a
// database URL is given, otherwise SQLite in the data directory; either is
// opened with the key file, which it reads or makes. A
// key file made now is removed again if the database refuses it: a
// database with sealed secrets and no key file is an error to report,
// never a reason for a new key.
func openStore(ctx context.Context, dataDir, databaseURL, keyFile string) (store, error) {
	keys, path, made, err := loadKeys(dataDir, keyFile)
	if err != nil {
		return nil, err
	}
	st, err := openBackend(ctx, dataDir, databaseURL, keys)
	if err != nil && made {
		os.Remove(path)
		if errors.Is(err, keyring.ErrUnknownKey) {
			return nil, fault.Wrap(fault.Invalid, "The secrets key file "+path+" is missing, but the database holds secrets sealed with a key. "+
				"Restore the key file from its backup, or name it with --secrets-key-file.", err)
		}
	}
	return st, err
}

// runRotateSecrets makes a new key, re-seals every sealed value under it
// in one transaction, and then drops the old keys from the key file. The
// key file holds old and new keys until the transaction has committed, so
// a failure at any point leaves every value openable.
func runRotateSecrets(ctx context.Context, now func() time.Time, dataDir, databaseURL, keyFile string, stdout io.Writer) error {
	path := keyFilePath(dataDir, keyFile)
	old, err := keyring.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fault.Wrap(fault.Invalid, "There is no secrets key file at "+path+" to rotate; check --data and --secrets-key-file.", err)
	}
	if err != nil {
		return fault.Wrap(fault.Invalid, "The secrets key file "+path+" cannot be read ("+err.Error()+").", err)
	}
	next := old.Rotate()
	if err := next.Save(path); err != nil {
		return fault.Wrap(fault.Invalid, "The secrets key file "+path+" cannot be rewritten; nothing was changed.", err)
	}
	st, err := openBackend(ctx, dataDir, databaseURL, next)
	if err != nil {
		return err
	}
	counts, err := st.Reseal(ctx, audit.Event{At: now(), Actor: audit.ActorCLI, Action: "secrets.rotate"})
	st.Close()
	if err != nil {
		return fmt.Errorf("re-seal secrets (the key file %s holds the old and new keys; run rotate again): %w", path, err)
	}
	if err := next.CurrentOnly().Save(path); err != nil {
		return fault.Wrap(fault.Invalid, "Every secret is sealed with the new key, but the old keys could not be removed from "+path+"; they remain there, harmlessly.", err)
	}
	total := 0
	for _, c := range counts {
		total += c.Rows
	}
	fmt.Fprintf(stdout, "Rotated the secrets key to %s: %d values re-sealed in one transaction.\n", next.Current(), total)
	for _, c := range counts {
		fmt.Fprintf(stdout, "  %-34s %d\n", c.Column, c.Rows)
	}
	fmt.Fprintf(stdout, "The key file %s now holds only the new key; back it up now, apart from the database.\n", path)
	return nil
}
