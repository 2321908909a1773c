package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// mailbox is a real SMTP server (go-smtp) on 127.0.0.1.
type mailbox struct {
	mu   sync.Mutex
	msgs []string
}

type mailSession struct{ box *mailbox }

func (s *mailSession) Reset()                                 {}
func (s *mailSession) Logout() error                          { return nil }
func (s *mailSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, strings.ReplaceAll(string(b), "=\r\n", ""))
	s.box.mu.Unlock()
	return err
}

// TestInvitationsSentByServer books a consultation on a server configured
// with an SMTP server and a GOV.UK Notify-compatible API (local fakes) and
// checks what reaches them: the link, the practice and the time, nothing
// about the patient.
func TestInvitationsSentByServer(t *testing.T) {
	box := &mailbox{}
	smtpSrv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &mailSession{box: box}, nil }))
	smtpSrv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go smtpSrv.Serve(ln)
	t.Cleanup(func() { smtpSrv.Close() })

	var mu sync.Mutex
	var sms []map[string]any
	notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/notifications/sms" || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
			http.Error(w, `{"errors":[{"error":"AuthError"}]}`, http.StatusForbidden)
			return
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		sms = append(sms, body)
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id":"740e5834-3a29-46b4-9a6f-16142fde533a"}`))
	}))
	t.Cleanup(notify.Close)

	data := t.TempDir()
	srv := startServer(t, data,
		"--smtp-url", "smtp+insecure://"+ln.Addr().String(), "--smtp-from", "Riverside Surgery <noreply@example.nhs.uk>",
		"--notify-url", notify.URL, "--notify-key", "test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
		"--notify-sms-template", "f33517ff-2a88-4f6e-b855-c550268ce08a")
	password, secret := clinicianAccount(t, data, "A81001", "sam@example.nhs.uk")
	auth := signInCLI(t, srv, "sam@example.nhs.uk", password, secret, 0)
	var booked struct {
		Invite struct {
			Link string   `json:"link"`
			Sent []string `json:"sent"`
		} `json:"invite"`
	}
	api(t, &http.Client{Timeout: 30 * time.Second}, "POST", srv.base+"/api/consultations", map[string]any{
		"patient_name": "Margaret Oduya", "patient_phone": "07700 900123", "patient_email": "margaret@example.com",
		"reason": "Asthma review", "starts_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, auth, &booked)
	if strings.Join(booked.Invite.Sent, ",") != "email,sms" {
		t.Fatalf("invite sent by %v; want email and sms", booked.Invite.Sent)
	}
	mu.Lock()
	defer mu.Unlock()
	box.mu.Lock()
	defer box.mu.Unlock()
	if len(sms) != 1 || len(box.msgs) != 1 {
		t.Fatalf("%d texts and %d emails reached the fakes; want one each", len(sms), len(box.msgs))
	}
	pers, _ := sms[0]["personalisation"].(map[string]any)
	if sms[0]["phone_number"] != "+447700900123" || pers["link"] != booked.Invite.Link || pers["practice"] != "Riverside Surgery" || len(pers) != 3 {
		t.Errorf("Notify got %v; want the number, and only link, practice and time", sms[0])
	}
	if !strings.Contains(box.msgs[0], booked.Invite.Link) || !strings.Contains(box.msgs[0], "Riverside Surgery") {
		t.Errorf("email lacks the link or practice:\n%s", box.msgs[0])
	}
	for _, leak := range []string{"Margaret", "Oduya", "Asthma"} {
		b, _ := json.Marshal(sms[0])
		if strings.Contains(box.msgs[0], leak) || strings.Contains(string(b), leak) {
			t.Errorf("an invitation holds %q", leak)
		}
	}
}
