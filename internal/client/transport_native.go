//go:build !js

package client

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// NewHTTPTransport returns a Transport over c, or over a client with a
// 30 s timeout if c is nil.
func NewHTTPTransport(c *http.Client) Transport {
	if c == nil {
		c = &http.Client{Timeout: requestTimeout}
	}
	return httpTransport{c}
}

func defaultTransport() Transport { return NewHTTPTransport(nil) }

type httpTransport struct{ c *http.Client }

func (t httpTransport) Do(ctx context.Context, r *Request) (*Response, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return nil, err
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	resp, err := t.c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After"), Body: b}, nil
}

// dial opens the socket with the device's bearer token.
func dial(ctx context.Context, u string, a *api, readLimit int64) (socket, error) {
	hc := &http.Client{} // the socket lives on; ctx bounds the handshake
	if t, ok := a.transport.(httpTransport); ok {
		c := *t.c
		c.Timeout = 0
		hc = &c
	}
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(hctx, u, &websocket.DialOptions{
		HTTPClient: hc,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + a.token}},
	})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(readLimit)
	return wsSocket{conn}, nil
}

type wsSocket struct{ c *websocket.Conn }

func (s wsSocket) Read(ctx context.Context) ([]byte, error) {
	_, b, err := s.c.Read(ctx)
	return b, err
}

func (s wsSocket) Write(ctx context.Context, b []byte) error {
	return s.c.Write(ctx, websocket.MessageText, b)
}

func (s wsSocket) Close() { s.c.CloseNow() }
