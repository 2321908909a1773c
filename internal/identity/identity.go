package identity

import (
	"slices"
	"time"
)

// Role is a part a user plays in their organisation. A user may hold several.
type Role string

// The roles.
const (
	RoleClinician Role = "clinician"
	RoleAdmin     Role = "admin"
	RoleDPO       Role = "dpo"
)

// Roles lists every role, in display order.
var Roles = []Role{RoleClinician, RoleAdmin, RoleDPO}

// Org is an NHS organisation, identified by its ODS code.
type Org struct {
	ID        string
	ODS       string
	Name      string
	Policy    Policy
	CreatedAt time.Time
}

// Policy is what an organisation's admins set for all its users.
type Policy struct {
	IdleTimeout  time.Duration // a session with no request for this long ends
	ReadReceipts string        // ReadReceiptsOn, ReadReceiptsOff or ReadReceiptsForced
	// PINAttempts is how many wrong messaging PINs in a row a device
	// allows before it erases its messages and signs out; 0 means
	// DefaultPINAttempts.
	PINAttempts int
	// PersonQuotaMiB and OrgQuotaMiB bound what one person, and the whole
	// organisation, may store in attachments; 0 means the defaults.
	PersonQuotaMiB int
	OrgQuotaMiB    int
}

// The default attachment quotas, in MiB.
const (
	DefaultPersonQuotaMiB = 1 << 10   // 1 GiB
	DefaultOrgQuotaMiB    = 100 << 10 // 100 GiB
)

// PersonQuota is how many MiB of attachments one person may store.
func (p Policy) PersonQuota() int {
	if p.PersonQuotaMiB <= 0 {
		return DefaultPersonQuotaMiB
	}
	return p.PersonQuotaMiB
}

// OrgQuota is how many MiB of attachments the organisation may store.
func (p Policy) OrgQuota() int {
	if p.OrgQuotaMiB <= 0 {
		return DefaultOrgQuotaMiB
	}
	return p.OrgQuotaMiB
}

// DefaultPINAttempts is the PIN attempt limit of an organisation that has
// not set one.
const DefaultPINAttempts = 10

// Attempts returns the PIN attempt limit, DefaultPINAttempts if unset.
func (p Policy) Attempts() int {
	if p.PINAttempts <= 0 {
		return DefaultPINAttempts
	}
	return p.PINAttempts
}

// The read-receipt policies: people choose (on by default), nobody sends
// them, or everybody must.
const (
	ReadReceiptsOn     = "on"
	ReadReceiptsOff    = "off"
	ReadReceiptsForced = "forced"
)

// DefaultPolicy is the policy of a new organisation.
var DefaultPolicy = Policy{IdleTimeout: 15 * time.Minute, ReadReceipts: ReadReceiptsOn, PINAttempts: DefaultPINAttempts}

// AbsoluteSessionLimit is the longest any session lives, however active.
const AbsoluteSessionLimit = 12 * time.Hour

// User is a person with an account in one organisation.
type User struct {
	ID           string
	OrgID        string
	Email        string // lower case
	Name         string
	Registration string // GMC, NMC or HCPC number, if any
	Team         string // such as "Ward 7" or "Cardiology on call", if any; the directory searches it
	Roles        []Role
	CreatedAt    time.Time

	PasswordHash    string // argon2id, PHC format; empty until enrolled
	TOTPSecret      string // base32; empty until enrolled
	TOTPConfirmed   bool   // the user proved they hold the secret
	TOTPLastCounter int64  // the last time step used, to refuse replays
	FailedSignIns   int    // consecutive failures
	LockedUntil     time.Time
	DisabledAt      time.Time // zero while the account is enabled
}

// Has reports whether u holds role r.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// Disabled reports whether an admin has disabled u's account: a disabled
// user cannot sign in, and their sessions are refused.
func (u *User) Disabled() bool { return !u.DisabledAt.IsZero() }

// Locked reports whether u may not sign in at now after too many failures.
func (u *User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// Enrolled reports whether u has a password and a confirmed second factor,
// and so may sign in.
func (u *User) Enrolled() bool { return u.PasswordHash != "" && u.TOTPSecret != "" && u.TOTPConfirmed }

// Device is one client (a browser, a CLI profile, a bot) registered to one
// person. Revoking it ends its sessions at once.
type Device struct {
	ID         string
	UserID     string
	Name       string
	Kind       string // web, cli or bot
	CreatedAt  time.Time
	LastSeenAt time.Time
	RevokedAt  time.Time // zero while active
}

// Revoked reports whether d has been revoked.
func (d *Device) Revoked() bool { return !d.RevokedAt.IsZero() }

// DeviceKinds lists the kinds of device.
var DeviceKinds = []string{"web", "cli", "bot"}

// Session is a signed-in device. Only the hash of its bearer token is stored.
type Session struct {
	ID         string
	TokenHash  string
	UserID     string
	DeviceID   string
	CSRF       string
	Addr       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute limit
	EndedAt    time.Time // zero while live
}

// Enrolment is a one-time link through which a person sets a password and
// enrols a second factor, or, for the very first admin, sets up the
// organisation. Only the hash of its token is stored.
type Enrolment struct {
	TokenHash string
	Kind      string // "setup" or "enrol"
	UserID    string // empty for setup
	ExpiresAt time.Time
	// PendingPassword and PendingTOTP are the credentials chosen through
	// the link, waiting for a code from that authenticator.
	PendingPassword string
	PendingTOTP     string
}

// The kinds of enrolment.
const (
	EnrolSetup = "setup"
	EnrolUser  = "enrol"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	User    *User
	Org     *Org
	Session *Session
	Device  *Device
}

// DeviceView is a device with its owner, for admins.
type DeviceView struct {
	Device
	UserEmail      string
	UserName       string
	ActiveSessions int
}
