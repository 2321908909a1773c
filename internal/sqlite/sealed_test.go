package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
)

// Values a copied database file must not show.
const (
	rawTOTP    = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"
	rawPatient = "Zebedee Quillfeather"
	rawPhone   = "+447700900461"
)

// sealedFixture stores a user with a TOTP secret and a consultation with a
// patient's name and phone in dir, sealed with keys.
func sealedFixture(t *testing.T, dir string, keys *keyring.Keyring) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, dir, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ev := audit.Event{At: at, OrgID: "o1", Actor: audit.ActorCLI, Action: "test"}
	if err := db.CreateOrg(ctx, &identity.Org{ID: "o1", ODS: "A81001", Name: "P", Policy: identity.DefaultPolicy, CreatedAt: at}, ev); err != nil {
		t.Fatal(err)
	}
	u := &identity.User{ID: "u1", OrgID: "o1", Email: "u@x.nhs.uk", Name: "U", Roles: []identity.Role{identity.RoleClinician}, CreatedAt: at,
		PasswordHash: "$argon2id$x", TOTPSecret: rawTOTP, TOTPConfirmed: true}
	if err := db.CreateUser(ctx, u, nil, ev); err != nil {
		t.Fatal(err)
	}
	c := &consult.Consultation{ID: "c1", OrgID: "o1", ClinicianID: "u1", Practice: "P", PatientName: rawPatient, PatientPhone: rawPhone,
		StartsAt: at.Add(time.Hour), Slot: 15 * time.Minute, Status: consult.StatusScheduled, Mode: consult.ModeVideo, CreatedAt: at}
	p := &consult.Participant{ID: "p1", ConsultID: "c1", Role: consult.RolePatient, Phone: rawPhone, TokenHash: "h1",
		ExpiresAt: at.Add(2 * time.Hour), State: consult.StateInvited, CreatedAt: at}
	if err := db.CreateConsultation(ctx, c, []*consult.Participant{p}, nil, ev); err != nil {
		t.Fatal(err)
	}
}

// fileBytes returns the database file and its WAL as someone copying the
// data directory would have them.
func fileBytes(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, FileName+suffix))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestSecretsSealedAtRest: a copy of the database file shows no TOTP
// secret and no patient's name or phone, while the store reads them back.
func TestSecretsSealedAtRest(t *testing.T) {
	dir, keys := t.TempDir(), keyring.New()
	sealedFixture(t, dir, keys)
	raw := fileBytes(t, dir)
	for _, v := range []string{rawTOTP, rawPatient, rawPhone} {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("the database file holds %q in plaintext", v)
		}
	}
	db, err := Open(t.Context(), dir, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByEmail(t.Context(), "u@x.nhs.uk")
	if err != nil || u.TOTPSecret != rawTOTP {
		t.Errorf("UserByEmail = %+v, %v; want the TOTP secret read back", u, err)
	}
	c, err := db.ConsultationByID(t.Context(), "c1")
	if err != nil || c.PatientName != rawPatient || c.PatientPhone != rawPhone {
		t.Errorf("ConsultationByID = %+v, %v; want the patient's name and phone read back", c, err)
	}
	ps, err := db.ListParticipants(t.Context(), "c1")
	if err != nil || len(ps) != 1 || ps[0].Phone != rawPhone {
		t.Errorf("ListParticipants = %+v, %v; want the patient's phone read back", ps, err)
	}

	// A sealed value moved to another row does not open there.
	if _, err := db.write.Exec(`INSERT INTO users(id, org_id, email, name, roles, created_at, totp_secret)
		SELECT 'u2', org_id, 'v@x.nhs.uk', 'V', roles, created_at, totp_secret FROM users WHERE id = 'u1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UserByID(t.Context(), "u2"); !fault.Is(err, fault.Internal) {
		t.Errorf("UserByID with another row's sealed secret = %v; want it refused", err)
	}
}

// TestPlaintextFromEarlierVersionsSealedOnOpen: rows written in plaintext
// before sealing are sealed when the database is next opened.
func TestPlaintextFromEarlierVersionsSealedOnOpen(t *testing.T) {
	dir, keys := t.TempDir(), keyring.New()
	sealedFixture(t, dir, keys)
	db, err := Open(t.Context(), dir, keys)
	if err != nil {
		t.Fatal(err)
	}
	// As an earlier version left them.
	for _, q := range []string{`UPDATE users SET totp_secret = '` + rawTOTP + `'`, `UPDATE consultations SET patient_name = '` + rawPatient + `'`} {
		if _, err := db.write.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err = Open(t.Context(), dir, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var secret, name string
	if err := db.write.QueryRow(`SELECT u.totp_secret, c.patient_name FROM users u, consultations c`).Scan(&secret, &name); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, keyring.Prefix) || !strings.HasPrefix(name, keyring.Prefix) {
		t.Errorf("after opening, the columns hold %q and %q; want both sealed", secret, name)
	}
	if u, err := db.UserByID(t.Context(), "u1"); err != nil || u.TOTPSecret != rawTOTP {
		t.Errorf("UserByID = %+v, %v; want the secret read back", u, err)
	}
}

// TestWrongKeyRefused: a database opened with keys that did not seal it
// is refused with a sentence, and nothing in it is changed.
func TestWrongKeyRefused(t *testing.T) {
	dir, keys := t.TempDir(), keyring.New()
	sealedFixture(t, dir, keys)
	before := fileBytes(t, dir)
	_, err := Open(t.Context(), dir, keyring.New())
	if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.Message(err), "does not hold") {
		t.Errorf("Open with another key = %v; want a sentence saying the key file does not hold the database's key", err)
	}
	// The right ID with the wrong key.
	forged, err := keyring.Parse([]byte(keys.Current() + " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), dir, forged)
	if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.Message(err), "does not open") {
		t.Errorf("Open with a different key of the same ID = %v; want a sentence saying it does not open the secrets", err)
	}
	if after := fileBytes(t, dir); !bytes.Equal(before, after) {
		t.Errorf("refused opens changed the database")
	}
}
