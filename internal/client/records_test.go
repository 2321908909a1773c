package client

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fhirtest"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// TestFiledFHIRValidates: the FHIR R4 Bundle a filing offers validates
// against the HL7 schema, and the schema does refuse a broken one.
func TestFiledFHIRValidates(t *testing.T) {
	schema := fhirtest.Schema(t, filepath.Join("..", ".."))
	at := time.Date(2026, 12, 4, 9, 15, 0, 0, time.UTC)
	msgs := []Message{
		{ID: "9f2c4d6e8a0b1c3d5e7f9a1b3c5d7e9f", Sender: "ann@example.nhs.uk", Type: TypeText, Text: "Bed 4: obs stable, NEWS 2", SentAt: at},
		{ID: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d", Sender: "bob@example.nhs.uk", Type: TypeAttachment, Text: `{"id":"x"}`, SentAt: at.Add(time.Minute)},
	}
	b, err := fhirBundle("Ward 7 handover", "EMIS, consultation 4 Dec 2026", "ann@example.nhs.uk", msgs, at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := fhirtest.Validate(t, schema, b); err != nil {
		t.Fatalf("the Bundle does not validate: %v\n%s", err, b)
	}
	var bundle struct {
		Entry []struct {
			FullURL  string         `json:"fullUrl"`
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil || len(bundle.Entry) != 2 {
		t.Fatalf("Bundle %s; want two entries", b)
	}
	for _, e := range bundle.Entry {
		if !strings.HasPrefix(e.FullURL, "urn:uuid:") || len(e.FullURL) != len("urn:uuid:")+36 {
			t.Errorf("fullUrl %q is not a urn:uuid", e.FullURL)
		}
		if err := fhirtest.Validate(t, schema, mustJSON(t, e.Resource)); err != nil {
			t.Errorf("a Communication does not validate on its own: %v", err)
		}
	}
	broken := bytes.Replace(mustJSON(t, bundle.Entry[0].Resource), []byte(`"sent":"2026-12-04T09:15:00Z"`), []byte(`"sent":"this morning"`), 1)
	if fhirtest.Validate(t, schema, broken) == nil {
		t.Error("a Communication sent at no dateTime validated")
	}
	if s := summary("Ward 7 handover", "EMIS", "ann@example.nhs.uk", msgs, at); !strings.Contains(s, "Bed 4: obs stable") || !strings.Contains(s, "[attachment]") {
		t.Errorf("summary %q misses the messages", s)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExpiry: a message past its conversation's retention goes unless a
// hold's period covers it; with no rule, or keep, nothing goes.
func TestExpiry(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	old := &Message{SentAt: now.Add(-31 * 24 * time.Hour)}
	recent := &Message{SentAt: now.Add(-29 * 24 * time.Hour)}
	rule := &wire.ConversationRecord{MaxAgeSeconds: 30 * 24 * 3600, Set: true}
	if !expired(rule, old, now) || expired(rule, recent, now) {
		t.Error("a 30-day rule does not delete exactly what is older than 30 days")
	}
	from, to := now.Add(-40*24*time.Hour), now.Add(-30*24*time.Hour)
	held := &wire.ConversationRecord{MaxAgeSeconds: rule.MaxAgeSeconds, Held: []wire.Period{{From: &from, To: &to}}}
	if expired(held, old, now) {
		t.Error("a message in a held period expired")
	}
	whole := &wire.ConversationRecord{MaxAgeSeconds: rule.MaxAgeSeconds, Held: []wire.Period{{}}}
	if expired(whole, old, now) || expired(&wire.ConversationRecord{}, old, now) || expired(nil, old, now) {
		t.Error("a held, unset or unknown conversation expired a message")
	}
}
