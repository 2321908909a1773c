// Package notify sends consultation invitations by SMS through GOV.UK
// Notify's HTTP API (or any service that speaks it; the base URL is
// configurable, so tests run a local fake).
//
// The template on the Notify side must use exactly the placeholders
// ((practice)), ((time)) and ((link)): the invitation carries nothing else,
// never a patient's name. Errors never carry the phone number.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/consult"
)

// DefaultURL is GOV.UK Notify's API.
const DefaultURL = "https://api.notifications.service.gov.uk"

// Client sends SMS through the Notify API.
type Client struct {
	base     string
	service  string // the service ID (JWT issuer)
	secret   string // the signing secret
	template string
	http     *http.Client
	now      func() time.Time
}

// New returns a Client. key is a Notify API key, "NAME-SERVICEID-SECRET"
// where the IDs are UUIDs; template is the SMS template's ID.
func New(base, key, template string, hc *http.Client, now func() time.Time) (*Client, error) {
	if len(key) < 74 || key[len(key)-37] != '-' || key[len(key)-74] != '-' {
		return nil, errors.New("--notify-key must be a GOV.UK Notify API key (name-serviceid-secret)")
	}
	if len(template) != 36 {
		return nil, errors.New("--notify-sms-template must be the ID of a Notify SMS template (a UUID)")
	}
	if !strings.HasPrefix(base, "https://") && !strings.HasPrefix(base, "http://127.0.0.1") && !strings.HasPrefix(base, "http://localhost") {
		return nil, errors.New("--notify-url must be an https:// URL")
	}
	return &Client{base: strings.TrimRight(base, "/"), service: key[len(key)-73 : len(key)-37], secret: key[len(key)-36:],
		template: template, http: hc, now: now}, nil
}

// Channel is "sms".
func (c *Client) Channel() string { return "sms" }

// token is the HS256 JWT Notify expects, issued now.
func (c *Client) token() string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims := enc.EncodeToString([]byte(`{"iss":"` + c.service + `","iat":` + strconv.FormatInt(c.now().Unix(), 10) + `}`))
	m := hmac.New(sha256.New, []byte(c.secret))
	m.Write([]byte(header + "." + claims))
	return header + "." + claims + "." + enc.EncodeToString(m.Sum(nil))
}

type smsRequest struct {
	PhoneNumber     string            `json:"phone_number"`
	TemplateID      string            `json:"template_id"`
	Personalisation map[string]string `json:"personalisation"`
}

type errorReply struct {
	Errors []struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"errors"`
}

// Send texts the invitation n.
func (c *Client) Send(ctx context.Context, n consult.Notice) error {
	body, err := json.Marshal(smsRequest{PhoneNumber: n.To, TemplateID: c.template,
		Personalisation: map[string]string{"practice": n.Practice, "time": n.When, "link": n.Link}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v2/notifications/sms", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token())
	req.Header.Set("User-Agent", "switchboard")
	res, err := c.http.Do(req)
	if err != nil {
		return errors.New("notify: could not reach the Notify API")
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode == http.StatusCreated {
		return nil
	}
	var er errorReply
	kind := ""
	if json.Unmarshal(b, &er) == nil && len(er.Errors) > 0 {
		kind = er.Errors[0].Error // the error class only: messages may quote the number
	}
	return fmt.Errorf("notify: the Notify API answered %d %s", res.StatusCode, kind)
}
