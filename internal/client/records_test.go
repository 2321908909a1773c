package client

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// TestRulesRefresh: a device asks for the records rules at most once a
// minute, at once for a conversation they do not name; a conversation the
// server no longer describes keeps its last rules, and one it never
// described is not asked about again and again.
func TestRulesRefresh(t *testing.T) {
	var asked int
	answer := wire.RecordsRules{Conversations: []wire.ConversationRecord{{ID: "c1", Kind: "team", MaxAgeSeconds: 3600, Set: true}}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked++
		json.NewEncoder(w).Encode(answer)
	}))
	defer ts.Close()
	c, _ := testClient(t, ts)
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	ctx := t.Context()
	get := func(ids ...string) *wire.RecordsRules {
		t.Helper()
		r, err := c.refreshRules(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	get("c1")
	get("c1")
	if asked != 1 {
		t.Fatalf("asked %d times within a minute; want once", asked)
	}
	get("c1", "c2") // c2 is new: asked at once; the server does not describe it
	get("c1", "c2")
	if asked != 2 {
		t.Fatalf("asked %d times; want once more for the new conversation, then not again", asked)
	}
	answer.Conversations = nil // the device has left c1
	now = now.Add(2 * time.Minute)
	r := get("c1", "c2")
	if asked != 3 {
		t.Fatalf("asked %d times; want again after a minute", asked)
	}
	if rec, ok := recordsOf(r, "c1"); !ok || rec.MaxAgeSeconds != 3600 {
		t.Errorf("rules for a conversation left = %+v; want its last ones", rec)
	}
}

// TestDeletionEntry: a deletion entry the service signed deletes the
// messages it names from the device and notes the filing to confirm; one
// signed by another key deletes nothing.
func TestDeletionEntry(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	c, b := testClient(t, ts)
	service := testKeyPair(t)
	c.prof.ServiceKey = []byte(service.Public().(ed25519.PublicKey))
	cv := newConv(t, c)
	for seq := uint64(2); seq <= 4; seq++ {
		if err := c.v.put(msgKey(cv.rec.ID, seq), &Message{ID: fmt.Sprint("m", seq), Seq: seq, Type: TypeText, Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	entry := func(key ed25519.PrivateKey, seq uint64) wire.Message {
		data, err := wire.SignDeletion(key, &wire.Deletion{Conversation: cv.rec.ID, Ranges: [][2]uint64{{2, 3}}, Filing: "f1"})
		if err != nil {
			t.Fatal(err)
		}
		return wire.Message{Conversation: cv.rec.ID, Seq: seq, Kind: wire.KindDeletion, Message: data}
	}
	if err := c.applyAll(cv, []wire.Message{entry(testKeyPair(t), 5)}, nil); err != nil {
		t.Fatal(err)
	}
	if keys, _ := b.List("msg/" + cv.rec.ID + "/"); len(keys) != 3 {
		t.Fatalf("a forged deletion entry left %d messages; want all 3", len(keys))
	}
	if err := c.applyAll(cv, []wire.Message{entry(service, 6)}, nil); err != nil {
		t.Fatal(err)
	}
	keys, _ := b.List("msg/" + cv.rec.ID + "/")
	if len(keys) != 1 || !strings.HasSuffix(keys[0], "04") {
		t.Errorf("after the service's deletion entry the device holds %v; want only message 4", keys)
	}
	if ok, _ := c.v.has(confirmKey("f1")); !ok {
		t.Error("the filing's deletion is not noted for confirmation")
	}
}

func testKeyPair(t *testing.T) ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}
