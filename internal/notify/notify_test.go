package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/consult"
)

const (
	serviceID = "26785a09-ab16-4eb0-8407-a37497a57506"
	secret    = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	key       = "switchboard_test-" + serviceID + "-" + secret
	template  = "f33517ff-2a88-4f6e-b855-c550268ce08a"
)

// fakeNotify is a local stand-in for the Notify API that checks the JWT as
// Notify does and keeps the requests.
type fakeNotify struct {
	mu   sync.Mutex
	got  []smsRequest
	now  time.Time
	fail bool
}

func (f *fakeNotify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/notifications/sms" {
		http.NotFound(w, r)
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(tok, ".")
	reject := func(msg string) {
		w.WriteHeader(http.StatusForbidden)
		json.NewEncoder(w).Encode(map[string]any{"status_code": 403, "errors": []map[string]string{{"error": "AuthError", "message": msg}}})
	}
	if len(parts) != 3 {
		reject("Invalid token: not a JWT")
		return
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(parts[0] + "." + parts[1]))
	if base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != parts[2] {
		reject("Invalid token: signature")
		return
	}
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Iss string `json:"iss"`
		Iat int64  `json:"iat"`
	}
	if json.Unmarshal(cb, &claims) != nil || claims.Iss != serviceID || abs(claims.Iat-f.now.Unix()) > 30 {
		reject("Invalid token: iss or iat")
		return
	}
	var req smsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || f.fail {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"status_code": 400, "errors": []map[string]string{{"error": "BadRequestError", "message": "Can't send to this recipient " + req.PhoneNumber}}})
		return
	}
	f.mu.Lock()
	f.got = append(f.got, req)
	f.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"id": "740e5834-3a29-46b4-9a6f-16142fde533a"})
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func TestSendSMS(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	fake := &fakeNotify{now: now}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := New(srv.URL, key, template, srv.Client(), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	n := consult.Notice{To: "+447700900123", Practice: "Riverside Surgery", When: "2:30pm on Monday 23 November", Link: "https://sb.example/join/sbj_x"}
	if err := c.Send(context.Background(), n); err != nil {
		t.Fatalf("Send = %v", err)
	}
	want := smsRequest{PhoneNumber: "+447700900123", TemplateID: template, Personalisation: map[string]string{
		"practice": "Riverside Surgery", "time": "2:30pm on Monday 23 November", "link": "https://sb.example/join/sbj_x"}}
	if len(fake.got) != 1 || fake.got[0].PhoneNumber != want.PhoneNumber || len(fake.got[0].Personalisation) != 3 ||
		fake.got[0].Personalisation["link"] != want.Personalisation["link"] || fake.got[0].TemplateID != template {
		t.Errorf("Notify got %+v; want %+v", fake.got, want)
	}

	fake.fail = true
	err = c.Send(context.Background(), n)
	if err == nil || strings.Contains(err.Error(), "900123") || !strings.Contains(err.Error(), "400") {
		t.Errorf("Send(refused) = %v; want a 400 error without the number", err)
	}

	bad, _ := New(srv.URL, "switchboard_test-"+serviceID+"-"+strings.Repeat("0", 36), template, srv.Client(), func() time.Time { return now })
	fake.fail = false
	if err := bad.Send(context.Background(), n); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("Send(wrong key) = %v; want 403", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	now := time.Now
	for _, tc := range []struct{ base, key, tmpl string }{
		{DefaultURL, "short", template},
		{DefaultURL, key, "not-a-uuid"},
		{"http://notify.example", key, template},
	} {
		if _, err := New(tc.base, tc.key, tc.tmpl, http.DefaultClient, now); err == nil {
			t.Errorf("New(%q, %q, %q) = nil error", tc.base, tc.key, tc.tmpl)
		}
	}
}
