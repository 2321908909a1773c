//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"syscall/js"

	"github.com/switchboard-nhs/switchboard/internal/client"
	"github.com/switchboard-nhs/switchboard/internal/client/idbstore"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// dbName is the IndexedDB database holding the device's store.
const dbName = "switchboard"

// app is the core's state in the page: at most one unlocked client.
type app struct {
	origin string
	csrf   *csrfTransport

	mu      sync.Mutex
	store   *idbstore.Store
	c       *client.Client
	opening int                // unlocks under way, which need the store open
	cancel  context.CancelFunc // stops Watch
	events  js.Value           // the page's watch callback, once watching
}

func newApp(origin string) *app {
	return &app{origin: origin, csrf: &csrfTransport{base: client.NewFetchTransport()}}
}

// csrfTransport adds the page's CSRF token to state-changing requests.
type csrfTransport struct {
	base  client.Transport
	mu    sync.Mutex
	token string
}

func (t *csrfTransport) set(token string) {
	t.mu.Lock()
	t.token = token
	t.mu.Unlock()
}

func (t *csrfTransport) Do(ctx context.Context, r *client.Request) (*client.Response, error) {
	t.mu.Lock()
	tok := t.token
	t.mu.Unlock()
	if r.Method != "GET" && r.Method != "HEAD" && tok != "" {
		r.Header["X-CSRF-Token"] = tok // the client makes a new Request each time
	}
	return t.base.Do(ctx, r)
}

var errLocked = fault.New(fault.Forbidden, "Messages are locked. Enter your PIN to unlock them.")

// client returns the unlocked client.
func (a *app) client() (*client.Client, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.c == nil {
		return nil, errLocked
	}
	return a.c, nil
}

// openStore opens the IndexedDB store if it is not open.
func (a *app) openStore(ctx context.Context) (*idbstore.Store, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.store != nil {
		return a.store, nil
	}
	s, err := idbstore.Open(ctx, dbName)
	if err != nil {
		return nil, err
	}
	a.store = s
	return s, nil
}

type statusOut struct {
	Store    bool `json:"store"`
	Unlocked bool `json:"unlocked"`
}

func (a *app) status(ctx context.Context) (any, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := statusOut{Store: s.Exists(), Unlocked: a.c != nil}
	if a.c == nil && a.opening == 0 && a.store == s {
		// Locked: keep nothing open, so that sign-out can delete it.
		s.Close()
		a.store = nil
	}
	return out, nil
}

type unlockIn struct {
	PIN  string `json:"pin"`
	CSRF string `json:"csrf"`
}

// unlock opens (or creates) the store under the PIN and attaches it to
// the browser's session.
func (a *app) unlock(ctx context.Context, raw string) (any, error) {
	var in unlockIn
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return nil, fault.Invalidf("The unlock request is not valid.")
	}
	if len(in.PIN) < 6 {
		return nil, fault.Invalidf("Enter your PIN: at least 6 digits.")
	}
	a.csrf.set(in.CSRF)
	a.mu.Lock()
	a.opening++
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.opening--
		a.mu.Unlock()
	}()
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	c, err := client.Attach(ctx, client.Options{
		Backend:        s,
		Passphrase:     []byte(in.PIN),
		Transport:      a.csrf,
		OnConversation: a.conversationChanged,
		OnMessage:      a.messageArrived,
	}, a.origin)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.c = c
	a.mu.Unlock()
	return map[string]string{"email": c.Email(), "device": c.DeviceID()}, nil
}

// lock forgets the client and every record held in memory; the store
// stays in IndexedDB, encrypted.
func (a *app) lock() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		a.cancel()
		a.cancel = nil
	}
	a.events = js.Undefined()
	a.c = nil
	if a.store != nil {
		a.store.Close()
		a.store = nil
	}
}

// erase removes the store (sign-out) and locks.
func (a *app) erase(ctx context.Context) (any, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Erase(); err != nil {
		return nil, err
	}
	a.lock()
	return true, nil
}

// conversationChanged tells the page that a conversation was joined, or
// its name or members changed: {"type":"conversation","id":…}.
func (a *app) conversationChanged(id string) {
	a.mu.Lock()
	cb := a.events
	a.mu.Unlock()
	if cb.Type() != js.TypeFunction {
		return
	}
	b, _ := json.Marshal(map[string]string{"type": "conversation", "id": id})
	cb.Invoke(string(b))
}

// messageArrived tells the page of a message decrypted outside the watch
// (while sending, say), as the watch would: {"type":"message","message":…}.
func (a *app) messageArrived(m client.Message) {
	a.mu.Lock()
	cb := a.events
	a.mu.Unlock()
	if cb.Type() != js.TypeFunction {
		return
	}
	b, _ := json.Marshal(struct {
		Type    string         `json:"type"`
		Message client.Message `json:"message"`
	}{"message", m})
	cb.Invoke(string(b))
}

// watch follows the server's stream and calls cb with each new message
// (as JSON {"type":"message","message":…}), with each conversation that
// changed ({"type":"conversation","id"}), with {"type":"policy"} when the
// organisation's policy changed, {"type":"urgent","conversation","id"} for
// an urgent message, {"type":"incident","id"} for a major incident, and,
// when following stops, with
// {"type":"closed","error"}.
func (a *app) watch(cb js.Value) (any, error) {
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.mu.Lock()
	if a.cancel != nil {
		a.cancel()
	}
	a.cancel = cancel
	a.events = cb
	a.mu.Unlock()
	go func() {
		err := c.WatchNotices(ctx, func(m client.Message) {
			b, _ := json.Marshal(struct {
				Type    string         `json:"type"`
				Message client.Message `json:"message"`
			}{"message", m})
			cb.Invoke(string(b))
		}, func(n client.Notice) {
			b, _ := json.Marshal(n)
			cb.Invoke(string(b))
		})
		if ctx.Err() != nil {
			return
		}
		out := map[string]string{"type": "closed"}
		if err != nil {
			out["error"] = userMessage(err)
			out["kind"] = kindOf(err)
		}
		b, _ := json.Marshal(out)
		cb.Invoke(string(b))
	}()
	return true, nil
}

// userMessage returns the sentence to show for err.
func userMessage(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Msg != "" {
		return fe.Msg
	}
	return "Something went wrong with secure messaging. Try again, and if it keeps happening, sign out and in again."
}

func kindOf(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Kind.String()
	}
	return "internal"
}
