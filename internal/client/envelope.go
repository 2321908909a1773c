package client

import (
	"encoding/json"
	"errors"
	"time"
)

// Envelope types, inside the MLS application message.
const (
	TypeText       = "text"
	TypeTitle      = "title"
	TypeReceipt    = "receipt"
	TypeAttachment = "attachment"
	// TypePerson names (by email) someone a member added before they had
	// a device: the members' clients then let the server bring in that
	// person's first device.
	TypePerson = "person"
	// TypeFollows says the conversation's membership follows a duty
	// role's holder ("role:ID") or a major incident's call-in lists
	// ("incident:ID"): members' clients then let the server bring in
	// whoever it names.
	TypeFollows = "follows"
	// TypeMethane is a major incident's METHANE report.
	TypeMethane = "methane"
	// TypeAck acknowledges the urgent message Ref.
	TypeAck = "ack"
	// TypeFiled marks the messages Refs as filed to the record under the
	// filing Ref; Text says where they went. Every member sees it.
	TypeFiled = "filed"
)

// maxEnvelope bounds a decrypted envelope; the server's limit on a whole
// message is 256 KiB.
const maxEnvelope = 200 << 10

// envelope is the plaintext of every application message: a small JSON
// object that only members can read.
type envelope struct {
	Type   string    `json:"type"`
	Text   string    `json:"text,omitempty"`
	SentAt time.Time `json:"sent_at"`
	Ref    string    `json:"ref,omitempty"` // a receipt's or an ack's message ID; a copy's original
	Urgent bool      `json:"urgent,omitempty"`
	Refs   []string  `json:"refs,omitempty"` // the messages a filing mark names
}

func decodeEnvelope(b []byte) (*envelope, error) {
	if len(b) > maxEnvelope {
		return nil, errors.New("envelope too large")
	}
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, err
	}
	if e.Type == "" {
		return nil, errors.New("envelope without type")
	}
	return &e, nil
}

// Message is one decrypted message as the device keeps and shows it.
type Message struct {
	ID           string    `json:"id"` // the sender's client message ID, the same on every device
	Conversation string    `json:"conversation"`
	Seq          uint64    `json:"seq"`
	Sender       string    `json:"sender"` // email
	SenderDevice string    `json:"sender_device"`
	Type         string    `json:"type" ts:"'text' | 'attachment' | 'methane' | 'filed'"`
	Text         string    `json:"text"`
	SentAt       time.Time `json:"sent_at"`
	// Urgent messages wait for every recipient's acknowledgement.
	Urgent bool `json:"urgent,omitempty"`
	// A filing mark's filing ID and the messages (IDs) it filed; its Text
	// is where they went.
	Filing string   `json:"filing,omitempty"`
	Refs   []string `json:"refs,omitempty"`
}

// shown reports whether messages of the type are kept and shown, rather
// than acted upon.
func shown(typ string) bool {
	return typ == TypeText || typ == TypeAttachment || typ == TypeMethane || typ == TypeFiled
}

// messageOf is the message an envelope shows, as sent by email's device.
func messageOf(env *envelope, id, conv string, seq uint64, email, device string) Message {
	m := Message{ID: id, Conversation: conv, Seq: seq, Sender: email, SenderDevice: device, Type: env.Type, Text: env.Text,
		SentAt: env.SentAt.UTC(), Urgent: env.Urgent}
	if env.Type == TypeFiled {
		m.Filing, m.Refs = env.Ref, env.Refs
	}
	return m
}
