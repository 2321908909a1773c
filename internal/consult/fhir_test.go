package consult_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/fhirtest"
)

func fhirSchema(t *testing.T) *jsonschema.Schema {
	return fhirtest.Schema(t, filepath.Join("..", ".."))
}

func validate(t *testing.T, s *jsonschema.Schema, v any) error {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return fhirtest.Validate(t, s, b)
}

func TestEncounterValidatesAgainstFHIRSchema(t *testing.T) {
	schema := fhirSchema(t)
	f := newFixture(t)
	ctx := context.Background()
	c, tok := f.schedule(t)
	g, err := f.svc.AddGuest(ctx, f.cl, c.ID, consult.GuestInput{Role: consult.RoleCarer, Label: "Son"})
	if err != nil {
		t.Fatal(err)
	}
	f.enter(t, tok)
	f.enter(t, strings.TrimPrefix(g.Link, "https://sb.example/join/"))
	d, _ := f.svc.Get(ctx, f.cl, c.ID)
	for _, p := range d.Participants {
		f.connect(c, p.ID)
	}
	if err := f.svc.Admit(ctx, f.cl, c.ID, d.Participants[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveChecklist(ctx, f.cl, c.ID, consult.ChecklistInput{IdentityMethod: consult.IdentityOther, IdentityDetail: "Photo ID shown", PrivateSpace: true, OthersPresent: "Son", FallbackPhone: "01632 960123"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Admit(ctx, f.cl, c.ID, d.Participants[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ChangeMode(ctx, f.cl, c.ID, consult.ModeAudio, false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.End(ctx, f.cl, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetOutcome(ctx, f.cl, c.ID, "Advice given.\nReview in 2 weeks."); err != nil {
		t.Fatal(err)
	}
	d, _ = f.svc.Get(ctx, f.cl, c.ID)
	enc := d.Encounter(consult.ExportContext{ODS: "A81001", ClinicianName: "Dr Sam Patel"})
	if err := validate(t, schema, enc); err != nil {
		t.Fatalf("Encounter does not validate: %v", err)
	}
	b, _ := json.Marshal(enc)
	for _, want := range []string{`"status":"finished"`, `"code":"VR"`, "implied-consent", "opening-checklist", "mode-change", "Review in 2 weeks", `"display":"Son"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("Encounter lacks %s: %s", want, b)
		}
	}

	// The schema is strict enough to catch a broken export.
	enc.Status = "done"
	if err := validate(t, schema, enc); err == nil {
		t.Error("an Encounter with status \"done\" validated; the schema check cannot fail")
	}
}
