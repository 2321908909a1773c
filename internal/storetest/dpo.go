package storetest

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// DPOStore is what the DPO contract needs: the breach log, and the
// identity store to seed an organisation.
type DPOStore interface {
	identity.Store
	dpo.Store
}

// DPO runs the dpo.Store contract (the breach log and the software register) against stores made by open.
func DPO(t *testing.T, open func(t *testing.T) DPOStore) {
	tests := []struct {
		name string
		f    func(*testing.T, context.Context, DPOStore)
	}{
		{"breach log", dpoBreaches},
		{"72-hour clock", dpoClock},
		{"software register", dpoRegister},
		{"audit search and span", dpoAuditSearch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, t.Context(), open(t))
		})
	}
}

func newBreach(id, orgID string, n int) *dpo.Breach {
	return &dpo.Breach{ID: id, OrgID: orgID, Kind: dpo.KindBreach, Category: "misdirected-message", Summary: "Sent to the wrong ward",
		Affected: 3, Reportable: true, AwareAt: at(n - 5), OpenedAt: at(n), OpenedBy: "u1", Version: 1}
}

func dpoBreaches(t *testing.T, ctx context.Context, s DPOStore) {
	w := seedWorld(t, ctx, s)
	must(t, "CreateOrg", s.CreateOrg(ctx, newOrg("o2", "RYY"), event("o2", "org.create", "o2", 0)))
	before := auditCount(t, ctx, s, w.org.ID)
	b1 := newBreach("b1", w.org.ID, 10)
	must(t, "CreateBreach", s.CreateBreach(ctx, b1, dpo.Event{At: at(10), Actor: "u1", Action: "opened", Note: "Opened."},
		event(w.org.ID, "breach.open", "b1", 10)))
	b2 := newBreach("b2", w.org.ID, 20)
	b2.Kind, b2.Category, b2.Reportable, b2.DeviceID = dpo.KindNearMiss, dpo.CategoryLostDevice, false, "d9"
	must(t, "CreateBreach", s.CreateBreach(ctx, b2, dpo.Event{At: at(20), Actor: "u1", Action: "opened"}, event(w.org.ID, "breach.open", "b2", 20)))
	must(t, "CreateBreach", s.CreateBreach(ctx, newBreach("b3", "o2", 30), dpo.Event{At: at(30), Actor: "cli", Action: "opened"},
		event("o2", "breach.open", "b3", 30)))
	if got := auditCount(t, ctx, s, w.org.ID); got != before+2 {
		t.Errorf("audit entries after two breaches = %d; want %d", got, before+2)
	}

	got, err := s.Breach(ctx, "b1")
	must(t, "Breach", err)
	want := *b1
	want.AwareAt, want.OpenedAt = us(b1.AwareAt), us(b1.OpenedAt)
	if d := cmp.Diff(&want, got); d != "" {
		t.Errorf("Breach(b1) differs (-want +got):\n%s", d)
	}
	if _, err := s.Breach(ctx, "nope"); !fault.Is(err, fault.NotFound) {
		t.Errorf("Breach(nope) = %v; want NotFound", err)
	}
	list, err := s.Breaches(ctx, w.org.ID)
	must(t, "Breaches", err)
	if len(list) != 2 || list[0].ID != "b2" || list[1].ID != "b1" || list[0].DeviceID != "d9" {
		t.Errorf("Breaches = %v; want b2 then b1 of this organisation only", list)
	}

	got.Actions, got.Affected, got.ClosedAt = "Recalled and deleted", 4, at(40)
	must(t, "UpdateBreach", s.UpdateBreach(ctx, got, dpo.Event{At: at(40), Actor: "u1", Action: "closed", Note: "Closed."},
		event(w.org.ID, "breach.closed", "b1", 40)))
	stale := *got
	wantFault(t, "UpdateBreach with a stale version", s.UpdateBreach(ctx, &stale, dpo.Event{At: at(41), Actor: "u1", Action: "updated"},
		event(w.org.ID, "breach.updated", "b1", 41)), fault.Conflict, "")
	again, err := s.Breach(ctx, "b1")
	must(t, "Breach", err)
	if again.Version != 2 || again.Actions != "Recalled and deleted" || again.Affected != 4 || !again.ClosedAt.Equal(us(at(40))) || again.Open() {
		t.Errorf("after UpdateBreach: %+v; want version 2, closed at 40 with the new actions", again)
	}
	h, err := s.BreachHistory(ctx, "b1")
	must(t, "BreachHistory", err)
	if len(h) != 2 || h[0].Action != "opened" || h[1].Action != "closed" || h[1].Note != "Closed." || !h[1].At.Equal(us(at(40))) {
		t.Errorf("BreachHistory = %+v; want opened then closed", h)
	}

	n := auditCount(t, ctx, s, w.org.ID)
	must(t, "RecordAudit", s.RecordAudit(ctx, event(w.org.ID, "breach.list.view", w.org.ID, 50)))
	if got := auditCount(t, ctx, s, w.org.ID); got != n+1 {
		t.Errorf("audit entries after RecordAudit = %d; want %d", got, n+1)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit: %v", err)
	}
}

func dpoClock(t *testing.T, ctx context.Context, s DPOStore) {
	w := seedWorld(t, ctx, s)
	open := func(id string, reportable bool) {
		t.Helper()
		b := newBreach(id, w.org.ID, 10)
		b.Reportable = reportable
		must(t, "CreateBreach "+id, s.CreateBreach(ctx, b, dpo.Event{At: at(10), Actor: "u1", Action: "opened"},
			event(w.org.ID, "breach.open", id, 10)))
	}
	open("clocked", true)
	open("not-reportable", false)
	open("reported", true)
	open("closed", true)
	r, _ := s.Breach(ctx, "reported")
	r.ReportedAt = at(20)
	must(t, "UpdateBreach", s.UpdateBreach(ctx, r, dpo.Event{At: at(20), Actor: "u1", Action: "reported"}, event(w.org.ID, "breach.reported", "reported", 20)))
	c, _ := s.Breach(ctx, "closed")
	c.ClosedAt = at(20)
	must(t, "UpdateBreach", s.UpdateBreach(ctx, c, dpo.Event{At: at(20), Actor: "u1", Action: "closed"}, event(w.org.ID, "breach.closed", "closed", 20)))

	ids := func() []string {
		t.Helper()
		bs, err := s.ClockedBreaches(ctx)
		must(t, "ClockedBreaches", err)
		var out []string
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out
	}
	if got := ids(); !cmp.Equal(got, []string{"clocked"}) {
		t.Errorf("ClockedBreaches = %v; want [clocked]", got)
	}
	remind := func(from, h int) (bool, error) {
		return s.BreachReminded(ctx, "clocked", from, h, dpo.Event{At: at(30), Actor: audit.ActorSystem, Action: "reminded"},
			event(w.org.ID, "breach.remind", "clocked", 30))
	}
	if ok, err := remind(0, 24); err != nil || !ok {
		t.Errorf("BreachReminded(0 → 24) = %v, %v; want recorded", ok, err)
	}
	if ok, err := remind(0, 24); err != nil || ok {
		t.Errorf("BreachReminded(0 → 24) again = %v, %v; want not recorded (another node sent it)", ok, err)
	}
	for _, h := range []int{48, 66} {
		prev := map[int]int{48: 24, 66: 48}[h]
		if ok, err := remind(prev, h); err != nil || !ok {
			t.Errorf("BreachReminded(%d → %d) = %v, %v; want recorded", prev, h, ok, err)
		}
	}
	if got := ids(); len(got) != 0 {
		t.Errorf("ClockedBreaches after the last reminder = %v; want none", got)
	}
	b, err := s.Breach(ctx, "clocked")
	must(t, "Breach", err)
	if b.RemindedH != 66 || b.Version != 1 {
		t.Errorf("after reminders: reminded %d, version %d; want 66 and the version unchanged", b.RemindedH, b.Version)
	}
	h, err := s.BreachHistory(ctx, "clocked")
	must(t, "BreachHistory", err)
	if len(h) != 4 {
		t.Errorf("history = %d events; want opened and three reminders", len(h))
	}
}

func dpoRegister(t *testing.T, ctx context.Context, s DPOStore) {
	w := seedWorld(t, ctx, s)
	must(t, "CreateOrg", s.CreateOrg(ctx, newOrg("o2", "RYY"), event("o2", "org.create", "o2", 0)))
	e := &dpo.Entry{ID: "e1", OrgID: w.org.ID, Name: "Rota app", Supplier: "Rotas Ltd", Purpose: "Shift rotas", DataCategories: "Staff names",
		LawfulBasis: "contract", Hosting: "UK (London)", Encryption: "TLS; AES-256 at rest", Retention: "Two years", SubProcessors: "None",
		Status: dpo.StatusApproved, ApprovedOn: at(0), Approver: "Dee Hart", NextReview: at(86400 * 300),
		Screening: map[string]bool{"sensitive-data": true, "large-scale": false}, UpdatedAt: at(10), UpdatedBy: "u1"}
	before := auditCount(t, ctx, s, w.org.ID)
	must(t, "PutRegisterEntry", s.PutRegisterEntry(ctx, e, dpo.RegisterChange{EntryID: "e1", At: at(10), Actor: "u1", Note: "Added Rota app."},
		event(w.org.ID, "register.put", "e1", 10)))
	other := *e
	other.ID, other.OrgID, other.Name = "e2", "o2", "Other trust's app"
	must(t, "PutRegisterEntry", s.PutRegisterEntry(ctx, &other, dpo.RegisterChange{EntryID: "e2", At: at(11), Actor: "cli", Note: "Added."},
		event("o2", "register.put", "e2", 11)))
	got, err := s.RegisterEntry(ctx, "e1")
	must(t, "RegisterEntry", err)
	want := *e
	want.Version, want.ApprovedOn, want.NextReview, want.UpdatedAt = 1, us(e.ApprovedOn), us(e.NextReview), us(e.UpdatedAt)
	if d := cmp.Diff(&want, got); d != "" {
		t.Errorf("RegisterEntry(e1) differs (-want +got):\n%s", d)
	}
	if _, err := s.RegisterEntry(ctx, "nope"); !fault.Is(err, fault.NotFound) {
		t.Errorf("RegisterEntry(nope) = %v; want NotFound", err)
	}
	got.Status, got.UpdatedAt = "retired", at(20)
	must(t, "PutRegisterEntry", s.PutRegisterEntry(ctx, got, dpo.RegisterChange{EntryID: "e1", At: at(20), Actor: "u1", Note: "Retired."},
		event(w.org.ID, "register.put", "e1", 20)))
	stale := *got
	wantFault(t, "PutRegisterEntry at a stale version", s.PutRegisterEntry(ctx, &stale,
		dpo.RegisterChange{EntryID: "e1", At: at(21), Actor: "u1", Note: "x"}, event(w.org.ID, "register.put", "e1", 21)), fault.Conflict, "")
	list, err := s.RegisterEntries(ctx, w.org.ID)
	must(t, "RegisterEntries", err)
	if len(list) != 1 || list[0].Status != "retired" || list[0].Version != 2 {
		t.Errorf("RegisterEntries = %+v; want e1 alone, retired at version 2", list)
	}
	cs, err := s.RegisterChanges(ctx, w.org.ID, 10)
	must(t, "RegisterChanges", err)
	if len(cs) != 2 || cs[0].Note != "Retired." || cs[1].Note != "Added Rota app." || !cs[0].At.Equal(us(at(20))) {
		t.Errorf("RegisterChanges = %+v; want retired then added, newest first", cs)
	}
	if got := auditCount(t, ctx, s, w.org.ID); got != before+2 {
		t.Errorf("audit entries after two changes = %d; want %d", got, before+2)
	}
}

func dpoAuditSearch(t *testing.T, ctx context.Context, s DPOStore) {
	w := seedWorld(t, ctx, s)
	must(t, "CreateOrg", s.CreateOrg(ctx, newOrg("o2", "RYY"), event("o2", "org.create", "o2", 2)))
	for i, a := range []string{"breach.open", "breach.view", "register.put", "breach.open"} {
		ev := event(w.org.ID, a, fmt.Sprintf("t%d", i), 10+i)
		if i == 2 {
			ev.Actor = "u1"
		}
		must(t, "RecordAudit", s.RecordAudit(ctx, ev))
		must(t, "RecordAudit", s.RecordAudit(ctx, event("o2", a, "x", 10+i)))
	}
	actions := func(f audit.Filter) []string {
		t.Helper()
		es, err := s.SearchAudit(ctx, w.org.ID, f, 0, 100)
		must(t, "SearchAudit", err)
		var out []string
		for _, e := range es {
			if e.OrgID != w.org.ID {
				t.Errorf("SearchAudit returned another organisation's entry %d", e.Seq)
			}
			out = append(out, e.Action+"@"+e.Target)
		}
		return out
	}
	for _, c := range []struct {
		f    audit.Filter
		want []string
	}{
		{audit.Filter{Action: "breach"}, []string{"breach.open@t3", "breach.view@t1", "breach.open@t0"}},
		{audit.Filter{Action: "breach.open"}, []string{"breach.open@t3", "breach.open@t0"}},
		{audit.Filter{Action: "brea"}, nil},
		{audit.Filter{Actor: "u1"}, []string{"register.put@t2"}},
		{audit.Filter{Target: "t1"}, []string{"breach.view@t1"}},
		{audit.Filter{From: at(11), To: at(13)}, []string{"register.put@t2", "breach.view@t1"}},
	} {
		if got := actions(c.f); !cmp.Equal(got, c.want) {
			t.Errorf("SearchAudit(%+v) = %v; want %v", c.f, got, c.want)
		}
	}
	span, err := s.AuditSpan(ctx, w.org.ID, at(11), at(13), 100)
	must(t, "AuditSpan", err)
	if len(span) != 3 || span[0].Target != "t1" || span[1].OrgID != "o2" || span[2].Target != "t2" {
		t.Errorf("AuditSpan(11, 13) = %+v; want t1, o2's entry between, t2", span)
	}
	for i := 1; i < len(span); i++ {
		if span[i].Seq != span[i-1].Seq+1 || !bytes.Equal(span[i].PrevHash, span[i-1].Hash) {
			t.Errorf("AuditSpan entries %d and %d do not follow each other", span[i-1].Seq, span[i].Seq)
		}
	}
	if none, err := s.AuditSpan(ctx, w.org.ID, at(1000), at(2000), 100); err != nil || len(none) != 0 {
		t.Errorf("AuditSpan of an empty range = %v, %v; want nothing", none, err)
	}
	seq, head, err := s.AuditHead(ctx)
	must(t, "AuditHead", err)
	n, err := s.VerifyAudit(ctx)
	must(t, "VerifyAudit", err)
	last, _ := s.AuditSpan(ctx, "o2", at(13), at(14), 1)
	if seq != n || len(last) != 1 || !bytes.Equal(head, last[0].Hash) {
		t.Errorf("AuditHead = %d %x; want entry %d, the last", seq, head, n)
	}
}
