package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// MessageOut returns m as clients see it, over HTTP and in WebSocket
// "message" frames.
func MessageOut(m *Message) wire.Message {
	return wire.Message{Conversation: m.Conversation, Seq: uint64(max(m.Seq, 0)), Kind: string(m.Kind), Device: m.Device,
		SentAt: m.SentAt.UTC().Format(time.RFC3339Nano), ClientID: m.ClientID, Message: m.Data}
}

// MessageFrame encodes m as a WebSocket "message" frame.
func MessageFrame(m *Message) []byte {
	f := wire.Frame{Type: wire.FrameMessage, Message: MessageOut(m)}
	return f.Encode()
}

// WelcomeOut returns w as clients see it.
func WelcomeOut(w *Welcome) wire.Welcome {
	return wire.Welcome{ID: w.ID, Conversation: w.Conversation, Seq: uint64(max(w.Seq, 0)), Welcome: w.Welcome, RatchetTree: w.RatchetTree}
}

// welcomeFrame tells a device a Welcome waits for it; the device fetches
// it (GET /api/welcomes), so that a commit adding many devices does not
// send its Welcome down every socket at once.
func welcomeFrame(w *Welcome) []byte {
	b, _ := json.Marshal(map[string]any{"type": wire.FrameWelcome, "id": w.ID, "conversation": w.Conversation, "seq": w.Seq})
	return b
}

// JoinFrame tells a device it has joined conversation at seq, when the
// Welcome's own notice may have been missed; the device fetches its
// waiting Welcomes as for any "welcome" frame.
func JoinFrame(conversation string, seq int64) []byte {
	b, _ := json.Marshal(map[string]any{"type": wire.FrameWelcome, "conversation": conversation, "seq": seq})
	return b
}

var eraseFrame = []byte(`{"type":"` + wire.FrameErase + `"}`)

func isErase(frame []byte) bool { return bytes.Equal(frame, eraseFrame) }

func stockFrame(n int) []byte {
	b, _ := json.Marshal(map[string]any{"type": wire.FrameKeyPackagesLow, "stock": n})
	return b
}

var policyFrame = []byte(`{"type":"` + wire.FramePolicy + `"}`)

// PolicyChanged tells each of devices, on whichever node its socket is,
// that the organisation's policy has changed, so open pages apply a
// shorter idle limit at once. The frame says only that: the device asks
// the server for the policy itself.
func (s *Service) PolicyChanged(ctx context.Context, devices []string) {
	for _, d := range devices {
		s.notify(ctx, d, policyFrame)
	}
}
