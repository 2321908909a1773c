package identity

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/token"
)

// Sign-in limits.
const (
	lockAfterFailures = 5                // consecutive failures on one account
	lockFor           = 15 * time.Minute // doubled for each further five failures
	maxLock           = 24 * time.Hour
	addrMaxFailures   = 30 // failures from one address…
	addrWindow        = 15 * time.Minute
	enrolValidFor     = 7 * 24 * time.Hour
	// setupValidFor bounds the first-start setup link, which anyone who
	// reads the service's output could use: a new one is printed at each
	// start while no organisation exists.
	setupValidFor = time.Hour
	touchEvery    = 15 * time.Second // last-seen precision, to spare writes
)

// Service is the identity capability: organisations, accounts, enrolment,
// sign-in, sessions and devices. It enforces who may do what; the store
// below it does not.
type Service struct {
	store    Store
	log      *slog.Logger
	now      func() time.Time
	policy   PasswordPolicy
	limiter  *addrLimiter
	ghosts   *ghostLocks
	OnSignIn func(outcome string) // counts outcomes for metrics; may be nil
	// OnDeviceRevoked is called after a device is revoked (messaging
	// removes it from its groups and tells it to erase); may be nil.
	OnDeviceRevoked func(ctx context.Context, deviceID string)
}

// NewService returns a Service over store.
func NewService(store Store, log *slog.Logger, now func() time.Time) *Service {
	return &Service{store: store, log: log, now: now, limiter: newAddrLimiter(addrMaxFailures, addrWindow), ghosts: newGhostLocks()}
}

// DeviceInput is what a client says about itself when it signs in.
type DeviceInput struct {
	ID   string // an existing device of the user's, to sign it in again
	Name string
	Kind string
}

// SignInInput is a sign-in attempt.
type SignInInput struct {
	Email    string
	Password string
	Code     string // TOTP
	Device   DeviceInput
	Addr     string
}

// SignedIn is the result of a successful sign-in: the bearer token is
// returned once and never stored.
type SignedIn struct {
	Token string
	Principal
}

var errBadCredentials = fault.New(fault.Unauthenticated, "The email, password or security code is not right.")

// SignIn checks a password and TOTP code and starts a session.
func (s *Service) SignIn(ctx context.Context, in SignInInput) (*SignedIn, error) {
	now := s.now()
	if wait := s.limiter.blockedFor(in.Addr, now); wait > 0 {
		s.count("throttled")
		return nil, tooMany(now, wait, "There have been too many failed sign-ins from this network.")
	}
	email, err := NormaliseEmail(in.Email)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !fault.Is(err, fault.NotFound) {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if err != nil || !u.Enrolled() {
		// No account to sign in to: answered exactly as a real one with
		// a wrong password would be, lockouts included.
		return nil, s.ghostFailure(email, in, now, err != nil)
	}
	locked := now.Before(u.LockedUntil)
	if locked && (!s.knownDevice(ctx, u, in.Device.ID) || s.ghosts.spent(u.ID, u.LockedUntil)) {
		// A device the person has signed in on before gets through with
		// the right password and code, so that someone failing on
		// purpose elsewhere cannot lock them out of it. A device ID is
		// no secret, so such tries are few in each lock.
		s.count("locked")
		return nil, tooMany(now, u.LockedUntil.Sub(now), lockedWhy)
	}
	counter, codeOK := int64(0), false
	pwOK := CheckPassword(u.PasswordHash, in.Password)
	if pwOK {
		counter, codeOK = VerifyTOTP(u.TOTPSecret, in.Code, now, u.TOTPLastCounter)
	}
	if !pwOK || !codeOK {
		if locked {
			s.ghosts.spend(u.ID, u.LockedUntil)
		}
		return nil, s.failed(ctx, u, in.Addr, now, pwOK)
	}
	// Only someone who knows the password and holds the second factor
	// learns that the account is disabled.
	if u.Disabled() {
		s.count("disabled")
		return nil, ErrDisabled
	}
	org, err := s.store.OrgByID(ctx, u.OrgID)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return s.start(ctx, u, org, in.Device, in.Addr, counter, "", "signin.ok")
}

// lockedWhy is the sentence for a locked sign-in, whether or not the
// email has an account.
const lockedWhy = "This account is locked after too many failed sign-ins."

// ghostFailure answers a sign-in to an email with no usable account as a
// wrong password for a real one is answered: it takes as long (a password
// hash is checked), counts towards the same lockout, and says the same.
func (s *Service) ghostFailure(email string, in SignInInput, now time.Time, unknown bool) error {
	if until := s.ghosts.lockedUntil(email, now); !until.IsZero() {
		s.count("locked")
		return tooMany(now, until.Sub(now), lockedWhy)
	}
	CheckPassword(dummyHash, in.Password)
	s.limiter.fail(in.Addr, now)
	if unknown {
		s.count("unknown")
	} else {
		s.count("not_enrolled")
	}
	if until := s.ghosts.fail(email, now); !until.IsZero() {
		s.count("lockout")
		return tooMany(now, until.Sub(now), "This account is now locked after too many failed sign-ins.")
	}
	s.count("bad_credentials")
	return errBadCredentials
}

// knownDevice reports whether id is a device of u's, not revoked, that
// has signed in before.
func (s *Service) knownDevice(ctx context.Context, u *User, id string) bool {
	if id == "" {
		return false
	}
	d, err := s.store.DeviceByID(ctx, id)
	return err == nil && d.UserID == u.ID && !d.Revoked()
}

func (s *Service) failed(ctx context.Context, u *User, addr string, now time.Time, pwOK bool) error {
	s.limiter.fail(addr, now)
	until, err := s.recordFailure(ctx, u, addr, now, pwOK)
	if err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	if !until.IsZero() {
		s.count("lockout")
		return tooMany(now, until.Sub(now), "This account is now locked after too many failed sign-ins.")
	}
	s.count("bad_credentials")
	return errBadCredentials
}

// recordFailure counts one more failure, and locks the account at every
// fifth. Failures arriving together (several requests, several nodes) each
// count: when the store finds the count moved, it is read again.
func (s *Service) recordFailure(ctx context.Context, u *User, addr string, now time.Time, pwOK bool) (time.Time, error) {
	for attempt := 0; ; attempt++ {
		n := u.FailedSignIns + 1
		var until time.Time
		ev := audit.Event{At: now, OrgID: u.OrgID, Actor: u.ID, Action: "signin.fail", Target: u.ID, Addr: addr,
			Detail: map[string]string{"failures": fmt.Sprint(n), "factor": map[bool]string{false: "password", true: "totp"}[pwOK]}}
		if n%lockAfterFailures == 0 {
			until = now.Add(lockDuration(n))
			ev.Action = "signin.lockout"
			ev.Detail["locked_until"] = until.UTC().Format(time.RFC3339)
		}
		err := s.store.RecordSignInFailure(ctx, u.ID, n, until, ev)
		if !fault.Is(err, fault.Conflict) || attempt == 20 {
			return until, err
		}
		if u, err = s.store.UserByID(ctx, u.ID); err != nil {
			return time.Time{}, err
		}
	}
}

// lockDuration is how long the nth consecutive failure locks for: 15
// minutes at the fifth, doubled at each further fifth, at most a day.
func lockDuration(n int) time.Duration {
	d := lockFor << (n/lockAfterFailures - 1)
	if d > maxLock || d <= 0 {
		d = maxLock
	}
	return d
}

func tooMany(now time.Time, wait time.Duration, why string) error {
	at := now.Add(wait).UTC().Format("15:04 MST")
	return &fault.Error{Kind: fault.TooMany, RetryAfter: wait,
		Msg: fmt.Sprintf("%s Try again after %s (in %s).", why, at, humanDuration(wait))}
}

func humanDuration(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m <= 1:
		return "about a minute"
	case m < 60:
		return fmt.Sprintf("%d minutes", m)
	case m < 120:
		return "about an hour"
	}
	return fmt.Sprintf("about %d hours", (m+30)/60)
}

func (s *Service) count(outcome string) {
	if s.OnSignIn != nil {
		s.OnSignIn(outcome)
	}
}

// start registers the device if new and opens a session.
func (s *Service) start(ctx context.Context, u *User, org *Org, din DeviceInput, addr string, counter int64, enrolHash, action string) (*SignedIn, error) {
	now := s.now()
	var d *Device
	if din.ID != "" {
		old, err := s.store.DeviceByID(ctx, din.ID)
		if err != nil && !fault.Is(err, fault.NotFound) {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		if err == nil && old.UserID == u.ID && !old.Revoked() {
			d = old
		}
	}
	if d == nil {
		name, kind, err := CheckDevice(din.Name, din.Kind)
		if err != nil {
			return nil, err
		}
		d = &Device{ID: token.ID(), UserID: u.ID, Name: name, Kind: kind, CreatedAt: now}
	}
	d.LastSeenAt = now
	tok := token.Secret("sbs_")
	sess := &Session{ID: token.ID(), TokenHash: token.Hash(tok), UserID: u.ID, DeviceID: d.ID, CSRF: token.Secret(""),
		Addr: addr, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(AbsoluteSessionLimit)}
	ev := audit.Event{At: now, OrgID: u.OrgID, Actor: u.ID, Action: action, Target: sess.ID, Addr: addr,
		Detail: map[string]string{"device": d.ID, "device_kind": d.Kind}}
	if err := s.store.StartSession(ctx, sess, d, counter, enrolHash, ev); err != nil {
		return nil, fmt.Errorf("start session: %w", err)
	}
	s.count("ok")
	u.FailedSignIns, u.LockedUntil, u.TOTPLastCounter = 0, time.Time{}, counter
	return &SignedIn{Token: tok, Principal: Principal{User: u, Org: org, Session: sess, Device: d}}, nil
}

var errSessionEnded = fault.New(fault.Unauthenticated, "Your session has ended. Sign in again.")

// ErrDeviceRevoked is the answer to a device that has been revoked: it says
// why its session ended, so the person is not left to guess.
var ErrDeviceRevoked = fault.New(fault.Unauthenticated,
	"This device was revoked (removed from your account by you or an administrator), so it has been signed out.")

// Authenticate resolves a bearer token to its principal, ending the session
// if it has been idle longer than the organisation allows.
func (s *Service) Authenticate(ctx context.Context, bearer string) (*Principal, error) {
	if bearer == "" {
		return nil, fault.New(fault.Unauthenticated, "Sign in to continue.")
	}
	sess, err := s.store.SessionByTokenHash(ctx, token.Hash(bearer))
	if fault.Is(err, fault.NotFound) {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if !sess.EndedAt.IsZero() {
		// Revoking ends the device's sessions at once; say that was why.
		if d, err := s.store.DeviceByID(ctx, sess.DeviceID); err == nil && d.Revoked() {
			return nil, ErrDeviceRevoked
		}
		return nil, errSessionEnded
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	org, err := s.store.OrgByID(ctx, u.OrgID)
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	d, err := s.store.DeviceByID(ctx, sess.DeviceID)
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	now := s.now()
	reason := ""
	switch {
	case u.Disabled():
		reason = "user_disabled"
	case d.Revoked():
		reason = "device_revoked"
	case now.After(sess.ExpiresAt):
		reason = "absolute_limit"
	case now.Sub(sess.LastSeenAt) > org.Policy.IdleTimeout:
		reason = "idle"
	}
	if reason != "" {
		ev := audit.Event{At: now, OrgID: org.ID, Actor: audit.ActorSystem, Action: "session.expire", Target: sess.ID,
			Detail: map[string]string{"reason": reason}}
		if err := s.store.EndSession(ctx, sess.ID, now, ev); err != nil {
			s.log.Warn("end expired session", "session", sess.ID, "err", err)
		}
		if reason == "device_revoked" {
			return nil, ErrDeviceRevoked
		}
		return nil, errSessionEnded
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, sess.ID, d.ID, now); err != nil {
			s.log.Warn("touch session", "session", sess.ID, "err", err)
		}
		sess.LastSeenAt, d.LastSeenAt = now, now
	}
	return &Principal{User: u, Org: org, Session: sess, Device: d}, nil
}

// Live reports whether p's session is still open and its device not
// revoked. It does not count as activity, so a socket that only listens
// can check it without keeping an idle session alive.
func (s *Service) Live(ctx context.Context, p *Principal) (bool, error) {
	sess, err := s.store.SessionByTokenHash(ctx, p.Session.TokenHash)
	if fault.Is(err, fault.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	d, err := s.store.DeviceByID(ctx, p.Device.ID)
	if err != nil {
		return false, err
	}
	return sess.EndedAt.IsZero() && !d.Revoked() && s.now().Before(sess.ExpiresAt), nil
}

// SignOut ends the caller's session. With retire, the person is done with
// this device (a browser that signs out erases its messages): the device
// is revoked as well, so the server proposes its removal from every
// conversation, and the next sign-in there is a new device, which joins
// them by itself. Without it (a session that idled out), the device keeps
// its place and its messages for when the person signs in again.
func (s *Service) SignOut(ctx context.Context, p *Principal, retire bool) error {
	now := s.now()
	ev := audit.Event{At: now, OrgID: p.Org.ID, Actor: p.User.ID, Action: "session.signout", Target: p.Session.ID}
	if !retire || p.Device == nil {
		return s.store.EndSession(ctx, p.Session.ID, now, ev)
	}
	ev.Detail = map[string]string{"device": p.Device.ID, "device_retired": "yes"}
	if err := s.store.RevokeDevice(ctx, p.Device.ID, now, ev); err != nil {
		return err
	}
	s.deviceRevoked(ctx, p.Device.ID)
	return nil
}
