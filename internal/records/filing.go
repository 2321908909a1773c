package records

import (
	"context"
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

var errNoFiling = fault.New(fault.NotFound, "There is no filing with that ID in your conversations.")

// File records that the calling device's user filed messages of a
// conversation to the record: they are deleted everywhere once the
// organisation's grace period has passed (at once for a grace of 0),
// unless a hold applies.
func (s *Service) File(ctx context.Context, p *identity.Principal, conv string, in wire.NewFiling) (*wire.Filing, error) {
	c, me, err := s.msg.Member(ctx, p, conv)
	if err != nil {
		return nil, err
	}
	if me.Leaving {
		return nil, fault.New(fault.Forbidden, "You have left this conversation.")
	}
	if len(in.Seqs) == 0 || len(in.Seqs) > maxFiled {
		return nil, fault.Invalidf("File from 1 to 1,000 messages at a time.")
	}
	if len(in.Attachments) > maxFiled {
		return nil, fault.Invalidf("File at most 1,000 attachments at a time.")
	}
	f := &Filing{ID: newID(), OrgID: c.OrgID, Conversation: c.ID, Device: p.Device.ID, User: p.User.ID, FiledAt: s.now()}
	for _, q := range in.Seqs {
		if q == 0 || q > uint64(c.LastSeq) {
			return nil, fault.Invalidf("Message " + strconv.FormatUint(q, 10) + " is not in this conversation.")
		}
		if !slices.Contains(f.Seqs, int64(q)) {
			f.Seqs = append(f.Seqs, int64(q))
		}
	}
	slices.Sort(f.Seqs)
	for _, a := range in.Attachments {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(f.Attachments, a) {
			f.Attachments = append(f.Attachments, a)
		}
	}
	grace, err := s.store.FiledGrace(ctx, c.OrgID)
	if err != nil {
		return nil, err
	}
	f.DueAt = f.FiledAt.Add(grace)
	ev := audit.Event{At: f.FiledAt, OrgID: c.OrgID, Actor: p.User.ID, Action: "record.file", Target: f.ID,
		Detail: map[string]string{"conversation": c.ID, "messages": strconv.Itoa(len(f.Seqs))}}
	if err := s.store.PutFiling(ctx, f, ev); err != nil {
		return nil, err
	}
	if grace == 0 {
		if _, err := s.sweepFilings(ctx, []*Filing{f}, map[string][]*Hold{}); err != nil {
			return nil, err
		}
	}
	return s.receipt(ctx, f.ID)
}

// Receipt is a filing's deletion receipt: which member devices were told
// to delete its messages, and when each confirmed. The filer and the
// conversation's members may read it, and the organisation's DPO.
func (s *Service) Receipt(ctx context.Context, p *identity.Principal, id string) (*wire.Filing, error) {
	f, err := s.store.Filing(ctx, strings.TrimSpace(id))
	if fault.Is(err, fault.NotFound) {
		return nil, errNoFiling
	}
	if err != nil {
		return nil, err
	}
	if f.OrgID != p.Org.ID {
		return nil, errNoFiling
	}
	if f.User != p.User.ID && !p.User.Has(identity.RoleDPO) {
		if _, _, err := s.msg.Member(ctx, p, f.Conversation); err != nil {
			return nil, errNoFiling
		}
	}
	return s.receipt(ctx, f.ID)
}

// ReceiptAt is a filing's receipt at the console.
func (s *Service) ReceiptAt(ctx context.Context, id string) (*wire.Filing, error) {
	if _, err := s.store.Filing(ctx, id); fault.Is(err, fault.NotFound) {
		return nil, errNoFiling
	}
	return s.receipt(ctx, id)
}

func (s *Service) receipt(ctx context.Context, id string) (*wire.Filing, error) {
	f, err := s.store.Filing(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &wire.Filing{ID: f.ID, Conversation: f.Conversation, FiledBy: s.email(ctx, f.User), FiledAt: f.FiledAt, DueAt: f.DueAt,
		Devices: []wire.DeletionReceipt{}}
	for _, q := range f.Seqs {
		out.Seqs = append(out.Seqs, uint64(q))
	}
	if !f.DeletedAt.IsZero() {
		d := f.DeletedAt
		out.DeletedAt = &d
	} else if !f.DueAt.After(s.now()) {
		c, err := s.msg.Conversation(ctx, f.Conversation)
		if err == nil {
			holds, err := s.store.Holds(ctx, f.OrgID, false)
			if err == nil {
				out.Held = filingHeld(holds, c, f)
			}
		}
	}
	cs, err := s.store.Confirmations(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		r := wire.DeletionReceipt{Device: c.Device, Email: c.Email, DeviceName: c.DeviceName}
		if !c.ConfirmedAt.IsZero() {
			at := c.ConfirmedAt
			r.ConfirmedAt = &at
		}
		out.Devices = append(out.Devices, r)
	}
	return out, nil
}

// Confirm records that the calling device deleted a filing's messages.
func (s *Service) Confirm(ctx context.Context, p *identity.Principal, id string) error {
	f, err := s.store.Filing(ctx, strings.TrimSpace(id))
	if err != nil || f.OrgID != p.Org.ID {
		return errNoFiling
	}
	if err := s.store.ConfirmDeletion(ctx, f.ID, p.Device.ID, s.now()); err != nil {
		if fault.Is(err, fault.NotFound) {
			return fault.New(fault.NotFound, "This device was not asked to delete that filing's messages.")
		}
		return err
	}
	return nil
}

// filingHeld reports whether a hold keeps a filing's messages.
func filingHeld(holds []*Hold, c *messaging.Conversation, f *Filing) bool {
	whole, spans := holding(holds, c)
	if whole {
		return true
	}
	for _, sp := range spans {
		// The period overlaps the span of the filed messages.
		if (sp.To.IsZero() || f.FirstSent.Before(sp.To)) && (sp.From.IsZero() || !f.LastSent.Before(sp.From)) {
			return true
		}
	}
	return false
}

// sweepFilings deletes the filings' messages, unless held, and returns how
// many it deleted. holds caches each organisation's active holds.
func (s *Service) sweepFilings(ctx context.Context, fs []*Filing, holds map[string][]*Hold) (int, error) {
	n := 0
	for _, f := range fs {
		hs, err := s.activeHolds(ctx, f.OrgID, holds)
		if err != nil {
			return n, err
		}
		c, err := s.msg.Conversation(ctx, f.Conversation)
		if err != nil {
			return n, err
		}
		if filingHeld(hs, c, f) {
			continue
		}
		org, err := s.orgCode(ctx, f.OrgID)
		if err != nil {
			return n, err
		}
		x, err := s.msg.Expunge(ctx, org, f.ID, messaging.Expunge{Conversation: f.Conversation, Seqs: f.Seqs, Attachments: f.Attachments})
		if err != nil {
			return n, err
		}
		var devices []string
		if x.Entry != 0 {
			for _, m := range c.Members {
				devices = append(devices, m.Device)
			}
		}
		ev := audit.Event{At: s.now(), OrgID: f.OrgID, Actor: audit.ActorSystem, Action: "record.delete", Target: f.ID,
			Detail: map[string]string{"conversation": f.Conversation, "messages": strconv.Itoa(len(x.Seqs)), "devices": strconv.Itoa(len(devices))}}
		if err := s.store.FilingDeleted(ctx, f.ID, s.now(), x.Entry, devices, ev); err != nil {
			return n, err
		}
		n += len(x.Seqs)
	}
	return n, nil
}

// activeHolds returns the organisation's holds in force, caching them.
func (s *Service) activeHolds(ctx context.Context, orgID string, cache map[string][]*Hold) ([]*Hold, error) {
	if hs, ok := cache[orgID]; ok {
		return hs, nil
	}
	hs, err := s.store.Holds(ctx, orgID, false)
	if err != nil {
		return nil, err
	}
	cache[orgID] = hs
	return hs, nil
}

// How many messages past their retention one transaction deletes: from
// minBatch to maxBatch, sized to hold the writer about batchTime.
const (
	minBatch  = 20
	maxBatch  = 1000
	batchTime = 10 * time.Millisecond
)

// nextBatch sizes the next batch from how long the last one took.
func nextBatch(n int, took time.Duration) int {
	switch {
	case took < batchTime/2:
		n *= 2
	case took > batchTime*2:
		n /= 2
	}
	return min(max(n, minBatch), maxBatch)
}

// Swept is what one sweep deleted.
type Swept struct {
	Filed    int // messages of filings
	Retained int // messages past their retention
	Took     time.Duration
}

// Sweep deletes, now, what filings and retention make due, except what
// holds keep. A server sweeps each minute; the console's sweep command
// runs one at once.
func (s *Service) Sweep(ctx context.Context) (Swept, error) {
	start := time.Now()
	var out Swept
	holds := map[string][]*Hold{}
	now := s.now()
	for after := ""; ; {
		fs, err := s.store.DueFilings(ctx, now, after, 100)
		if err != nil {
			return out, err
		}
		n, err := s.sweepFilings(ctx, fs, holds)
		out.Filed += n
		if err != nil {
			return out, err
		}
		if len(fs) < 100 {
			break
		}
		after = fs[len(fs)-1].ID
	}
	dues, err := s.store.RetentionDue(ctx, now)
	if err != nil {
		return out, err
	}
	byOrg := map[string]int{}
	for _, d := range dues {
		hs, err := s.activeHolds(ctx, d.OrgID, holds)
		if err != nil {
			return out, err
		}
		c, err := s.msg.Conversation(ctx, d.Conversation)
		if err != nil {
			return out, err
		}
		whole, spans := holding(hs, c)
		if whole {
			continue
		}
		org, err := s.orgCode(ctx, d.OrgID)
		if err != nil {
			return out, err
		}
		// In batches that each hold the stream's writer about 10 ms, so
		// that sends wait little behind the sweep.
		for batch := minBatch; ; {
			start := time.Now()
			x, err := s.msg.Expunge(ctx, org, "", messaging.Expunge{Conversation: d.Conversation, Before: d.Before, Keep: spans, Limit: batch})
			if err != nil {
				return out, err
			}
			out.Retained += len(x.Seqs)
			byOrg[d.OrgID] += len(x.Seqs)
			if len(x.Seqs) < batch {
				break
			}
			batch = nextBatch(batch, time.Since(start))
		}
	}
	for org, n := range byOrg {
		if n == 0 {
			continue
		}
		ev := audit.Event{At: now, OrgID: org, Actor: audit.ActorSystem, Action: "retention.delete", Target: org,
			Detail: map[string]string{"messages": strconv.Itoa(n)}}
		if err := s.store.Swept(ctx, ev); err != nil {
			return out, err
		}
	}
	if c, ok := s.store.(compactor); ok && out.Filed+out.Retained > 0 {
		if err := c.Compact(ctx); err != nil {
			return out, err
		}
	}
	out.Took = time.Since(start)
	return out, nil
}

// compactor is a Store that can make deleted data unrecoverable from its
// files at once (SQLite: checkpoint and truncate the write-ahead log).
type compactor interface {
	Compact(ctx context.Context) error
}
