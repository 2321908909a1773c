package smtp

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/switchboard-nhs/switchboard/internal/consult"
)

// inbox is a real SMTP server (go-smtp) on 127.0.0.1 that keeps what it
// receives.
type inbox struct {
	mu   sync.Mutex
	msgs []string
	rcpt []string
}

type session struct{ in *inbox }

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }
func (s *session) Mail(string, *gosmtp.MailOptions) error {
	return nil
}
func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if strings.HasSuffix(to, "@refused.example") {
		return &gosmtp.SMTPError{Code: 550, Message: "no such user " + to}
	}
	s.in.mu.Lock()
	s.in.rcpt = append(s.in.rcpt, to)
	s.in.mu.Unlock()
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.in.mu.Lock()
	s.in.msgs = append(s.in.msgs, string(b))
	s.in.mu.Unlock()
	return err
}

func startInbox(t *testing.T) (*inbox, string) {
	t.Helper()
	in := &inbox{}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &session{in: in}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return in, ln.Addr().String()
}

func TestSendThroughRealSMTPServer(t *testing.T) {
	in, addr := startInbox(t)
	s, err := New("smtp+insecure://"+addr, "Riverside Surgery <noreply@example.nhs.uk>")
	if err != nil {
		t.Fatal(err)
	}
	n := consult.Notice{To: "patient@example.com", Practice: "Riverside Surgery", When: "2:30pm on Monday 23 November", Link: "https://sb.example/join/sbj_x"}
	if err := s.Send(context.Background(), n); err != nil {
		t.Fatalf("Send = %v", err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.msgs) != 1 || in.rcpt[0] != "patient@example.com" {
		t.Fatalf("inbox has %d messages to %v; want 1 to patient@example.com", len(in.msgs), in.rcpt)
	}
	msg := strings.ReplaceAll(in.msgs[0], "=\r\n", "")
	for _, want := range []string{"Subject: Your video consultation with Riverside Surgery", "https://sb.example/join/sbj_x", "2:30pm on Monday 23 November"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestSendErrorHidesAddress(t *testing.T) {
	_, addr := startInbox(t)
	s, err := New("smtp+insecure://"+addr, "noreply@example.nhs.uk")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), consult.Notice{To: "someone@refused.example", Practice: "P", When: "now", Link: "l"})
	if err == nil || strings.Contains(err.Error(), "someone") {
		t.Errorf("Send(refused) = %v; want an error without the address", err)
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "http://mail.example", "smtp://", "smtp://host:port"} {
		if _, err := New(u, "noreply@example.nhs.uk"); err == nil {
			t.Errorf("New(%q) = nil error", u)
		}
	}
	if _, err := New("smtp://mail.example", "not an address"); err == nil {
		t.Error("New with a bad from address = nil error")
	}
}
