package wire

import "encoding/json"

// The types of frame on the messaging socket.
const (
	// FrameMessage carries a stream entry (server to client).
	FrameMessage = "message"
	// FrameWelcome says a Welcome waits for the device; it fetches it.
	FrameWelcome = "welcome"
	// FrameErase orders the device to erase its store: it was revoked or
	// signed out for good.
	FrameErase = "erase"
	// FrameKeyPackagesLow asks the device to upload more KeyPackages.
	FrameKeyPackagesLow = "keypackages_low"
	// FrameAck acknowledges delivery up to a seq (client to server).
	FrameAck = "ack"
	// FramePolicy says the organisation's policy changed (the idle limit,
	// the wrong-PIN limit); it carries nothing else.
	FramePolicy = "policy"
	// FrameUrgent says an urgent message in Conversation (ID: its first
	// copy's client ID) needs the device's person to acknowledge it, or,
	// for its sender, that its state changed (acknowledged, escalated).
	FrameUrgent = "urgent"
	// FrameIncident says an incident (ID) that alerted the device's person
	// was declared or changed (stand-down, commander, close).
	FrameIncident = "incident"
)

// Frame is any frame on the messaging socket: Type says which, and the
// fields of that type are set.
type Frame struct {
	Type string `json:"type"`
	Message
	ID    string `json:"id,omitempty"`    // a welcome frame's Welcome
	Stock int    `json:"stock,omitempty"` // keypackages_low
}

// Encode returns the frame as JSON. It cannot fail: the fields are
// strings, numbers and bytes.
func (f *Frame) Encode() []byte {
	b, _ := json.Marshal(f)
	return b
}
