package messaging

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/mls"
)

// Limits bound what one device may send.
type Limits struct {
	MaxMessage    int           // bytes of one MLSMessage
	SendRate      float64       // messages per second per device; 0: unlimited
	SendBurst     int           // messages a device may send at once
	SocketQueue   int           // deliveries queued per socket before it is dropped
	PushEvery     time.Duration // at most one push per device this often
	MaxAttachment int64         // bytes
}

// DefaultLimits are the limits of a new server.
var DefaultLimits = Limits{
	MaxMessage: 256 << 10, SendRate: 50, SendBurst: 200, SocketQueue: 4096,
	PushEvery: 30 * time.Second, MaxAttachment: 25 << 20,
}

// Service is the MLS delivery and authentication service.
type Service struct {
	store  Store
	ids    identity.Store
	bus    Bus
	hub    *Hub
	log    *slog.Logger
	now    func() time.Time
	limits Limits

	signer    ed25519.PrivateKey
	extSender []byte // our ExternalSender entry
	keys      ServiceKeys

	ops     chan op
	limiter *rateLimiter
	pusher  Pusher
	pushq   chan push
	pushMu  sync.Mutex
	pushed  map[string]time.Time
	pubq    chan []Event        // stored entries for publishLoop, in order
	members map[string][]string // conversation → member devices; owned by publishLoop
	acks    cursors
	// onCursors hears of conversations whose delivery cursors moved.
	onCursors func(ctx context.Context, convs []string)

	stopBus func()

	runMu   sync.Mutex
	runCtx  context.Context // set while Run runs
	workers sync.WaitGroup  // goroutines started with Go
}

// Go runs f in a goroutine that Run waits for, with a context that ends
// when Run's does. It reports false, without running f, when the service
// is not running. Sockets use it, so that they outlive the HTTP request
// that opened them yet end with the server.
func (s *Service) Go(f func(ctx context.Context)) bool {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.runCtx == nil || s.runCtx.Err() != nil {
		return false
	}
	ctx := s.runCtx
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		f(ctx)
	}()
	return true
}

// New returns a Service, loading the server's keys from the store (and
// creating them on the very first start). Call Run to start its workers.
func New(ctx context.Context, store Store, ids identity.Store, bus Bus, hub *Hub, pusher Pusher,
	log *slog.Logger, now func() time.Time, limits Limits) (*Service, error) {
	keys, err := store.ServiceKeys(ctx, NewServiceKeys)
	if err != nil {
		return nil, fmt.Errorf("service keys: %w", err)
	}
	s := &Service{store: store, ids: ids, bus: bus, hub: hub, log: log, now: now, limits: limits,
		keys: keys, signer: ed25519.NewKeyFromSeed(keys.SigningSeed),
		ops: make(chan op, 4096), limiter: newRateLimiter(limits.SendRate, limits.SendBurst),
		pusher: pusher, pushq: make(chan push, 1024), pushed: map[string]time.Time{}, members: map[string][]string{}, pubq: make(chan []Event, 256),
		acks: cursors{m: map[[2]string]int64{}}}
	es := mls.ExternalSender{SignatureKey: s.SigningKey(), Credential: mls.NewBasicCredential([]byte("switchboard delivery service"))}
	s.extSender = es.Bytes()
	s.stopBus = bus.Subscribe(hub.Handle)
	return s, nil
}

// NewServiceKeys makes fresh server keys: an Ed25519 seed and a P-256 VAPID
// key pair.
func NewServiceKeys() (ServiceKeys, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return ServiceKeys{}, err
	}
	vk, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return ServiceKeys{}, err
	}
	enc := base64.RawURLEncoding
	return ServiceKeys{SigningSeed: seed, VAPIDPublic: enc.EncodeToString(vk.PublicKey().Bytes()),
		VAPIDPrivate: enc.EncodeToString(vk.Bytes())}, nil
}

// SigningKey is the authentication service's Ed25519 public key.
func (s *Service) SigningKey() []byte { return []byte(s.signer.Public().(ed25519.PublicKey)) }

// ExternalSender is the encoded ExternalSender entry that groups must list
// first in their external_senders extension.
func (s *Service) ExternalSender() []byte { return s.extSender }

// VAPIDPublicKey is the key push services check (base64url).
func (s *Service) VAPIDPublicKey() string { return s.keys.VAPIDPublic }

// Hub returns the service's hub, for sockets to subscribe to.
func (s *Service) Hub() *Hub { return s.hub }

// Limits returns the service's limits.
func (s *Service) Limits() Limits { return s.limits }

// Run runs the stream writer and the push sender until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	defer s.stopBus()
	s.runMu.Lock()
	s.runCtx = ctx
	s.runMu.Unlock()
	defer func() {
		s.runMu.Lock()
		s.runCtx = nil
		s.runMu.Unlock()
		s.workers.Wait() // sockets end with ctx
	}()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.publishLoop(context.WithoutCancel(ctx))
	}()
	for range pushWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.pushLoop(ctx)
		}()
	}
	go func() {
		defer wg.Done()
		s.ackLoop(ctx)
	}()
	s.writeLoop(ctx)
	wg.Wait()
	return nil
}

// rateLimiter is a token bucket per device.
type rateLimiter struct {
	rate  float64
	burst float64
	mu    sync.Mutex
	b     map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), b: map[string]*bucket{}}
}

// allow takes a token for device, or reports how long until one is free.
func (l *rateLimiter) allow(device string, now time.Time) (bool, time.Duration) {
	if l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.b[device]
	if b == nil {
		if len(l.b) > 100000 {
			clear(l.b) // bound the map; the worst case is one extra burst
		}
		b = &bucket{tokens: l.burst, at: now}
		l.b[device] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}
