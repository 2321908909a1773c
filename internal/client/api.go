package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// api speaks the messaging contract (docs/messaging.md) to one server.
type api struct {
	base      string // without a trailing slash
	token     string
	transport Transport
	// erase is called when the server says the device was revoked.
	erase func()
}

// staleEpoch is the server's 409 for a commit or message made in an epoch
// that has moved on.
type staleEpoch struct {
	Epoch uint64
	msg   string
}

func (e *staleEpoch) Error() string { return "stale epoch: " + e.msg }

// do sends a JSON request and decodes a JSON answer into out (if not
// nil). Server errors become fault errors carrying the server's sentence.
func (a *api) do(ctx context.Context, method, path string, in, out any) error {
	req := &Request{Method: method, URL: a.base + path, Header: map[string]string{"Accept": "application/json"}}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		req.Body = b
		req.Header["Content-Type"] = "application/json"
	}
	if a.token != "" {
		req.Header["Authorization"] = "Bearer " + a.token
	}
	resp, err := a.transport.Do(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fault.Wrap(fault.Unavailable, "Could not reach the server at "+a.base+"; check the address and your connection.", err)
	}
	raw := resp.Body
	if resp.Status == statusUnauthorized && a.erase != nil && revoked(raw) {
		a.erase()
		return ErrErased
	}
	if resp.Status >= 300 {
		err := statusError(resp.Status, raw, method+" "+path)
		var fe *fault.Error
		if secs, perr := strconv.Atoi(resp.RetryAfter); perr == nil && errors.As(err, &fe) {
			fe.RetryAfter = time.Duration(secs) * time.Second
		}
		return err
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fault.Wrap(fault.Internal, "The server sent an answer this client does not understand.", fmt.Errorf("%s %s: %w", method, path, err))
	}
	return nil
}

// revoked reports whether an error answer orders the device to erase
// itself.
func revoked(raw []byte) bool {
	var e struct {
		Erase bool `json:"erase"`
	}
	return json.Unmarshal(raw, &e) == nil && e.Erase
}

// statusError turns an error answer into a fault error.
func statusError(status int, raw []byte, what string) error {
	var e struct {
		Error string  `json:"error"`
		Epoch *uint64 `json:"epoch"`
	}
	_ = json.Unmarshal(raw, &e)
	msg := strings.TrimSpace(e.Error)
	cause := fmt.Errorf("%s: status %d", what, status)
	if status == statusConflict && e.Epoch != nil {
		return fault.Wrap(fault.Conflict, orDefault(msg, "The conversation has moved on; try again."), &staleEpoch{Epoch: *e.Epoch, msg: msg})
	}
	kind := fault.Internal
	switch {
	case status == statusUnauthorized && what == "POST /api/session":
		kind = fault.Unauthenticated // the server says what was wrong, never which part
	case status == statusUnauthorized:
		kind, msg = fault.Unauthenticated, "This device's session has ended; sign in again."
	case status == statusForbidden:
		kind = fault.Forbidden
	case status == statusNotFound:
		kind = fault.NotFound
	case status == statusConflict:
		kind = fault.Conflict
	case status == statusTooManyRequests:
		kind = fault.TooMany
	case status == statusServiceUnavailable || status == statusBadGateway || status == statusGatewayTimeout:
		kind = fault.Unavailable
	case status >= 400 && status < 500:
		kind = fault.Invalid
	}
	return fault.Wrap(kind, orDefault(msg, "The server could not do this; try again in a minute."), cause)
}

// The statuses the client tells apart (net/http's names, which the
// WebAssembly build does not link).
const (
	statusUnauthorized       = 401
	statusForbidden          = 403
	statusNotFound           = 404
	statusConflict           = 409
	statusTooManyRequests    = 429
	statusBadGateway         = 502
	statusServiceUnavailable = 503
	statusGatewayTimeout     = 504
)

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// isStale reports whether err is the server's stale-epoch conflict.
func isStale(err error) bool {
	var s *staleEpoch
	return errors.As(err, &s)
}

// --- the contract's requests and answers ---

type signInReq struct {
	Email    string    `json:"email"`
	Password string    `json:"password"`
	Code     string    `json:"code"`
	Device   deviceReq `json:"device"`
}

type deviceReq struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type meResp struct {
	User struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
		Org   struct {
			ODS  string `json:"ods"`
			Name string `json:"name"`
		} `json:"org"`
	} `json:"user"`
	DeviceID string `json:"device_id"`
	Token    string `json:"token"`
}

func (a *api) messages(ctx context.Context, conv string, after uint64, limit int) ([]wire.Message, error) {
	var out wire.Messages
	q := url.Values{"after": {fmt.Sprint(after)}, "limit": {fmt.Sprint(limit)}}
	err := a.do(ctx, "GET", "/api/conversations/"+url.PathEscape(conv)+"/messages?"+q.Encode(), nil, &out)
	return out.Messages, err
}
