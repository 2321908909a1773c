package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"time"
)

// MessageJSON is a stream entry as clients see it, over HTTP and in
// WebSocket "message" frames.
type MessageJSON struct {
	Type         string `json:"type,omitempty"`
	Conversation string `json:"conversation"`
	Seq          int64  `json:"seq"`
	Kind         Kind   `json:"kind"`
	Device       string `json:"device"`
	SentAt       string `json:"sent_at"`
	ClientID     string `json:"client_id"`
	Message      []byte `json:"message"`
}

// MessageOut returns m for JSON.
func MessageOut(m *Message) MessageJSON {
	return MessageJSON{Conversation: m.Conversation, Seq: m.Seq, Kind: m.Kind, Device: m.Device,
		SentAt: m.SentAt.UTC().Format(time.RFC3339Nano), ClientID: m.ClientID, Message: m.Data}
}

// MessageFrame encodes m as a WebSocket "message" frame.
func MessageFrame(m *Message) []byte {
	out := MessageOut(m)
	out.Type = "message"
	b, _ := json.Marshal(out) // cannot fail: strings, numbers and bytes only
	return b
}

// WelcomeJSON is a waiting Welcome as clients see it.
type WelcomeJSON struct {
	Type         string `json:"type,omitempty"`
	ID           string `json:"id"`
	Conversation string `json:"conversation"`
	Seq          int64  `json:"seq"`
	Welcome      []byte `json:"welcome"`
	RatchetTree  []byte `json:"ratchet_tree"`
}

// WelcomeOut returns w for JSON.
func WelcomeOut(w *Welcome) WelcomeJSON {
	return WelcomeJSON{ID: w.ID, Conversation: w.Conversation, Seq: w.Seq, Welcome: w.Welcome, RatchetTree: w.RatchetTree}
}

// welcomeFrame tells a device a Welcome waits for it; the device fetches
// it (GET /api/welcomes), so that a commit adding many devices does not
// send its Welcome down every socket at once.
func welcomeFrame(w *Welcome) []byte {
	b, _ := json.Marshal(map[string]any{"type": "welcome", "id": w.ID, "conversation": w.Conversation, "seq": w.Seq})
	return b
}

// JoinFrame tells a device it has joined conversation at seq, when the
// Welcome's own notice may have been missed; the device fetches its
// waiting Welcomes as for any "welcome" frame.
func JoinFrame(conversation string, seq int64) []byte {
	b, _ := json.Marshal(map[string]any{"type": "welcome", "conversation": conversation, "seq": seq})
	return b
}

var eraseFrame = []byte(`{"type":"erase"}`)

func isErase(frame []byte) bool { return bytes.Equal(frame, eraseFrame) }

func stockFrame(n int) []byte {
	b, _ := json.Marshal(map[string]any{"type": "keypackages_low", "stock": n})
	return b
}

var policyFrame = []byte(`{"type":"policy"}`)

// PolicyChanged tells each of devices, on whichever node its socket is,
// that the organisation's policy has changed, so open pages apply a
// shorter idle limit at once. The frame says only that: the device asks
// the server for the policy itself.
func (s *Service) PolicyChanged(ctx context.Context, devices []string) {
	for _, d := range devices {
		s.notify(ctx, d, policyFrame)
	}
}
