package records

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// Limits of the records rules.
const (
	// DefaultFiledGrace is how long filed messages stay before deletion
	// unless the organisation sets otherwise.
	DefaultFiledGrace = 24 * time.Hour
	// MaxFiledGrace bounds the grace period.
	MaxFiledGrace = 30 * 24 * time.Hour
	// MinAge and MaxAge bound a retention period.
	MinAge = time.Hour
	MaxAge = 100 * 365 * 24 * time.Hour
	// maxFiled bounds the messages of one filing.
	maxFiled = 1000
	// sweepEvery is how often a server sweeps.
	sweepEvery = time.Minute
)

// Service applies the records rules.
type Service struct {
	store Store
	ids   identity.Store
	msg   *messaging.Service
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Service.
func New(store Store, ids identity.Store, msg *messaging.Service, log *slog.Logger, now func() time.Time) *Service {
	return &Service{store: store, ids: ids, msg: msg, log: log, now: now}
}

// Run sweeps every minute until ctx ends: deleting, on the server and
// through the stream on every device, what retention and filings make
// due.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("records sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

var (
	errNotAdmin = fault.New(fault.Forbidden, "Only an organisation admin can change how long messages are kept.")
	errNotDPO   = fault.New(fault.Forbidden, "Only the data protection officer can place and release legal holds.")
	errKind     = fault.Invalidf("Choose a kind of conversation: clinical, team or incident.")
)

// ParseAge reads a retention period such as "30d", "12h", "90d" or
// "keep".
func ParseAge(s string) (age time.Duration, keep bool, err error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "keep" {
		return 0, true, nil
	}
	bad := fault.Invalidf(`Give the longest time to keep messages as a number of days or hours, such as "30d" or "12h", or "keep".`)
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil {
			return 0, false, bad
		}
		age = time.Duration(n) * 24 * time.Hour
		if n > int(MaxAge/(24*time.Hour)) {
			age = MaxAge + 1
		}
	} else if age, err = time.ParseDuration(s); err != nil {
		return 0, false, bad
	}
	if age < MinAge || age > MaxAge {
		return 0, false, fault.Invalidf("Keep messages for at least an hour and at most 100 years, or choose keep.")
	}
	return age, false, nil
}

// ParseGrace reads a grace period for filed messages: "0s", "24h", "2d".
func ParseGrace(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
		if days > 31 {
			d = MaxFiledGrace + 1
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil {
		return 0, fault.Invalidf(`Give the grace period before filed messages are deleted as hours or days, such as "24h", "2d" or "0s".`)
	}
	if d < 0 || d > MaxFiledGrace {
		return 0, fault.Invalidf("The grace period before filed messages are deleted is from 0 to 30 days.")
	}
	return d, nil
}

// Retention returns the organisation's rules, one per kind.
func (s *Service) Retention(ctx context.Context, orgID string) (*wire.Retention, error) {
	rules, err := s.store.Rules(ctx, orgID)
	if err != nil {
		return nil, err
	}
	grace, err := s.store.FiledGrace(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := &wire.Retention{FiledGraceSeconds: int64(grace / time.Second)}
	for _, k := range wire.ConversationKinds {
		r := wire.RetentionRule{Kind: k}
		if i := slices.IndexFunc(rules, func(r *Rule) bool { return r.Kind == k }); i >= 0 {
			r.Set, r.MaxAgeSeconds, r.Keep, r.Reason = true, int64(rules[i].MaxAge/time.Second), rules[i].MaxAge == 0, rules[i].Reason
		}
		out.Rules = append(out.Rules, r)
	}
	return out, nil
}

// RetentionFor is Retention for an admin or the DPO of the organisation.
func (s *Service) RetentionFor(ctx context.Context, p *identity.Principal) (*wire.Retention, error) {
	if !p.User.Has(identity.RoleAdmin) && !p.User.Has(identity.RoleDPO) {
		return nil, errNotAdmin
	}
	return s.Retention(ctx, p.Org.ID)
}

// SetRule sets how long the organisation keeps a kind of conversation:
// age, or kept (keep) for the reason given. actor is a user ID or
// audit.ActorCLI.
func (s *Service) SetRule(ctx context.Context, orgID, actor, kind string, age time.Duration, keep bool, reason string) error {
	if !slices.Contains(wire.ConversationKinds, kind) {
		return errKind
	}
	reason = strings.TrimSpace(reason)
	if keep {
		if reason == "" {
			return fault.Invalidf("Say why messages of this kind are kept without a limit (the reason is recorded).")
		}
		age = 0
	} else if age < MinAge || age > MaxAge {
		return fault.Invalidf("Keep messages for at least an hour and at most 100 years, or choose keep.")
	}
	if len(reason) > 500 {
		return fault.Invalidf("Shorten the reason to 500 characters or fewer.")
	}
	r := &Rule{OrgID: orgID, Kind: kind, MaxAge: age, Reason: reason, UpdatedAt: s.now()}
	detail := map[string]string{"kind": kind, "max_age_s": strconv.FormatInt(int64(age/time.Second), 10)}
	if keep {
		detail["keep"] = "true"
	}
	if err := s.store.SetRule(ctx, r, audit.Event{At: s.now(), OrgID: orgID, Actor: actor, Action: "retention.set", Target: kind, Detail: detail}); err != nil {
		return err
	}
	s.rulesChanged(ctx, orgID)
	return nil
}

// SetRuleFor is SetRule for an admin of the organisation.
func (s *Service) SetRuleFor(ctx context.Context, p *identity.Principal, kind string, age time.Duration, keep bool, reason string) error {
	if !p.User.Has(identity.RoleAdmin) {
		return errNotAdmin
	}
	return s.SetRule(ctx, p.Org.ID, p.User.ID, kind, age, keep, reason)
}

// SetFiledGrace sets how long filed messages stay before deletion.
func (s *Service) SetFiledGrace(ctx context.Context, orgID, actor string, grace time.Duration) error {
	if grace < 0 || grace > MaxFiledGrace {
		return fault.Invalidf("The grace period before filed messages are deleted is from 0 to 30 days.")
	}
	err := s.store.SetFiledGrace(ctx, orgID, grace, audit.Event{At: s.now(), OrgID: orgID, Actor: actor, Action: "retention.filed_grace",
		Target: orgID, Detail: map[string]string{"grace_s": strconv.FormatInt(int64(grace/time.Second), 10)}})
	if err != nil {
		return err
	}
	s.rulesChanged(ctx, orgID)
	return nil
}

// SetFiledGraceFor is SetFiledGrace for an admin of the organisation.
func (s *Service) SetFiledGraceFor(ctx context.Context, p *identity.Principal, grace time.Duration) error {
	if !p.User.Has(identity.RoleAdmin) {
		return errNotAdmin
	}
	return s.SetFiledGrace(ctx, p.Org.ID, p.User.ID, grace)
}

// SetKind changes a conversation's kind: only an admin of its
// organisation may, never its members.
func (s *Service) SetKind(ctx context.Context, p *identity.Principal, conv, kind string) error {
	if !p.User.Has(identity.RoleAdmin) {
		return fault.New(fault.Forbidden, "Only an organisation admin can change a conversation's kind.")
	}
	if !slices.Contains(wire.ConversationKinds, kind) {
		return errKind
	}
	c, err := s.msg.Conversation(ctx, conv)
	if err != nil || c.OrgID != p.Org.ID {
		return fault.New(fault.NotFound, "There is no such conversation in your organisation.")
	}
	err = s.store.SetConversationKind(ctx, conv, kind, audit.Event{At: s.now(), OrgID: p.Org.ID, Actor: p.User.ID,
		Action: "conversation.kind", Target: conv, Detail: map[string]string{"from": c.Kind, "to": kind}})
	if err != nil {
		return err
	}
	s.rulesChanged(ctx, p.Org.ID)
	return nil
}

// DeviceRules tells a device how long each of its conversations is kept
// and which periods holds keep.
func (s *Service) DeviceRules(ctx context.Context, p *identity.Principal) (*wire.RecordsRules, error) {
	convs, err := s.msg.ListConversations(ctx, p)
	if err != nil {
		return nil, err
	}
	rules, err := s.store.Rules(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	holds, err := s.store.Holds(ctx, p.Org.ID, false)
	if err != nil {
		return nil, err
	}
	grace, err := s.store.FiledGrace(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	out := &wire.RecordsRules{FiledGraceSeconds: int64(grace / time.Second), Conversations: []wire.ConversationRecord{}}
	for _, c := range convs {
		cr := wire.ConversationRecord{ID: c.ID, Kind: c.Kind, Held: []wire.Period{}}
		if i := slices.IndexFunc(rules, func(r *Rule) bool { return r.Kind == c.Kind }); i >= 0 {
			cr.Set, cr.MaxAgeSeconds = true, int64(rules[i].MaxAge/time.Second)
		}
		whole, spans := holding(holds, c)
		if whole {
			cr.Held = append(cr.Held, wire.Period{})
		}
		for _, sp := range spans {
			from, to := sp.From, sp.To
			cr.Held = append(cr.Held, wire.Period{From: &from, To: &to})
		}
		out.Conversations = append(out.Conversations, cr)
	}
	return out, nil
}

// holding says whether holds keep the whole conversation (a hold on it or
// on one of its people), and which periods they keep otherwise.
func holding(holds []*Hold, c *messaging.Conversation) (whole bool, spans []messaging.Span) {
	for _, h := range holds {
		switch {
		case h.Conversation != "":
			whole = whole || h.Conversation == c.ID
		case h.UserID != "":
			whole = whole || slices.Contains(c.People, h.UserID) ||
				slices.ContainsFunc(c.Members, func(m messaging.Member) bool { return m.User == h.UserID })
		default:
			spans = append(spans, messaging.Span{From: h.From, To: h.To})
		}
	}
	return whole, spans
}

// rulesChanged tells the organisation's devices, as for a change of
// policy, so that they ask for the records rules again at once.
func (s *Service) rulesChanged(ctx context.Context, orgID string) {
	ds, err := s.ids.ListOrgDevices(ctx, orgID)
	if err != nil {
		s.log.Warn("list devices for a records rules notice", "org", orgID, "err", err)
		return
	}
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		if !d.Revoked() {
			ids = append(ids, d.ID)
		}
	}
	s.msg.PolicyChanged(context.WithoutCancel(ctx), ids)
}

// orgCode returns an organisation's ODS code.
func (s *Service) orgCode(ctx context.Context, orgID string) (string, error) {
	o, err := s.ids.OrgByID(ctx, orgID)
	if err != nil {
		return "", fmt.Errorf("organisation %s: %w", orgID, err)
	}
	return o.ODS, nil
}

// ConsoleOrg finds an organisation by ODS code for the console.
func (s *Service) ConsoleOrg(ctx context.Context, ods string) (*identity.Org, error) {
	o, err := s.ids.OrgByODS(ctx, strings.TrimSpace(ods))
	if fault.Is(err, fault.NotFound) || err == nil && ods == "" {
		return nil, fault.Invalidf(fmt.Sprintf("There is no organisation with the ODS code %q; give --org, or admin org add creates one.", ods))
	}
	return o, err
}
