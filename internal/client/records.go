package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// rulesKey holds the last records rules the server gave, so that a device
// starting offline still deletes what they no longer keep.
const rulesKey = "records"

func confirmKey(filing string) string { return "confirm/" + filing }

// Records is how long a conversation's messages are kept, as the device
// last heard.
type Records struct {
	Kind string `json:"kind" ts:"'clinical' | 'team' | 'incident'"`
	// MaxAgeSeconds is how long messages are kept; 0 keeps them (Set
	// false: the organisation has not said).
	MaxAgeSeconds int64 `json:"max_age_seconds"`
	Set           bool  `json:"set"`
	// Held says a legal hold keeps some or all of the conversation.
	Held bool `json:"held"`
}

// loadRules returns the records rules last saved (empty when none).
func (c *Client) loadRules() (*wire.RecordsRules, error) {
	var r wire.RecordsRules
	if err := c.v.get(rulesKey, &r); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return &r, nil
}

// rulesEvery is how often a device asks for the records rules again; it
// asks at once when it is in a conversation they do not name.
const rulesEvery = time.Minute

// refreshRules returns the records rules for the conversations ids,
// fetched and saved when the saved ones are older than rulesEvery or miss
// one of them; offline, the saved ones stand.
func (c *Client) refreshRules(ctx context.Context, ids []string) (*wire.RecordsRules, error) {
	if at := c.rulesAt.Load(); at != 0 && c.now().Sub(time.Unix(0, at)) < rulesEvery {
		saved, err := c.loadRules()
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(ids, func(id string) bool { _, ok := recordsOf(saved, id); return !ok }) {
			return saved, nil
		}
	}
	var r wire.RecordsRules
	if err := c.api.do(ctx, "GET", "/api/records", nil, &r); err != nil {
		if fault.Is(err, fault.NotFound) || fault.Is(err, fault.Unavailable) {
			return c.loadRules() // an older server, or offline
		}
		return nil, err
	}
	// A conversation this device was removed from is no longer the
	// server's to describe: its last rules stand, so that what the device
	// kept of it still goes in time; one never described gets none.
	saved, err := c.loadRules()
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := recordsOf(&r, id); ok {
			continue
		}
		old, ok := recordsOf(saved, id)
		if !ok {
			old = &wire.ConversationRecord{ID: id, Held: []wire.Period{}}
		}
		r.Conversations = append(r.Conversations, *old)
	}
	c.rulesAt.Store(c.now().UnixNano())
	return &r, c.v.put(rulesKey, &r)
}

// recordsOf returns one conversation's rules from rules.
func recordsOf(rules *wire.RecordsRules, id string) (*wire.ConversationRecord, bool) {
	i := slices.IndexFunc(rules.Conversations, func(r wire.ConversationRecord) bool { return r.ID == id })
	if i < 0 {
		return nil, false
	}
	return &rules.Conversations[i], true
}

// expired reports whether the rules no longer keep a message.
func expired(r *wire.ConversationRecord, m *Message, now time.Time) bool {
	if r == nil || r.MaxAgeSeconds <= 0 || !m.SentAt.Before(now.Add(-time.Duration(r.MaxAgeSeconds)*time.Second)) {
		return false
	}
	return !slices.ContainsFunc(r.Held, func(p wire.Period) bool { return p.Holds(m.SentAt) })
}

// expireAll deletes, in every conversation, the messages the rules no
// longer keep.
func (c *Client) expireAll(rules *wire.RecordsRules) error {
	for _, r := range rules.Conversations {
		if r.MaxAgeSeconds <= 0 {
			continue
		}
		if _, err := c.deleteMessages(r.ID, func(m *Message, _ uint64) bool { return expired(&r, m, c.now()) }); err != nil {
			return err
		}
	}
	return nil
}

// msgKeys lists the conversation's message records, with those written
// in the current batch and without those it deleted.
func (c *Client) msgKeys(conv string) ([]string, error) {
	dir := "msg/" + conv + "/"
	keys, err := c.v.b.List(dir)
	if err != nil {
		return nil, err
	}
	for k, v := range c.v.pending {
		if strings.HasPrefix(k, dir) && !strings.Contains(k[len(dir):], "/") {
			if i, found := slices.BinarySearch(keys, k); v == nil && found {
				keys = slices.Delete(keys, i, i+1)
			} else if v != nil && !found {
				keys = slices.Insert(keys, i, k)
			}
		}
	}
	return keys, nil
}

// deleteMessages deletes the conversation's messages for which del says
// so, with their receipts and copies, and returns how many went.
func (c *Client) deleteMessages(conv string, del func(m *Message, seq uint64) bool) (int, error) {
	keys, err := c.msgKeys(conv)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		seq, err := strconv.ParseUint(k[strings.LastIndexByte(k, '/')+1:], 10, 64)
		if err != nil {
			continue
		}
		var m Message
		if err := c.v.get(k, &m); err != nil {
			return n, err
		}
		if !del(&m, seq) {
			continue
		}
		for _, key := range []string{k, receiptKey(conv, m.ID), copyKey(conv, m.ID)} {
			if err := c.v.del(key); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

// applyDeletion deletes what a deletion entry of the server's names, once
// its signature checks, and notes a filing's for confirmation.
func (c *Client) applyDeletion(cv *conv, m *wire.Message) error {
	d, err := wire.OpenDeletion(m.Message, c.prof.ServiceKey, cv.rec.ID)
	if err != nil {
		c.log.Warn("skip a deletion entry that is not the server's", "conversation", cv.rec.ID, "seq", m.Seq)
		return nil
	}
	n, err := c.deleteMessages(cv.rec.ID, func(_ *Message, seq uint64) bool { return d.Covers(seq) })
	if err != nil {
		return err
	}
	if n > 0 {
		cv.changed = true
	}
	if d.Filing != "" {
		return c.v.put(confirmKey(d.Filing), d.At)
	}
	return nil
}

// confirmDeletions tells the server which filings' messages this device
// has deleted; what fails is told at the next sync.
func (c *Client) confirmDeletions(ctx context.Context) {
	keys, err := c.v.b.List("confirm/")
	if err != nil {
		return
	}
	for _, k := range keys {
		id := strings.TrimPrefix(k, "confirm/")
		err := c.api.do(ctx, "POST", "/api/filings/"+url.PathEscape(id)+"/confirm", nil, nil)
		if err == nil || fault.Is(err, fault.NotFound) {
			if err := c.v.del(k); err != nil {
				c.log.Warn("forget a confirmed deletion", "filing", id, "err", err)
			}
		}
	}
}

// Filed is a filing to the record as the filer's device made it: the
// server's receipt, and what to paste or import into the record system.
type Filed struct {
	ID string `json:"id"`
	// DueAt is when the messages are deleted everywhere, unless a legal
	// hold keeps them.
	DueAt time.Time `json:"due_at"`
	// Summary is a plain-text account of the filed messages.
	Summary string `json:"summary"`
	// FHIR is a FHIR R4 Bundle of Communication resources, one per
	// message, as JSON text.
	FHIR string `json:"fhir"`
}

// File marks messages of a conversation (by ID, as History gives them)
// as filed to the record at where: the server deletes them everywhere
// after the organisation's grace period, and every member sees the mark.
func (c *Client) File(ctx context.Context, id string, ids []string, where string) (*Filed, error) {
	where = strings.TrimSpace(where)
	if where == "" || len(where) > 200 {
		return nil, fault.Invalidf(`Say where the messages were filed, in up to 200 characters, such as "EMIS, consultation 4 Dec 2026".`)
	}
	if len(ids) == 0 || len(ids) > 1000 {
		return nil, fault.Invalidf("Choose from 1 to 1,000 messages to file.")
	}
	var out *Filed
	err := c.change(ctx, id, func(cv *conv) error {
		msgs, err := c.history(id)
		if err != nil {
			return err
		}
		var chosen []Message
		for _, want := range ids {
			i := slices.IndexFunc(msgs, func(m Message) bool { return m.ID == want })
			if i < 0 || msgs[i].Type == TypeFiled {
				return fault.Invalidf("Message " + want + " cannot be read on this device, so it cannot be filed from here; choose messages this device shows.")
			}
			if !slices.ContainsFunc(chosen, func(m Message) bool { return m.ID == want }) {
				chosen = append(chosen, msgs[i])
			}
		}
		slices.SortFunc(chosen, func(a, b Message) int { return int(a.Seq) - int(b.Seq) })
		in := wire.NewFiling{}
		refs := make([]string, 0, len(chosen))
		for _, m := range chosen {
			in.Seqs = append(in.Seqs, m.Seq)
			refs = append(refs, m.ID)
			if m.Type == TypeAttachment {
				var meta struct {
					ID string `json:"id"`
				}
				if json.Unmarshal([]byte(m.Text), &meta) == nil && meta.ID != "" {
					in.Attachments = append(in.Attachments, meta.ID)
				}
			}
		}
		var f wire.Filing
		if err := c.api.do(ctx, "POST", "/api/conversations/"+url.PathEscape(id)+"/filings", in, &f); err != nil {
			return err
		}
		if _, err := c.send(ctx, cv, envelope{Type: TypeFiled, Text: where, Ref: f.ID, Refs: refs}); err != nil {
			return err
		}
		fhir, err := fhirBundle(cv.rec.Name, where, c.prof.Email, chosen, c.now())
		if err != nil {
			return err
		}
		out = &Filed{ID: f.ID, DueAt: f.DueAt, Summary: summary(cv.rec.Name, where, c.prof.Email, chosen, c.now()), FHIR: string(fhir)}
		return nil
	})
	return out, err
}

// Receipt returns a filing's deletion receipt: when the server deleted
// its messages, and which member devices have confirmed deleting them.
func (c *Client) Receipt(ctx context.Context, filing string) (*wire.Filing, error) {
	var f wire.Filing
	if err := c.api.do(ctx, "GET", "/api/filings/"+url.PathEscape(strings.TrimSpace(filing)), nil, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// summary is a plain-text account of filed messages for the record.
func summary(name, where, filer string, msgs []Message, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Switchboard conversation %q\nFiled to the record: %s\nFiled by %s on %s\n\n", name, where, filer, now.UTC().Format("2 Jan 2006 15:04 MST"))
	for _, m := range msgs {
		text := m.Text
		if m.Type == TypeAttachment {
			text = "[attachment]"
		}
		fmt.Fprintf(&b, "[%s] %s: %s\n", m.SentAt.UTC().Format("2 Jan 2006 15:04 MST"), m.Sender, text)
	}
	return b.String()
}

// fhirBundle is a FHIR R4 Bundle (type collection) holding a
// Communication for each filed message.
func fhirBundle(name, where, filer string, msgs []Message, now time.Time) (json.RawMessage, error) {
	type coding struct {
		System  string `json:"system,omitempty"`
		Code    string `json:"code"`
		Display string `json:"display,omitempty"`
	}
	type ref struct {
		Display string `json:"display"`
	}
	type entry struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
	}
	entries := make([]entry, 0, len(msgs))
	for _, m := range msgs {
		u, err := uuid()
		if err != nil {
			return nil, err
		}
		content := m.Text
		if m.Type == TypeAttachment {
			content = "[attachment: kept in the record system separately]"
		}
		entries = append(entries, entry{FullURL: "urn:uuid:" + u, Resource: map[string]any{
			"resourceType": "Communication",
			"identifier":   []map[string]string{{"system": "urn:switchboard:message", "value": m.ID}},
			"status":       "completed",
			"category":     []map[string]any{{"coding": []coding{{System: "http://terminology.hl7.org/CodeSystem/communication-category", Code: "notification"}}, "text": "Clinical message"}},
			"sent":         m.SentAt.UTC().Format(time.RFC3339),
			"sender":       ref{Display: m.Sender},
			"topic":        map[string]string{"text": name},
			"payload":      []map[string]string{{"contentString": content}},
			"note":         []map[string]string{{"text": "Filed to the record (" + where + ") by " + filer}},
		}})
	}
	return json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "timestamp": now.UTC().Format(time.RFC3339), "entry": entries})
}

// uuid returns a random (version 4) UUID.
func uuid() (string, error) {
	h, err := randomHex(16)
	if err != nil {
		return "", err
	}
	b := []byte(h)
	b[12] = '4'
	b[16] = "89ab"[strings.IndexByte("0123456789abcdef", b[16])%4]
	return string(b[0:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:32]), nil
}
