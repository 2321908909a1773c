// Package audit is Switchboard's tamper-evident record of privileged actions.
//
// Entries form a hash chain: each entry's hash commits to the previous
// entry's hash and to every field of the entry, so altering, removing or
// reordering any row breaks the chain at that row. Verify walks a chain and
// names the first bad entry.
//
// An entry records who did what to which ID, and when. It must never carry
// message content, patient names or NHS numbers: Detail holds identifiers and
// settings only.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Actors that are not users.
const (
	ActorSystem = "system" // the server itself
	ActorCLI    = "cli"    // an operator at the server's console
)

// Event is an action to be recorded.
type Event struct {
	At     time.Time
	OrgID  string
	Actor  string // a user ID, ActorSystem or ActorCLI
	Action string // such as "user.create" or "signin.fail"
	Target string // the ID acted upon, if any
	Addr   string // the client's network address, if any
	Detail map[string]string
}

// Entry is an Event as stored: numbered and chained.
type Entry struct {
	Event
	Seq      int64
	PrevHash []byte
	Hash     []byte
}

// Genesis is the PrevHash of the first entry.
var Genesis = make([]byte, sha256.Size)

// Chain computes the hash of e given the hash of the entry before it.
func Chain(prev []byte, seq int64, ev Event) []byte {
	h := sha256.New()
	h.Write([]byte("switchboard audit v1\x00"))
	h.Write(prev)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(seq))
	h.Write(n[:])
	field := func(s string) {
		binary.BigEndian.PutUint32(n[:4], uint32(len(s)))
		h.Write(n[:4])
		h.Write([]byte(s))
	}
	field(ev.At.UTC().Format(time.RFC3339Nano))
	field(ev.OrgID)
	field(ev.Actor)
	field(ev.Action)
	field(ev.Target)
	field(ev.Addr)
	field(EncodeDetail(ev.Detail))
	return h.Sum(nil)
}

// EncodeDetail returns the canonical JSON of a detail map (keys sorted).
func EncodeDetail(d map[string]string) string {
	if len(d) == 0 {
		return "{}"
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kj, _ := json.Marshal(k)
		vj, _ := json.Marshal(d[k])
		b.Write(kj)
		b.WriteByte(':')
		b.Write(vj)
	}
	b.WriteByte('}')
	return b.String()
}

// DecodeDetail parses what EncodeDetail produced.
func DecodeDetail(s string) (map[string]string, error) {
	d := map[string]string{}
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, fmt.Errorf("decode audit detail: %w", err)
	}
	return d, nil
}

// Verifier checks a chain one entry at a time, in sequence order.
type Verifier struct {
	prev []byte
	next int64
	n    int64
}

// NewVerifier returns a Verifier expecting the chain from its first entry.
func NewVerifier() *Verifier { return &Verifier{prev: Genesis, next: 1} }

// Add checks the next entry. The error names the entry and what is wrong.
func (v *Verifier) Add(e Entry) error {
	switch {
	case e.Seq != v.next:
		return fmt.Errorf("audit entry %d: expected entry %d here; entries were removed or reordered", e.Seq, v.next)
	case !bytes.Equal(e.PrevHash, v.prev):
		return fmt.Errorf("audit entry %d: does not follow entry %d; entries were removed or reordered", e.Seq, e.Seq-1)
	case !bytes.Equal(e.Hash, Chain(e.PrevHash, e.Seq, e.Event)):
		return fmt.Errorf("audit entry %d: its contents were altered", e.Seq)
	}
	v.prev, v.next = e.Hash, e.Seq+1
	v.n++
	return nil
}

// Count reports how many entries verified.
func (v *Verifier) Count() int64 { return v.n }

// Head returns the hash of the last verified entry.
func (v *Verifier) Head() []byte { return v.prev }

// Filter narrows a listing of an organisation's entries. Empty fields
// match everything; Action matches the action or, as a prefix ending at a
// dot, its family ("breach" matches "breach.open").
type Filter struct {
	Actor  string
	Action string
	Target string
	From   time.Time // inclusive
	To     time.Time // exclusive
}

// Empty reports whether f matches every entry.
func (f Filter) Empty() bool { return f == Filter{} }

// Matches reports whether e passes f.
func (f Filter) Matches(e Event) bool {
	switch {
	case f.Actor != "" && e.Actor != f.Actor,
		f.Target != "" && e.Target != f.Target,
		f.Action != "" && e.Action != f.Action && !strings.HasPrefix(e.Action, f.Action+"."),
		!f.From.IsZero() && e.At.Before(f.From),
		!f.To.IsZero() && !e.At.Before(f.To):
		return false
	}
	return true
}
