package dpo

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// MaxExport is the most entries of the chain one export covers.
const MaxExport = 100_000

var errNotAuditor = fault.New(fault.Forbidden, "Only an administrator or the data protection officer can read the audit log.")

func filterDetail(f audit.Filter) map[string]string {
	d := map[string]string{}
	for k, v := range map[string]string{"actor": f.Actor, "action": f.Action, "target": f.Target} {
		if v != "" {
			d[k] = v
		}
	}
	if !f.From.IsZero() {
		d["from"] = f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		d["to"] = f.To.UTC().Format(time.RFC3339)
	}
	return d
}

// AuditEntries lists the caller's organisation's audit entries that pass
// f, newest first, before seq (0: from the newest). Opening the log (the
// first page) is itself recorded, with the filter.
func (s *Service) AuditEntries(ctx context.Context, p *identity.Principal, f audit.Filter, before int64, limit int) ([]audit.Entry, error) {
	if !p.User.Has(identity.RoleDPO) && !p.User.Has(identity.RoleAdmin) {
		return nil, errNotAuditor
	}
	if before == 0 {
		if err := s.store.RecordAudit(ctx, s.event(principal(p), "audit.view", p.Org.ID, filterDetail(f))); err != nil {
			return nil, err
		}
	}
	return s.store.SearchAudit(ctx, p.Org.ID, f, before, limit)
}

// ChainCheck is the outcome of verifying the whole chain.
type ChainCheck struct {
	Entries  int64
	HeadSeq  int64
	HeadHash []byte
	Err      error // nil: intact; otherwise names the first bad entry
}

// VerifyChain verifies the whole audit chain now, for the caller's page,
// and records that it did and what it found.
func (s *Service) VerifyChain(ctx context.Context, p *identity.Principal) (ChainCheck, error) {
	if !p.User.Has(identity.RoleDPO) && !p.User.Has(identity.RoleAdmin) {
		return ChainCheck{}, errNotAuditor
	}
	var c ChainCheck
	c.Entries, c.Err = s.store.VerifyAudit(ctx)
	seq, head, err := s.store.AuditHead(ctx)
	if err != nil {
		return c, err
	}
	c.HeadSeq, c.HeadHash = seq, head
	ev := s.event(principal(p), "audit.verify", p.Org.ID, map[string]string{"intact": fmt.Sprint(c.Err == nil), "entries": fmt.Sprint(c.Entries)})
	if err := s.store.RecordAudit(ctx, ev); err != nil {
		return c, err
	}
	return c, nil
}

// ExportAudit exports the caller's organisation's entries between f.From
// and f.To that pass f, with the proof that lets anyone re-check them
// offline (audit.VerifyExport): every other entry of the range as its
// hashes. The export is recorded first, so a range up to now includes it.
func (s *Service) ExportAudit(ctx context.Context, p *identity.Principal, f audit.Filter) (*audit.Export, error) {
	if !p.User.Has(identity.RoleDPO) && !p.User.Has(identity.RoleAdmin) {
		return nil, errNotAuditor
	}
	now := s.now()
	if f.To.IsZero() {
		f.To = now.Add(time.Second)
	}
	if f.From.IsZero() {
		f.From = f.To.AddDate(0, 0, -30)
	}
	if !f.From.Before(f.To) {
		return nil, fault.Invalidf("The start of the range must be before its end.")
	}
	if err := s.store.RecordAudit(ctx, s.event(principal(p), "audit.export", p.Org.ID, filterDetail(f))); err != nil {
		return nil, err
	}
	_, verr := s.store.VerifyAudit(ctx)
	seq, head, err := s.store.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	es, err := s.store.AuditSpan(ctx, p.Org.ID, f.From, f.To, MaxExport+1)
	if err != nil {
		return nil, err
	}
	if len(es) > MaxExport {
		return nil, fault.Invalidf(fmt.Sprintf("That range covers more than %d audit entries. Export a shorter range.", MaxExport))
	}
	if len(es) == 0 {
		return nil, fault.New(fault.NotFound, "The audit log has no entries of your organisation in that range.")
	}
	x := &audit.Export{Format: audit.ExportFormat, Organisation: p.Org.ODS, ExportedAt: now.UTC(), From: f.From.UTC(), To: f.To.UTC(),
		Verified: verr == nil, HeadSeq: seq, HeadHash: hex.EncodeToString(head)}
	if d := filterDetail(audit.Filter{Actor: f.Actor, Action: f.Action, Target: f.Target}); len(d) > 0 {
		x.Filter = d
	}
	for _, e := range es {
		x.Chain = append(x.Chain, audit.ItemOf(e, e.OrgID == p.Org.ID && f.Matches(e.Event)))
	}
	return x, nil
}
