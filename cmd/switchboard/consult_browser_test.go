package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// expiredLink books a consultation for yesterday, straight through the
// consultation service on the server's database (with yesterday's clock),
// and returns its patient link, which has expired by now.
func expiredLink(t *testing.T, srv *server, email string) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, srv.data, dataKeys(t, srv.data))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	org, err := db.OrgByID(ctx, u.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	yesterday := func() time.Time { return time.Now().Add(-26 * time.Hour) }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := consult.NewService(db, consult.NewHub(log), log, yesterday, srv.base)
	_, inv, err := svc.Schedule(ctx, consult.Clinician{UserID: u.ID, OrgID: org.ID, Practice: org.Name},
		consult.ScheduleInput{PatientName: "Yesterday Patient", PatientPhone: "07700 900456", StartsAt: yesterday().Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return inv.Link
}

// TestBrowserConsultation drives a video consultation in headless Chromium
// with fake camera and microphone: the patient's join page, device check,
// consent and waiting room; the clinician admitting; video both ways; a
// guest held until admitted; the checklist; chat; single-use and expired
// links; media through the embedded TURN relay; the data protection
// officer reading the record; axe-core on every page.
func TestBrowserConsultation(t *testing.T) {
	dir := needBrowser(t)
	data := t.TempDir()
	srv := startServer(t, data, "--turn-allow-loopback")
	password, secret := clinicianAccount(t, data, "A81001", "sam.patel@example.nhs.uk")
	t.Setenv("SWITCHBOARD_CLINICIAN_EMAIL", "sam.patel@example.nhs.uk")
	t.Setenv("SWITCHBOARD_CLINICIAN_PASSWORD", password)
	t.Setenv("SWITCHBOARD_CLINICIAN_TOTP", secret)
	t.Setenv("SWITCHBOARD_EXPIRED_LINK", expiredLink(t, srv, "sam.patel@example.nhs.uk"))
	dpoPassword, dpoSecret := addUser(t, data, "A81001", "dana.reid@example.nhs.uk", "Dana Reid", "dpo")
	t.Setenv("SWITCHBOARD_DPO_EMAIL", "dana.reid@example.nhs.uk")
	t.Setenv("SWITCHBOARD_DPO_PASSWORD", dpoPassword)
	t.Setenv("SWITCHBOARD_DPO_TOTP", dpoSecret)
	runNode(t, dir, srv, "e2e/consult.test.mjs")
	for _, secret := range []string{"Margaret", "900123", "Polish"} {
		if strings.Contains(srv.logs.String(), secret) {
			t.Errorf("server logs hold %q", secret)
		}
	}
}
