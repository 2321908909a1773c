package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/postgres"
	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// addSealedUser adds an organisation and a user through the console and
// returns the user's TOTP secret.
func addSealedUser(t *testing.T, args ...string) string {
	t.Helper()
	if _, errOut, err := cli(t, "", append(append([]string{"admin"}, args...), "org", "add", "--ods", "RXX", "--name", "Trust")...); err != nil {
		t.Fatalf("org add = %v (%s)", err, errOut)
	}
	out, errOut, err := cli(t, "tulip ladder velvet orbit\n", append(append([]string{"admin"}, args...), "user", "add", "--org", "RXX",
		"--email", "ann@example.nhs.uk", "--name", "Ann", "--role", "clinician", "--password-stdin", "--json")...)
	if err != nil {
		t.Fatalf("user add = %v (%s)", err, errOut)
	}
	var u struct {
		URI string `json:"totp_uri"`
	}
	json.Unmarshal([]byte(out), &u)
	uri, err := url.Parse(u.URI)
	if err != nil || uri.Query().Get("secret") == "" {
		t.Fatalf("user add printed %q; want a TOTP URI with its secret", out)
	}
	return uri.Query().Get("secret")
}

// TestSecretsKeyFileAndRotation: the first start makes a key file beside
// the database, readable by its owner alone; the database file never
// holds the TOTP secret; rotation re-seals under a new key and sign-in
// still works; a missing or wrong key file stops the server with a
// sentence and is never silently replaced.
func TestSecretsKeyFileAndRotation(t *testing.T) {
	data := t.TempDir()
	secret := addSealedUser(t, "--data", data)
	keyFile := filepath.Join(data, secretsKeyFileName)
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %s: %v, %v; want it made with mode 0600", keyFile, fi, err)
	}
	for _, name := range []string{sqlite.FileName, sqlite.FileName + "-wal"} {
		if b, _ := os.ReadFile(filepath.Join(data, name)); bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the TOTP secret in plaintext", name)
		}
	}
	before := dataKeys(t, data)

	out, errOut, err := cli(t, "", "admin", "--data", data, "secrets", "rotate")
	if err != nil {
		t.Fatalf("secrets rotate = %v (%s)", err, errOut)
	}
	after := dataKeys(t, data)
	if ids := after.IDs(); len(ids) != 1 || ids[0] == before.Current() {
		t.Errorf("after rotation the key file holds %v; want only a new key, not %s", ids, before.Current())
	}
	if !strings.Contains(out, "users.totp_secret") || !strings.Contains(out, "1 values re-sealed") {
		t.Errorf("secrets rotate printed:\n%s\nwant one value re-sealed, counted by column", out)
	}
	if _, err := sqlite.Open(context.Background(), data, before); err == nil {
		t.Error("the database still opens with the old key after rotation")
	}
	db, err := sqlite.Open(context.Background(), data, after)
	if err != nil {
		t.Fatal(err)
	}
	var detail string
	err = db.SQL().QueryRow(`SELECT detail FROM audit WHERE action = 'secrets.rotate'`).Scan(&detail)
	db.Close()
	if err != nil || !strings.Contains(detail, after.Current()) {
		t.Errorf("audit entry of the rotation: %q, %v; want one naming the new key", detail, err)
	}
	if out, _, err := cli(t, "", "admin", "--data", data, "audit", "verify"); err != nil || !strings.Contains(out, "intact") {
		t.Errorf("audit verify after rotation = %v %q; want the chain intact", err, out)
	}
	srv := startServer(t, data)
	signInCLI(t, srv, "ann@example.nhs.uk", "tulip ladder velvet orbit", secret, 0)

	// Without its key file the database is refused, and no key is made.
	moved := filepath.Join(t.TempDir(), "kept.key")
	if err := os.Rename(keyFile, moved); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--turn-addr", "127.0.0.1:0", "--data", data},
		{"admin", "--data", data, "user", "unlock", "--email", "ann@example.nhs.uk"},
	} {
		_, _, err := cli(t, "", args...)
		if msg := userMessage(err); err == nil || !strings.Contains(msg, "is missing") || !strings.Contains(msg, "backup") {
			t.Errorf("%s without the key file = %v; want a sentence saying it is missing", args[0], err)
		}
		if _, err := os.Stat(keyFile); err == nil {
			t.Errorf("%s without the key file made a new one", args[0])
		}
	}
	// With another key file, it is refused too.
	if err := keyring.New().Save(keyFile); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "admin", "--data", data, "user", "unlock", "--email", "ann@example.nhs.uk"); !strings.Contains(userMessage(err), "does not hold") {
		t.Errorf("admin with another key file = %v; want a sentence saying it does not hold the database's key", err)
	}
	// Named through the environment, the kept key file opens it again.
	env := func(k string) string {
		if k == "SWITCHBOARD_SECRETS_KEY_FILE" {
			return moved
		}
		return ""
	}
	var o, e bytes.Buffer
	if err := run(context.Background(), []string{"admin", "--data", data, "user", "unlock", "--email", "ann@example.nhs.uk"}, env, strings.NewReader(""), &o, &e); err != nil {
		t.Errorf("admin with SWITCHBOARD_SECRETS_KEY_FILE = %v (%s); want the kept key file used", err, e.String())
	}
}

// TestSecretsRotationOnPostgres: the same on PostgreSQL, with the key
// file named by --secrets-key-file; the rows never hold the secret.
func TestSecretsRotationOnPostgres(t *testing.T) {
	dbURL, keyFile := pgtest.Database(t), filepath.Join(t.TempDir(), "switchboard.key")
	args := []string{"--data", t.TempDir(), "--database-url", dbURL, "--secrets-key-file", keyFile}
	secret := addSealedUser(t, args...)
	if _, _, err := cli(t, "", append(append([]string{"admin"}, args...), "secrets", "rotate")...); err != nil {
		t.Fatalf("secrets rotate = %v", err)
	}
	keys, err := keyring.Load(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), dbURL, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var row string
	if err := db.SQL().QueryRow(`SELECT totp_secret FROM users`).Scan(&row); err != nil {
		t.Fatal(err)
	}
	if id, _ := keyring.KeyID(row); id != keys.Current() || strings.Contains(row, secret) {
		t.Errorf("users.totp_secret is %q; want it sealed under the new key %s", row, keys.Current())
	}
	srv := startServer(t, t.TempDir(), "--database-url", dbURL, "--secrets-key-file", keyFile)
	signInCLI(t, srv, "ann@example.nhs.uk", "tulip ladder velvet orbit", secret, 0)
}
