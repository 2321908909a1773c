package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/postgres/pgtest"
)

// TestSecretsSealedAtRest: the rows PostgreSQL keeps show no TOTP secret
// and no patient's name, while the store reads them back; reopened with
// another key file, the database is refused with a sentence.
func TestSecretsSealedAtRest(t *testing.T) {
	const secret, patient = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA", "Zebedee Quillfeather"
	ctx := context.Background()
	url := pgtest.Database(t)
	db := openURL(t, url)
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ev := audit.Event{At: at, OrgID: "o1", Actor: audit.ActorCLI, Action: "test"}
	if err := db.CreateOrg(ctx, &identity.Org{ID: "o1", ODS: "A81001", Name: "P", Policy: identity.DefaultPolicy, CreatedAt: at}, ev); err != nil {
		t.Fatal(err)
	}
	u := &identity.User{ID: "u1", OrgID: "o1", Email: "u@x.nhs.uk", Name: "U", Roles: []identity.Role{identity.RoleClinician}, CreatedAt: at,
		PasswordHash: "$argon2id$x", TOTPSecret: secret, TOTPConfirmed: true}
	if err := db.CreateUser(ctx, u, nil, ev); err != nil {
		t.Fatal(err)
	}
	c := &consult.Consultation{ID: "c1", OrgID: "o1", ClinicianID: "u1", Practice: "P", PatientName: patient,
		StartsAt: at.Add(time.Hour), Slot: 15 * time.Minute, Status: consult.StatusScheduled, Mode: consult.ModeVideo, CreatedAt: at}
	if err := db.CreateConsultation(ctx, c, nil, nil, ev); err != nil {
		t.Fatal(err)
	}
	var user, consultation string
	if err := db.SQL().QueryRow(`SELECT row_to_json(u)::text FROM users u`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow(`SELECT row_to_json(c)::text FROM consultations c`).Scan(&consultation); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(user, secret) || !strings.Contains(user, keyring.Prefix) {
		t.Errorf("the users row is %s; want the TOTP secret sealed", user)
	}
	if strings.Contains(consultation, patient) || !strings.Contains(consultation, keyring.Prefix) {
		t.Errorf("the consultations row is %s; want the patient's name sealed", consultation)
	}
	if got, err := db.UserByID(ctx, "u1"); err != nil || got.TOTPSecret != secret {
		t.Errorf("UserByID = %+v, %v; want the secret read back", got, err)
	}
	if got, err := db.ConsultationByID(ctx, "c1"); err != nil || got.PatientName != patient {
		t.Errorf("ConsultationByID = %+v, %v; want the name read back", got, err)
	}
	if _, err := Open(ctx, url, keyring.New()); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("Open with another key = %v; want a sentence saying the key file does not hold the database's key", err)
	}
}
