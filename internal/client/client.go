package client

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/mls"

	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// Options are what a Client needs from its caller.
type Options struct {
	// Backend holds the device's records.
	Backend Backend
	// Passphrase unlocks the store; it never leaves the device.
	Passphrase []byte
	// Transport talks to the server; nil means net/http with a 30 s
	// timeout natively, fetch in the browser.
	Transport Transport
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives IDs and outcomes, never message content; nil discards.
	// A *slog.Logger will do.
	Log Logger
	// KDF sets the passphrase parameters of a new profile; zero means
	// DefaultKDF.
	KDF KDF
	// OnConversation, if set, is called with a conversation's ID when this
	// device joins it, or its name or members change, so that a list on
	// screen is brought up to date without asking again. It must not block.
	OnConversation func(id string)
	// OnMessage, if set, is called with each message this device
	// decrypts outside a Watch (a send or a change syncs first, and may
	// take in what the socket has yet to bring), so that a conversation
	// on screen shows it: a Watch then skips it as already had. It must
	// not block.
	OnMessage func(Message)
}

// profile is the device's identity, kept encrypted under "profile".
type profile struct {
	Server         string `json:"server"`
	Token          string `json:"token"`
	UserID         string `json:"user_id"`
	Email          string `json:"email"`
	Org            string `json:"org"`
	DeviceID       string `json:"device_id"`
	ServiceKey     []byte `json:"service_key"`     // pinned Ed25519 public key
	ExternalSender []byte `json:"external_sender"` // the server's ExternalSender entry
	Identity       []byte `json:"identity"`        // BasicCredential identity bytes
	SigPriv        []byte `json:"sig_priv"`        // Ed25519 seed of the MLS signature key
	LastResort     string `json:"last_resort"`     // KeyPackageRef (hex) of the last-resort KeyPackage
}

// Client is one device's messaging client. Its methods are safe for
// concurrent use; across processes the Backend's lock keeps them apart.
type Client struct {
	mu   sync.Mutex
	b    Backend
	v    *vault
	api  *api
	prof profile
	now  func() time.Time
	log  Logger
	// onConv is Options.OnConversation, or a no-op.
	onConv func(id string)
	// onMsg is Options.OnMessage, or a no-op.
	onMsg func(Message)
	// receipts caches the organisation's read-receipt policy.
	receipts receiptPolicy
	// rulesAt is when the records rules were last fetched (Unix
	// nanoseconds; 0: never, or the server said they changed). It is set
	// outside the lock, as a frame arrives.
	rulesAt atomic.Int64
}

// Logger is where the client reports what it skipped or retried. It is
// what the client uses of *slog.Logger, declared here so that the
// WebAssembly build, which logs nowhere, need not link log/slog.
type Logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

// discard is the Logger used when none is given.
type discard struct{}

func (discard) Info(string, ...any)  {}
func (discard) Warn(string, ...any)  {}
func (discard) Error(string, ...any) {}

// LoginInput is what signing in needs.
type LoginInput struct {
	Server     string // base URL, such as https://switchboard.example.nhs.uk
	Email      string
	Password   string
	Code       string // the authenticator app's code
	DeviceName string
}

func newClient(opts Options) (*Client, error) {
	if opts.Backend == nil {
		return nil, errors.New("client: no backend")
	}
	c := &Client{b: opts.Backend, now: opts.Now, log: opts.Log, onConv: opts.OnConversation, onMsg: opts.OnMessage}
	if c.onMsg == nil {
		c.onMsg = func(Message) {}
	}
	if c.onConv == nil {
		c.onConv = func(string) {}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = discard{}
	}
	t := opts.Transport
	if t == nil {
		t = defaultTransport()
	}
	c.api = &api{transport: t, erase: func() {
		if err := c.b.Erase(); err != nil {
			c.log.Error("erase the store of a revoked device", "err", err)
		}
	}}
	return c, nil
}

// Login signs the device in, registers its MLS signature key with the
// server, pins the server's service key, uploads KeyPackages and saves
// the profile. Signing in again into an existing profile keeps its device
// and keys, and needs the same passphrase.
func Login(ctx context.Context, opts Options, in LoginInput) (*Client, error) {
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	server := strings.TrimRight(strings.TrimSpace(in.Server), "/")
	if !strings.HasPrefix(server, "http://") && !strings.HasPrefix(server, "https://") {
		return nil, fault.Invalidf("Give the server's address as a URL starting with https:// (or http:// for a local test server).")
	}
	unlock, err := c.b.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var old *profile
	if _, err := c.b.Get(headerKey); err == nil {
		if c.v, err = openVault(c.b, opts.Passphrase); err != nil {
			return nil, err
		}
		var p profile
		switch err := c.v.get("profile", &p); {
		case errors.Is(err, ErrNotFound):
			// An earlier sign-in stopped before it finished.
		case err != nil:
			return nil, fmt.Errorf("read profile: %w", err)
		case p.Server == server && strings.EqualFold(p.Email, in.Email):
			old = &p
		default:
			return nil, fault.Invalidf("This profile belongs to another account or server; use a new profile directory.")
		}
	} else {
		kdf := opts.KDF
		if kdf == (KDF{}) {
			kdf = DefaultKDF()
		}
		if c.v, err = createVault(c.b, opts.Passphrase, kdf); err != nil {
			return nil, err
		}
	}
	c.api.base = server
	if err := c.signIn(ctx, in, old); err != nil {
		return nil, err
	}
	if err := c.registerCredential(ctx, old); err != nil {
		return nil, err
	}
	if err := c.v.put("profile", &c.prof); err != nil {
		return nil, err
	}
	if err := c.refillKeyPackages(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) signIn(ctx context.Context, in LoginInput, old *profile) error {
	dev := deviceReq{Name: in.DeviceName, Kind: "cli"}
	if dev.Name == "" {
		dev.Name = "Command line"
	}
	if old != nil {
		dev.ID = old.DeviceID
	}
	var me meResp
	if err := c.api.do(ctx, "POST", "/api/session",
		signInReq{Email: in.Email, Password: in.Password, Code: in.Code, Device: dev}, &me); err != nil {
		return err
	}
	if me.Token == "" {
		return fault.New(fault.Internal, "The server did not give this device a session; it may be too old for this client.")
	}
	c.prof = profile{Server: c.api.base, Token: me.Token, UserID: me.User.ID, Email: me.User.Email,
		Org: me.User.Org.ODS, DeviceID: me.DeviceID}
	if old != nil && old.DeviceID == me.DeviceID {
		c.prof.SigPriv, c.prof.LastResort = old.SigPriv, old.LastResort
		c.prof.ServiceKey = old.ServiceKey
	}
	c.api.token = me.Token
	return nil
}

// registerCredential pins the service key and binds this device's MLS
// signature key to the account.
func (c *Client) registerCredential(ctx context.Context, old *profile) error {
	var svc wire.Service
	if err := c.api.do(ctx, "GET", "/api/mls/service", nil, &svc); err != nil {
		return err
	}
	if len(svc.SigningKey) != ed25519.PublicKeySize {
		return fault.New(fault.Internal, "The server's signing key is not valid.")
	}
	if _, err := mls.DecodeExternalSender(svc.ExternalSender); err != nil {
		return fault.Wrap(fault.Internal, "The server's external sender is not valid.", err)
	}
	if c.prof.ServiceKey != nil && !equalBytes(c.prof.ServiceKey, svc.SigningKey) {
		return fault.New(fault.Conflict, "The server's signing key has changed since this device signed in; ask your administrator before going on.")
	}
	c.prof.ServiceKey, c.prof.ExternalSender = svc.SigningKey, svc.ExternalSender
	if c.prof.SigPriv == nil {
		c.prof.SigPriv = make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(c.prof.SigPriv); err != nil {
			return err
		}
		c.prof.LastResort = ""
	}
	pub, err := mls.SignaturePublicKey(c.prof.SigPriv)
	if err != nil {
		return err
	}
	var out struct {
		Identity []byte `json:"identity"`
	}
	if err := c.api.do(ctx, "PUT", "/api/mls/credential", map[string][]byte{"signature_key": pub}, &out); err != nil {
		return err
	}
	id, err := wire.ParseIdentity(out.Identity, c.prof.ServiceKey)
	if err != nil || !equalBytes(id.Key, pub) || id.Device != c.prof.DeviceID {
		return fault.Wrap(fault.Internal, "The server's credential for this device does not verify.", err)
	}
	if old != nil && !equalBytes(old.Identity, out.Identity) {
		c.prof.LastResort = "" // KeyPackages must carry the current credential
	}
	c.prof.Identity = out.Identity
	return nil
}

// Open unlocks an existing profile.
func Open(ctx context.Context, opts Options) (*Client, error) {
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	if c.v, err = openVault(c.b, opts.Passphrase); err != nil {
		return nil, err
	}
	if err := c.v.get("profile", &c.prof); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, errNoProfile
		}
		return nil, fmt.Errorf("read profile: %w", err)
	}
	c.api.base, c.api.token = c.prof.Server, c.prof.Token
	return c, nil
}

// Email returns the signed-in account's email address.
func (c *Client) Email() string { return c.prof.Email }

// DeviceID returns this device's ID.
func (c *Client) DeviceID() string { return c.prof.DeviceID }

// lock takes the in-process mutex and the backend's lock.
func (c *Client) lock(ctx context.Context) (func(), error) {
	c.mu.Lock()
	unlock, err := c.b.Lock(ctx)
	if err != nil {
		c.mu.Unlock()
		return nil, err
	}
	return func() { unlock(); c.mu.Unlock() }, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func equalBytes(a, b []byte) bool { return string(a) == string(b) }

// SignOut signs this device out for good: the server retires it (it
// leaves every conversation, and the person's next sign-in is a new device
// that joins them), then its store is erased. The store is erased even if
// the server cannot be reached; the error then says so.
func (c *Client) SignOut(ctx context.Context) error {
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	serr := c.api.do(ctx, "DELETE", "/api/session?device=retire", nil, nil)
	if err := c.b.Erase(); err != nil {
		return err
	}
	if serr != nil && !fault.Is(serr, fault.Unauthenticated) {
		return fault.Wrap(fault.Unavailable, "This device's profile is erased, but the server could not be told; an admin can revoke the device under Admin → Devices.", serr)
	}
	return nil
}
