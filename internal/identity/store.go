package identity

import (
	"context"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// The errors a Store returns for the rules it keeps itself.
var (
	// ErrLastAdmin refuses to leave an organisation without an enabled admin.
	ErrLastAdmin = fault.New(fault.Conflict, "This is the organisation's last enabled administrator; make someone else an administrator first.")
	// ErrDisabled refuses to start a session for a disabled user.
	ErrDisabled = fault.New(fault.Forbidden, "This account has been disabled; ask your organisation's administrator.")
)

// Store keeps identities. Every method that changes state takes the audit
// event describing the change and appends it to the audit chain in the same
// transaction, so a change is never made without its record, nor recorded
// without being made.
//
// Errors: a missing row is fault.NotFound, a duplicate (ODS code, email) is
// fault.Conflict.
//
// An organisation always keeps at least one enabled admin: the methods that
// could take away the last one check it inside their transaction, so that
// two admins acting at once (on any node) cannot both succeed.
type Store interface {
	CountOrgs(ctx context.Context) (int, error)
	CreateOrg(ctx context.Context, o *Org, ev audit.Event) error
	OrgByID(ctx context.Context, id string) (*Org, error)
	OrgByODS(ctx context.Context, ods string) (*Org, error)
	SetPolicy(ctx context.Context, orgID string, p Policy, ev audit.Event) error

	// CreateUser adds u; if enrol is non-nil its token is stored with it.
	CreateUser(ctx context.Context, u *User, enrol *Enrolment, ev audit.Event) error
	UserByID(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	ListUsers(ctx context.Context, orgID string) ([]*User, error)
	// SetCredentials stores a password hash and TOTP secret (confirmed or not).
	SetCredentials(ctx context.Context, userID, passwordHash, totpSecret string, confirmed bool, ev audit.Event) error
	// SetPendingCredentials keeps a password hash and TOTP secret chosen
	// through an enrolment link with the enrolment, until StartSession
	// consumes it and they replace the person's own.
	SetPendingCredentials(ctx context.Context, tokenHash, passwordHash, totpSecret string, ev audit.Event) error
	// RecordSignInFailure stores the failure count and lock; ev may be a
	// lockout. It does so only if the stored count is still failures-1:
	// if another failure was recorded meanwhile it changes nothing and
	// returns fault.Conflict, and the caller counts on from the stored
	// figure, so that failures arriving together each count. It never
	// shortens a lock already stored.
	RecordSignInFailure(ctx context.Context, userID string, failures int, lockedUntil time.Time, ev audit.Event) error

	// SetRoles replaces the user's roles from with to. If the stored roles
	// are no longer from (another admin changed them meanwhile) it changes
	// nothing and returns fault.Conflict. It refuses with ErrLastAdmin to
	// take the admin role from the organisation's last enabled admin.
	SetRoles(ctx context.Context, userID string, from, to []Role, ev audit.Event) error
	// DisableUser marks the user disabled at at, ends every live session
	// of theirs and revokes every device of theirs not revoked yet, and
	// records ev and then, for each device revoked, deviceEv with its
	// Target set to that device's ID. It returns the IDs of the devices it
	// revoked. A user disabled already is left as they are, with nothing
	// recorded. It refuses with ErrLastAdmin to disable the organisation's
	// last enabled admin.
	DisableUser(ctx context.Context, userID string, at time.Time, ev, deviceEv audit.Event) ([]string, error)
	// EnableUser clears the user's disabled mark. Their devices stay
	// revoked. An enabled user is left as they are, with nothing recorded.
	EnableUser(ctx context.Context, userID string, ev audit.Event) error
	// Unlock clears the user's sign-in failure count and lock.
	Unlock(ctx context.Context, userID string, ev audit.Event) error

	// SetupEnrolment replaces any setup enrolment with e (no audit: nothing exists yet).
	SetupEnrolment(ctx context.Context, e *Enrolment) error
	EnrolmentByHash(ctx context.Context, tokenHash string) (*Enrolment, error)
	// ReplaceEnrolment removes the user's unused enrolments and stores e.
	ReplaceEnrolment(ctx context.Context, e *Enrolment, ev audit.Event) error
	// Setup consumes the setup enrolment and creates the organisation, its
	// first admin and that admin's enrolment, atomically.
	Setup(ctx context.Context, setupHash string, o *Org, u *User, enrol *Enrolment, ev audit.Event) error

	// StartSession records a successful sign-in: it resets the user's failure
	// count, stores the TOTP counter used, consumes the enrolment whose hash is
	// given (if any, confirming the TOTP secret), registers the device if new
	// and stores the session. It refuses a disabled user with ErrDisabled,
	// whatever the caller checked before.
	StartSession(ctx context.Context, s *Session, d *Device, totpCounter int64, enrolHash string, ev audit.Event) error
	SessionByTokenHash(ctx context.Context, tokenHash string) (*Session, error)
	// TouchSession sets the session's and its device's last-seen time.
	TouchSession(ctx context.Context, sessionID, deviceID string, at time.Time) error
	ListSessions(ctx context.Context, userID string) ([]*Session, error)
	EndSession(ctx context.Context, sessionID string, at time.Time, ev audit.Event) error

	DeviceByID(ctx context.Context, id string) (*Device, error)
	ListDevices(ctx context.Context, userID string) ([]*Device, error)
	ListOrgDevices(ctx context.Context, orgID string) ([]*DeviceView, error)
	// EndDeviceSessions ends every live session of a device.
	EndDeviceSessions(ctx context.Context, deviceID string, at time.Time, ev audit.Event) error
	// RevokeDevice marks the device revoked and ends its sessions.
	RevokeDevice(ctx context.Context, deviceID string, at time.Time, ev audit.Event) error

	ListAudit(ctx context.Context, orgID string, before int64, limit int) ([]audit.Entry, error)
	// VerifyAudit walks the whole chain and returns the first break, if any,
	// and the number of entries verified.
	VerifyAudit(ctx context.Context) (int64, error)
}
