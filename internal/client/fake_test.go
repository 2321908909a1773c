package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// memBackend is a Backend in memory, for tests that need no files.
type memBackend struct {
	mu     sync.Mutex
	recs   map[string][]byte
	lock   chan struct{}
	erased bool
}

func newMemBackend() *memBackend {
	return &memBackend{recs: map[string][]byte{}, lock: make(chan struct{}, 1)}
}

func (m *memBackend) Get(key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.recs[key]
	if !ok {
		return nil, ErrNotFound
	}
	return slices.Clone(v), nil
}

func (m *memBackend) Put(key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs[key] = slices.Clone(value)
	return nil
}

func (m *memBackend) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.recs, key)
	return nil
}

func (m *memBackend) List(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.recs {
		if rest, ok := strings.CutPrefix(k, dir); ok && !strings.Contains(rest, "/") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (m *memBackend) Lock(ctx context.Context) (func(), error) {
	select {
	case m.lock <- struct{}{}:
		return func() { <-m.lock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (m *memBackend) Erase() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.recs)
	m.erased = true
	return nil
}

func (m *memBackend) wasErased() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.erased
}

// testClient is a signed-in client of the fake server ts, with a store
// in memory and no conversations.
func testClient(t *testing.T, ts *httptest.Server) (*Client, *memBackend) {
	t.Helper()
	b := newMemBackend()
	c, err := newClient(Options{Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	if c.v, err = createVault(b, []byte("test passphrase"), KDF{Time: 1, Memory: 8 * 1024, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	seed := make([]byte, 32)
	rand.Read(seed)
	c.prof = profile{Server: ts.URL, Token: "token", Email: "ann@example.nhs.uk", DeviceID: "dev-ann",
		Identity: []byte("ann@example.nhs.uk/dev-ann"), SigPriv: seed, LastResort: "kept"}
	c.api.base, c.api.token = ts.URL, c.prof.Token
	if err := c.v.put("profile", &c.prof); err != nil {
		t.Fatal(err)
	}
	return c, b
}

// newConv starts a conversation of one member, ann's device, kept in c's
// store.
func newConv(t *testing.T, c *Client) *conv {
	t.Helper()
	id := make([]byte, 16)
	rand.Read(id)
	kp, priv, err := mls.NewKeyPackage(c.credential(), c.prof.SigPriv, c.now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// The fake profile's credential is not one a service signed.
	g, err := mls.CreateGroup(mls.Config{Now: c.now, PublicHandshake: true, AcceptAnyCredential: true}, id, kp, priv)
	priv.Wipe()
	if err != nil {
		t.Fatal(err)
	}
	cv := &conv{rec: &convRecord{ID: hex.EncodeToString(id), Name: "Ward 7"}, g: g}
	t.Cleanup(cv.close)
	if err := c.save(cv); err != nil {
		t.Fatal(err)
	}
	return cv
}
