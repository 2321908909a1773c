package identity

import (
	"context"
	"fmt"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/token"
)

var errBadLink = fault.New(fault.NotFound, "This link is not valid: it may have been used already or have expired. Ask your administrator for a new one.")

// EnsureSetup returns a new one-time setup token, valid for an hour, if no
// organisation exists yet, replacing any earlier one; otherwise it returns
// "". The token dies as soon as any organisation exists, however it was
// made (through the link or at the console).
func (s *Service) EnsureSetup(ctx context.Context) (string, error) {
	n, err := s.store.CountOrgs(ctx)
	if err != nil {
		return "", fmt.Errorf("count organisations: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	tok := token.Secret("")
	e := &Enrolment{TokenHash: token.Hash(tok), Kind: EnrolSetup, ExpiresAt: s.now().Add(setupValidFor)}
	if err := s.store.SetupEnrolment(ctx, e); err != nil {
		return "", fmt.Errorf("store setup link: %w", err)
	}
	return tok, nil
}

func (s *Service) enrolment(ctx context.Context, tok, kind string) (*Enrolment, error) {
	if tok == "" || len(tok) > 200 {
		return nil, errBadLink
	}
	e, err := s.store.EnrolmentByHash(ctx, token.Hash(tok))
	if fault.Is(err, fault.NotFound) {
		return nil, errBadLink
	}
	if err != nil {
		return nil, fmt.Errorf("look up enrolment: %w", err)
	}
	if e.Kind != kind || s.now().After(e.ExpiresAt) {
		return nil, errBadLink
	}
	return e, nil
}

// CheckSetup reports whether tok is a live setup token.
func (s *Service) CheckSetup(ctx context.Context, tok string) error {
	_, err := s.setupEnrolment(ctx, tok)
	return err
}

// setupEnrolment returns the setup enrolment of tok while it is live and
// no organisation exists.
func (s *Service) setupEnrolment(ctx context.Context, tok string) (*Enrolment, error) {
	e, err := s.enrolment(ctx, tok, EnrolSetup)
	if err != nil {
		return nil, err
	}
	n, err := s.store.CountOrgs(ctx)
	if err != nil {
		return nil, fmt.Errorf("count organisations: %w", err)
	}
	if n > 0 {
		return nil, errBadLink
	}
	return e, nil
}

// SetupInput describes the first organisation and its first admin.
type SetupInput struct {
	ODS, OrgName, Name, Email string
}

// Setup consumes the setup token, creates the organisation and its first
// admin (who also holds the dpo and clinician roles until others are added),
// and returns an enrolment token for that admin to set a password and MFA.
func (s *Service) Setup(ctx context.Context, tok string, in SetupInput, addr string) (string, error) {
	e, err := s.setupEnrolment(ctx, tok)
	if err != nil {
		return "", err
	}
	org, err := newOrg(in.ODS, in.OrgName, s.now())
	if err != nil {
		return "", err
	}
	u, err := s.newUser(org, in.Email, in.Name, "", "", []string{"admin", "dpo", "clinician"})
	if err != nil {
		return "", err
	}
	enrolTok := token.Secret("")
	enrol := &Enrolment{TokenHash: token.Hash(enrolTok), Kind: EnrolUser, UserID: u.ID, ExpiresAt: s.now().Add(enrolValidFor)}
	ev := audit.Event{At: s.now(), OrgID: org.ID, Actor: audit.ActorSystem, Action: "setup", Target: org.ID, Addr: addr,
		Detail: map[string]string{"ods": org.ODS, "admin": u.ID}}
	if err := s.store.Setup(ctx, e.TokenHash, org, u, enrol, ev); err != nil {
		return "", fmt.Errorf("set up: %w", err)
	}
	return enrolTok, nil
}

// EnrolInfo returns the user and organisation an enrolment token is for.
func (s *Service) EnrolInfo(ctx context.Context, tok string) (*User, *Org, error) {
	e, err := s.enrolment(ctx, tok, EnrolUser)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.store.UserByID(ctx, e.UserID)
	if err != nil {
		return nil, nil, fmt.Errorf("enrolment user: %w", err)
	}
	if u.Disabled() {
		return nil, nil, ErrDisabled
	}
	org, err := s.store.OrgByID(ctx, u.OrgID)
	if err != nil {
		return nil, nil, fmt.Errorf("enrolment org: %w", err)
	}
	return u, org, nil
}

// TOTPKey is a new second factor to show the person once.
type TOTPKey struct {
	Secret string
	URI    string
}

// EnrolPassword sets the password of the person the token is for and issues
// a new, unconfirmed TOTP secret. It may be repeated until EnrolConfirm.
func (s *Service) EnrolPassword(ctx context.Context, tok, password, addr string) (*TOTPKey, error) {
	u, org, err := s.EnrolInfo(ctx, tok)
	if err != nil {
		return nil, err
	}
	if err := s.policy.Check(password, u.Email, u.Name); err != nil {
		return nil, err
	}
	secret := NewTOTPSecret()
	ev := audit.Event{At: s.now(), OrgID: u.OrgID, Actor: u.ID, Action: "enrol.password", Target: u.ID, Addr: addr}
	// They wait with the enrolment: the person's own password and
	// authenticator (if any) stay until a code confirms the new ones.
	if err := s.store.SetPendingCredentials(ctx, token.Hash(tok), HashPassword(password), secret, ev); err != nil {
		return nil, fmt.Errorf("set password: %w", err)
	}
	return &TOTPKey{Secret: secret, URI: TOTPURI(secret, u.Email, org.ODS)}, nil
}

// EnrolConfirm checks the first TOTP code, completes enrolment, consumes the
// token and signs the person in on the given device.
func (s *Service) EnrolConfirm(ctx context.Context, tok, code string, dev DeviceInput, addr string) (*SignedIn, error) {
	e, err := s.enrolment(ctx, tok, EnrolUser)
	if err != nil {
		return nil, err
	}
	u, org, err := s.EnrolInfo(ctx, tok)
	if err != nil {
		return nil, err
	}
	if e.PendingPassword == "" || e.PendingTOTP == "" {
		return nil, fault.Invalidf("Set your password first.")
	}
	counter, ok := VerifyTOTP(e.PendingTOTP, code, s.now(), 0)
	if !ok {
		return nil, fault.Invalidf("The security code is not right. Enter the 6-digit code your authenticator app shows now.")
	}
	u.PasswordHash, u.TOTPSecret, u.TOTPConfirmed = e.PendingPassword, e.PendingTOTP, true
	return s.start(ctx, u, org, dev, addr, counter, e.TokenHash, "enrol.complete")
}
