package records

import (
	"context"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// HoldInput is what placing a hold needs: exactly one of Conversation,
// Email, or From with To (dates, YYYY-MM-DD, To inclusive).
type HoldInput struct {
	Conversation string
	Email        string
	From, To     string
	Case         string
}

// PlaceHold places a legal hold in the organisation; actor is a user ID or
// audit.ActorCLI.
func (s *Service) PlaceHold(ctx context.Context, org *identity.Org, actor string, in HoldInput) (*Hold, error) {
	h := &Hold{ID: newID(), OrgID: org.ID, Case: strings.TrimSpace(in.Case), PlacedBy: actor, PlacedAt: s.now()}
	if h.Case == "" {
		return nil, fault.Invalidf("Give the hold a case reference (the FOI, SAR, complaint, litigation or inquiry it is for).")
	}
	if len(h.Case) > 100 {
		return nil, fault.Invalidf("Shorten the case reference to 100 characters or fewer.")
	}
	n := 0
	for _, v := range []string{in.Conversation, in.Email, in.From + in.To} {
		if strings.TrimSpace(v) != "" {
			n++
		}
	}
	if n != 1 {
		return nil, fault.Invalidf("Hold one conversation, one person (by email), or one period (from and to dates), not more than one.")
	}
	detail := map[string]string{"case": h.Case}
	switch {
	case in.Conversation != "":
		c, err := s.msg.Conversation(ctx, strings.TrimSpace(in.Conversation))
		if err != nil || c.OrgID != org.ID {
			return nil, fault.Invalidf("There is no such conversation in the organisation; check its ID.")
		}
		h.Conversation, detail["conversation"] = c.ID, c.ID
	case in.Email != "":
		u, err := s.ids.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(in.Email)))
		if err != nil || u.OrgID != org.ID {
			return nil, fault.Invalidf("Nobody in the organisation has that email; check it.")
		}
		h.UserID, detail["user"] = u.ID, u.ID
	default:
		from, err1 := time.Parse(time.DateOnly, strings.TrimSpace(in.From))
		to, err2 := time.Parse(time.DateOnly, strings.TrimSpace(in.To))
		if err1 != nil || err2 != nil {
			return nil, fault.Invalidf("Give the period's from and to dates as YYYY-MM-DD.")
		}
		if to.Before(from) {
			return nil, fault.Invalidf("The period's to date is before its from date.")
		}
		h.From, h.To = from, to.AddDate(0, 0, 1)
		detail["from"], detail["to"] = in.From, in.To
	}
	ev := audit.Event{At: h.PlacedAt, OrgID: org.ID, Actor: actor, Action: "hold.place", Target: h.ID, Detail: detail}
	if err := s.store.PutHold(ctx, h, ev); err != nil {
		return nil, err
	}
	s.rulesChanged(ctx, org.ID)
	return h, nil
}

// PlaceHoldFor is PlaceHold for the organisation's DPO.
func (s *Service) PlaceHoldFor(ctx context.Context, p *identity.Principal, in HoldInput) (*Hold, error) {
	if !p.User.Has(identity.RoleDPO) {
		return nil, errNotDPO
	}
	return s.PlaceHold(ctx, p.Org, p.User.ID, in)
}

// ReleaseHold releases a hold of the organisation (orgID empty: any, at
// the console); the next sweep deletes what it kept and is due.
func (s *Service) ReleaseHold(ctx context.Context, orgID, actor, id string) (*Hold, error) {
	h, err := s.store.Hold(ctx, strings.TrimSpace(id))
	if fault.Is(err, fault.NotFound) || err == nil && orgID != "" && h.OrgID != orgID {
		return nil, fault.New(fault.NotFound, "There is no hold with that ID; list the holds to find it.")
	}
	if err != nil {
		return nil, err
	}
	if !h.ReleasedAt.IsZero() {
		return nil, fault.New(fault.Conflict, "This hold was released already, on "+h.ReleasedAt.UTC().Format(time.DateOnly)+".")
	}
	at := s.now()
	ev := audit.Event{At: at, OrgID: h.OrgID, Actor: actor, Action: "hold.release", Target: h.ID, Detail: map[string]string{"case": h.Case}}
	if err := s.store.ReleaseHold(ctx, h.ID, actor, at, ev); err != nil {
		if fault.Is(err, fault.Conflict) {
			return nil, fault.New(fault.Conflict, "This hold was released already.")
		}
		return nil, err
	}
	h.ReleasedAt, h.ReleasedBy = at, actor
	s.rulesChanged(ctx, h.OrgID)
	return h, nil
}

// ReleaseHoldFor is ReleaseHold for the organisation's DPO.
func (s *Service) ReleaseHoldFor(ctx context.Context, p *identity.Principal, id string) (*Hold, error) {
	if !p.User.Has(identity.RoleDPO) {
		return nil, errNotDPO
	}
	return s.ReleaseHold(ctx, p.Org.ID, p.User.ID, id)
}

// Holds lists the organisation's holds, released ones too, for its DPO
// (and, read-only, its admins).
func (s *Service) Holds(ctx context.Context, orgID string) ([]wire.Hold, error) {
	hs, err := s.store.Holds(ctx, orgID, true)
	if err != nil {
		return nil, err
	}
	out := make([]wire.Hold, 0, len(hs))
	for _, h := range hs {
		out = append(out, s.holdOut(ctx, h))
	}
	return out, nil
}

// HoldsFor is Holds for the DPO or an admin of the organisation.
func (s *Service) HoldsFor(ctx context.Context, p *identity.Principal) ([]wire.Hold, error) {
	if !p.User.Has(identity.RoleDPO) && !p.User.Has(identity.RoleAdmin) {
		return nil, errNotDPO
	}
	return s.Holds(ctx, p.Org.ID)
}

// holdOut is a hold as the DPO sees it: people by email.
func (s *Service) holdOut(ctx context.Context, h *Hold) wire.Hold {
	out := wire.Hold{ID: h.ID, Conversation: h.Conversation, Case: h.Case, PlacedBy: s.email(ctx, h.PlacedBy), PlacedAt: h.PlacedAt}
	if h.UserID != "" {
		out.Email = s.email(ctx, h.UserID)
	}
	if !h.From.IsZero() {
		from, to := h.From, h.To
		out.From, out.To = &from, &to
	}
	if !h.ReleasedAt.IsZero() {
		r := h.ReleasedAt
		out.ReleasedAt = &r
	}
	return out
}

// email returns a user's email, or the ID itself for the console.
func (s *Service) email(ctx context.Context, id string) string {
	if id == audit.ActorCLI || id == audit.ActorSystem {
		return id
	}
	u, err := s.ids.UserByID(ctx, id)
	if err != nil {
		return id
	}
	return u.Email
}
