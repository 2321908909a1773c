//go:build !js

package client

import (
	"context"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// dial opens the socket with the device's bearer token.
func dial(ctx context.Context, u string, a *api) (*websocket.Conn, error) {
	hc := *a.http
	hc.Timeout = 0 // the socket lives on; ctx bounds the handshake
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(hctx, u, &websocket.DialOptions{
		HTTPClient: &hc,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + a.token}},
	})
	return conn, err
}
