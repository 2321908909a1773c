//go:build js

package client

import (
	"context"

	"github.com/coder/websocket"
)

// dial opens the socket; in the browser the session cookie authenticates
// it.
func dial(ctx context.Context, u string, _ *api) (*websocket.Conn, error) {
	conn, _, err := websocket.Dial(ctx, u, nil)
	return conn, err
}
