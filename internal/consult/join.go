package consult

import (
	"context"
	"crypto/subtle"
	"slices"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/token"
)

// The sentences a person with a link that does not work sees. Each says
// what to do next; none says whose link it was.
var (
	ErrLinkNotValid = fault.New(fault.NotFound, "This link is not valid. Check you copied all of it, or contact the practice for a new one.")
	ErrLinkExpired  = fault.New(fault.NotFound, "This link has expired because the appointment time has passed. Contact the practice to rebook.")
	ErrLinkEnded    = fault.New(fault.NotFound, "This consultation has ended, so the link no longer works. Contact the practice if you need to speak to someone again.")
	ErrLinkUsed     = fault.New(fault.Forbidden, "This link has already been used on another device. For your privacy it works on one device only; contact the practice if you need a new link.")
)

// Joining is what a person who opened an invite link may see: the
// practice, the time and the consent statement.
type Joining struct {
	Participant  *Participant
	Consultation *Consultation
	Entered      bool // this browser has entered already
}

// Open checks an invite link as opened by a browser holding claim (empty
// if it has not entered). It fails with one of the ErrLink errors.
func (s *Service) Open(ctx context.Context, tok, claim string) (*Joining, error) {
	if len(tok) != len(tokenPrefix)+43 || tok[:len(tokenPrefix)] != tokenPrefix {
		return nil, ErrLinkNotValid
	}
	p, err := s.store.ParticipantByTokenHash(ctx, token.Hash(tok))
	if fault.Is(err, fault.NotFound) {
		return nil, ErrLinkNotValid
	}
	if err != nil {
		return nil, err
	}
	c, err := s.store.ConsultationByID(ctx, p.ConsultID)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Over():
		return nil, ErrLinkEnded
	case s.now().After(p.ExpiresAt):
		return nil, ErrLinkExpired
	case p.ClaimHash != "" && (claim == "" || subtle.ConstantTimeCompare([]byte(token.Hash(claim)), []byte(p.ClaimHash)) != 1):
		return nil, ErrLinkUsed
	}
	return &Joining{Participant: p, Consultation: c, Entered: p.ClaimHash != ""}, nil
}

// EnterInput is what the join page sends when the person selects Enter.
type EnterInput struct {
	Token          string
	Claim          string // the browser's claim, if it entered before
	ConsentVersion string // the version of the statement the page showed
	Check          DeviceCheck
	Addr           string
}

// Enter records implied consent (G9), claims the link for this browser
// and puts the person in the waiting room (G11). It returns the claim the
// browser must present from now on. Entering again from the same browser
// changes nothing.
func (s *Service) Enter(ctx context.Context, in EnterInput) (string, *Joining, error) {
	j, err := s.Open(ctx, in.Token, in.Claim)
	if err != nil {
		return "", nil, err
	}
	if j.Entered {
		return in.Claim, j, nil
	}
	if _, ok := Statements[in.ConsentVersion]; !ok || in.ConsentVersion != ConsentVersion {
		return "", nil, fault.Invalidf("The consent statement has been updated. Reload the page, read it again and select Enter.")
	}
	if !slices.Contains(Connections, in.Check.Connection) || in.Check.UplinkKbps < 0 || in.Check.UplinkKbps > 10_000_000 {
		return "", nil, fault.Invalidf("The device check result is not complete; run the check again.")
	}
	p, c := j.Participant, j.Consultation
	claim := token.Secret(claimPrefix)
	now := s.now()
	check := in.Check
	p.ClaimHash, p.State, p.EnteredAt, p.ConsentVersion, p.Check = token.Hash(claim), StateWaiting, now, in.ConsentVersion, &check
	actor := actorInvitee + p.ID
	rec := s.record(c, RecordConsent, p.ID, actor, map[string]string{"version": in.ConsentVersion, "role": string(p.Role)})
	ev := audit.Event{At: now, OrgID: c.OrgID, Actor: actor, Action: "consult.consent", Target: c.ID, Addr: in.Addr,
		Detail: map[string]string{"participant": p.ID, "version": in.ConsentVersion}}
	if err := s.store.UpdateParticipant(ctx, p, []Record{rec}, ev); err != nil {
		if fault.Is(err, fault.Conflict) {
			return "", nil, ErrLinkUsed // another browser entered first
		}
		return "", nil, err
	}
	j.Entered = true
	s.hub.Notify(c.ID, Message{Type: "lobby"}, true)
	return claim, j, nil
}

// Expires reports when a participant's link stops working.
func (j *Joining) Expires() time.Time { return j.Participant.ExpiresAt }
