// Package smtp sends consultation invitations by email through an SMTP
// server (github.com/wneessen/go-mail).
//
// It never logs or returns the recipient's address: errors carry the SMTP
// status only, since a server's reply often echoes the address.
package smtp

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/switchboard-nhs/switchboard/internal/consult"
)

// Sender sends invitations by email.
type Sender struct {
	host string
	opts []gomail.Option
	from string
}

// New returns a Sender for an SMTP URL:
//
//	smtps://user:pass@host:465        TLS from the start
//	smtp://user:pass@host:587         STARTTLS, required
//	smtp+insecure://host:25           no TLS: only for a relay on the same machine
//
// from is the sender address, such as "Riverside Surgery <noreply@example.nhs.uk>".
func New(rawURL, from string) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, errors.New("--smtp-url must look like smtp://user:password@host:587")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, errors.New("--smtp-from must be an email address, such as noreply@example.nhs.uk")
	}
	port, defPort := u.Port(), ""
	opts := []gomail.Option{gomail.WithTimeout(15 * time.Second)}
	switch u.Scheme {
	case "smtps":
		defPort = "465"
		opts = append(opts, gomail.WithSSL())
	case "smtp":
		defPort = "587"
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "smtp+insecure":
		defPort = "25"
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, errors.New("--smtp-url must start with smtps://, smtp:// or smtp+insecure://")
	}
	if port == "" {
		port = defPort
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, errors.New("--smtp-url has a port that is not a number")
	}
	opts = append(opts, gomail.WithPort(p))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &Sender{host: u.Hostname(), opts: opts, from: from}, nil
}

// Channel is "email".
func (s *Sender) Channel() string { return "email" }

// Send emails the invitation n.
func (s *Sender) Send(ctx context.Context, n consult.Notice) error {
	m := gomail.NewMsg()
	if err := m.From(s.from); err != nil {
		return fmt.Errorf("smtp: sender address: %w", err)
	}
	if err := m.To(n.To); err != nil {
		return errors.New("smtp: the recipient address is not valid")
	}
	m.Subject(n.Subject())
	m.SetBodyString(gomail.TypeTextPlain, n.Body())
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) {
			return fmt.Errorf("smtp: sending failed (%s, SMTP %d)", se.Reason, se.ErrorCode())
		}
		return errors.New("smtp: could not reach the mail server or it refused the message")
	}
	return nil
}
