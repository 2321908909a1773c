package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
)

// IncidentStore is what the incident contract needs: the incident store,
// and the identity and messaging stores to seed people and conversations.
type IncidentStore interface {
	MessagingStore
	incident.Store
}

// Incident runs the incident.Store contract against stores made by open.
func Incident(t *testing.T, open func(t *testing.T) IncidentStore) {
	tests := []struct {
		name string
		f    func(*testing.T, context.Context, IncidentStore)
	}{
		{"duty roles and rota", incidentDuty},
		{"urgent messages", incidentUrgent},
		{"major incident", incidentMajor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, t.Context(), open(t))
		})
	}
}

func incidentDuty(t *testing.T, ctx context.Context, s IncidentStore) {
	seedDevices(t, ctx, s, 3)
	r := &incident.DutyRole{ID: "r1", OrgID: "o1", Name: "Medical registrar on call", EscalateUser: "u3", EscalateAfter: 10 * time.Minute,
		MayDeclare: true, CreatedAt: at(20)}
	must(t, "CreateDutyRole", s.CreateDutyRole(ctx, r, event("o1", "duty.role.create", "r1", 20)))
	dup := *r
	dup.ID, dup.Name = "r2", "medical registrar on call"
	if err := s.CreateDutyRole(ctx, &dup, event("o1", "duty.role.create", "r2", 21)); !fault.Is(err, fault.Conflict) {
		t.Errorf("a second role of the same name: %v; want Conflict", err)
	}
	got, err := s.DutyRole(ctx, "r1")
	must(t, "DutyRole", err)
	if got.Name != r.Name || got.EscalateAfter != r.EscalateAfter || !got.MayDeclare || got.EscalateUser != "u3" {
		t.Errorf("DutyRole = %+v; want %+v", got, r)
	}
	must(t, "AddShift", s.AddShift(ctx, &incident.Shift{ID: "s1", RoleID: "r1", UserID: "u1", Start: at(30), End: at(100), CreatedAt: at(22)},
		event("o1", "duty.assign", "r1", 22)))
	must(t, "AddShift", s.AddShift(ctx, &incident.Shift{ID: "s2", RoleID: "r1", UserID: "u2", Start: at(60), CreatedAt: at(23)},
		event("o1", "duty.assign", "r1", 23)))
	running := func(n int) []string {
		t.Helper()
		shifts, err := s.RunningShifts(ctx, at(n))
		must(t, "RunningShifts", err)
		var ids []string
		for _, sh := range shifts {
			ids = append(ids, sh.ID)
		}
		return ids
	}
	for _, c := range []struct {
		n    int
		want []string
	}{{25, nil}, {30, []string{"s1"}}, {70, []string{"s1", "s2"}}, {100, []string{"s2"}}} {
		if got := running(c.n); !slices.Equal(got, c.want) {
			t.Errorf("RunningShifts at %d = %v; want %v", c.n, got, c.want)
		}
	}
	if shifts, err := s.Shifts(ctx, "r1", at(100)); err != nil || len(shifts) != 1 || !shifts[0].End.IsZero() {
		t.Errorf("Shifts not over at 100 = %v, %v; want the open-ended one", shifts, err)
	}
	if ok, err := s.SetHolder(ctx, "r1", "", "u2"); err != nil || !ok {
		t.Errorf("SetHolder = %v, %v; want it claimed", ok, err)
	}
	if ok, err := s.SetHolder(ctx, "r1", "", "u1"); err != nil || ok {
		t.Errorf("SetHolder from a holder it no longer has = %v, %v; want it refused", ok, err)
	}
	if roles, err := s.AllDutyRoles(ctx); err != nil || len(roles) != 1 || roles[0].HolderID != "u2" {
		t.Errorf("AllDutyRoles = %v, %v; want r1 held by u2", roles, err)
	}
	must(t, "CreateConversation", s.CreateConversation(ctx, &messaging.Conversation{ID: "c1", OrgID: "o1", CreatedAt: at(40)}, messaging.Member{Device: "d3"}))
	must(t, "PutRoleConversation", s.PutRoleConversation(ctx, &incident.RoleConversation{Conversation: "c1", RoleID: "r1", CallerID: "u3"}))
	if rc, err := s.RoleConversation(ctx, "c1"); err != nil || rc.RoleID != "r1" || rc.CallerID != "u3" {
		t.Errorf("RoleConversation = %+v, %v", rc, err)
	}
	if _, err := s.RoleConversation(ctx, "c2"); !fault.Is(err, fault.NotFound) {
		t.Errorf("RoleConversation of another: %v; want NotFound", err)
	}
	if rcs, err := s.RoleConversations(ctx, "r1"); err != nil || len(rcs) != 1 {
		t.Errorf("RoleConversations = %v, %v", rcs, err)
	}
	if ds, err := s.ActiveDevices(ctx, []string{"u1", "u3"}); err != nil || !slices.Equal(ds, []string{"d1", "d3"}) {
		t.Errorf("ActiveDevices = %v, %v; want [d1 d3]", ds, err)
	}
}

func incidentUrgent(t *testing.T, ctx context.Context, s IncidentStore) {
	seedDevices(t, ctx, s, 4)
	must(t, "CreateConversation", s.CreateConversation(ctx, &messaging.Conversation{ID: "c1", OrgID: "o1", CreatedAt: at(40)}, messaging.Member{Device: "d1"}))
	u := &incident.Urgent{Conversation: "c1", ClientID: "m1", LatestID: "m1", Seq: 5, SenderID: "u1", SenderDevice: "d1",
		EscalateAfter: 10 * time.Minute, SentAt: at(50), NotifiedAt: at(50),
		Recipients: []incident.Recipient{{UserID: "u2", AddedAt: at(50)}}}
	must(t, "PutUrgent", s.PutUrgent(ctx, u))
	if err := s.PutUrgent(ctx, u); !fault.Is(err, fault.Conflict) {
		t.Errorf("PutUrgent again: %v; want Conflict", err)
	}
	if open, err := s.OpenUrgentIn(ctx, []string{"c1", "c2"}); err != nil || len(open) != 1 || open[0].ClientID != "m1" {
		t.Errorf("OpenUrgentIn = %v, %v; want m1", open, err)
	}
	due := func(notified, now int) int {
		t.Helper()
		us, err := s.DueUrgent(ctx, at(notified), at(now))
		must(t, "DueUrgent", err)
		return len(us)
	}
	if n := due(49, 60); n != 0 {
		t.Errorf("%d due just after sending; want none", n)
	}
	if n := due(50, 60); n != 1 {
		t.Errorf("%d due for re-notification; want 1", n)
	}
	if n := due(49, 50+600); n != 1 {
		t.Errorf("%d due for escalation; want 1", n)
	}
	for i, want := range []bool{true, false} {
		if ok, err := s.UrgentNotified(ctx, "c1", "m1", at(50).Truncate(time.Microsecond), at(170)); err != nil || ok != want {
			t.Errorf("UrgentNotified #%d = %v, %v; want %v (the second finds it notified since)", i+1, ok, err, want)
		}
		if ok, err := s.UrgentEscalated(ctx, "c1", "m1", "u3", at(650)); err != nil || ok != want {
			t.Errorf("UrgentEscalated #%d = %v, %v; want %v", i+1, ok, err, want)
		}
	}
	must(t, "AddUrgentRecipients", s.AddUrgentRecipients(ctx, "c1", "m1", []string{"u3"}, incident.ViaEscalation, at(650)))
	must(t, "AddUrgentRecipients", s.AddUrgentRecipients(ctx, "c1", "", []string{"u4", "u1", "u2"}, incident.ViaHandover, at(660)))
	must(t, "ResendUrgent", s.ResendUrgent(ctx, "c1", "m1", "m2", 9))
	got, err := s.UrgentByMessage(ctx, "c1", "m2")
	must(t, "UrgentByMessage", err)
	var who []string
	for _, r := range got.Recipients {
		who = append(who, r.UserID+"/"+r.Via)
	}
	if want := []string{"u2/", "u3/escalation", "u4/handover"}; !slices.Equal(who, want) || got.Seq != 9 || got.EscalatedTo != "u3" {
		t.Errorf("urgent message %+v with recipients %v; want %v (the sender never one), seq 9, escalated to u3", got, who, want)
	}
	if pend, err := s.PendingUrgent(ctx, "u4"); err != nil || len(pend) != 1 {
		t.Errorf("PendingUrgent(u4) = %v, %v; want one", pend, err)
	}
	must(t, "DropUrgentRecipient", s.DropUrgentRecipient(ctx, "c1", "u4", at(670)))
	for _, user := range []string{"u2", "u3"} {
		closed, err := s.AckUrgent(ctx, "c1", "m1", user, at(680))
		must(t, "AckUrgent", err)
		if closed != (user == "u3") {
			t.Errorf("after %s acknowledged, closed = %v", user, closed)
		}
	}
	if open, err := s.ConversationUrgent(ctx, "c1", true); err != nil || len(open) != 0 {
		t.Errorf("open urgent messages %v, %v; want none", open, err)
	}
	if n := due(10000, 10000); n != 0 {
		t.Errorf("%d closed messages due; want none", n)
	}
}

func incidentMajor(t *testing.T, ctx context.Context, s IncidentStore) {
	seedDevices(t, ctx, s, 4)
	l1 := &incident.CallList{ID: "l1", OrgID: "o1", Name: "ED consultants", CreatedAt: at(20)}
	l2 := &incident.CallList{ID: "l2", OrgID: "o1", Name: "Theatres", CreatedAt: at(20)}
	for _, l := range []*incident.CallList{l1, l2} {
		must(t, "CreateCallList", s.CreateCallList(ctx, l, event("o1", "calllist.create", l.ID, 20)))
	}
	must(t, "AddCallListMembers", s.AddCallListMembers(ctx, "l1", []string{"u2", "u3"}, event("o1", "calllist.add", "l1", 21)))
	must(t, "AddCallListMembers", s.AddCallListMembers(ctx, "l2", []string{"u3", "u4", "u3"}, event("o1", "calllist.add", "l2", 22)))
	lists, err := s.CallLists(ctx, "o1")
	must(t, "CallLists", err)
	if len(lists) != 2 || !slices.Equal(lists[0].Members, []string{"u2", "u3"}) || !slices.Equal(lists[1].Members, []string{"u3", "u4"}) {
		t.Errorf("CallLists = %+v", lists)
	}
	declare := func(id, conv string) *incident.Incident {
		t.Helper()
		must(t, "CreateConversation", s.CreateConversation(ctx, &messaging.Conversation{ID: conv, OrgID: "o1", CreatedAt: at(30)}, messaging.Member{Device: "d1"}))
		in := &incident.Incident{ID: id, OrgID: "o1", Kind: incident.Major, Exercise: true, Conversation: conv, DeclaredBy: "u1", CommanderID: "u1",
			DeclaredAt: at(30), Lists: []incident.IncidentList{{ListID: "l1", Name: "ED consultants"}, {ListID: "l2", Name: "Theatres"}}}
		people := []*incident.Alerted{{UserID: "u2", Lists: []string{"l1"}, AlertedAt: at(30)}, {UserID: "u3", Lists: []string{"l1", "l2"}, AlertedAt: at(30)},
			{UserID: "u4", Lists: []string{"l2"}, AlertedAt: at(30)}}
		must(t, "CreateIncident", s.CreateIncident(ctx, in, people, event("o1", "incident.declare", id, 30)))
		return in
	}
	if in := declare("i1", "c1"); in.Number != 1 || in.Version != 1 {
		t.Errorf("first incident numbered %d at version %d", in.Number, in.Version)
	}
	if in := declare("i2", "c2"); in.Number != 2 {
		t.Errorf("second incident numbered %d; want 2", in.Number)
	}
	v, errs, err := s.Answer(ctx, "i1", []incident.Response{{UserID: "u2", State: incident.Available, At: at(39)}})
	must(t, "Answer", err)
	if len(errs) != 1 || errs[0] != nil {
		t.Errorf("Answer(u2) = %v; want no error", errs)
	}
	v2, errs, err := s.Answer(ctx, "i1", []incident.Response{{UserID: "u2", State: incident.EnRoute, ETA: 20, At: at(40)},
		{UserID: "u1", State: incident.Available, At: at(41)}, {UserID: "u4", State: incident.Unavailable, At: at(41)}})
	must(t, "Answer", err)
	if v2 != v+1 || len(errs) != 3 || errs[0] != nil || !fault.Is(errs[1], fault.NotFound) || errs[2] != nil {
		t.Errorf("Answer(u2, u1, u4) = %d, %v; want version %d, NotFound for u1 (not alerted) only", v2, errs, v+1)
	}
	changed, err := s.IncidentPeople(ctx, "i1", v)
	must(t, "IncidentPeople", err)
	if len(changed) != 2 || changed[0].UserID != "u2" || changed[0].ETA != 20 || changed[0].State != incident.EnRoute || changed[0].Email == "" ||
		changed[0].Version != v2 || changed[1].UserID != "u4" || changed[1].State != incident.Unavailable || changed[1].Version != v2 {
		t.Errorf("changed since %d: %+v; want u2 on the way, with an email, and u4 unavailable, at version %d", v, changed, v2)
	}
	down, err := s.StandDown(ctx, "i1", []string{"l2"}, "u1", at(50), event("o1", "incident.standdown", "i1", 50))
	must(t, "StandDown", err)
	if !slices.Equal(down, []string{"u4"}) {
		t.Errorf("stood down %v; want u4 only (u3 is on a list still called in)", down)
	}
	must(t, "SetCommander", s.SetCommander(ctx, "i1", "u3", "u1", at(55), event("o1", "incident.commander", "i1", 55)))
	must(t, "CloseIncident", s.CloseIncident(ctx, "i1", "u3", at(60), event("o1", "incident.close", "i1", 60)))
	if _, _, err := s.Answer(ctx, "i1", []incident.Response{{UserID: "u3", State: incident.Available, At: at(61)}}); !fault.Is(err, fault.Conflict) {
		t.Errorf("an answer after close: %v; want Conflict", err)
	}
	in, err := s.Incident(ctx, "i1")
	must(t, "Incident", err)
	if in.ClosedAt.IsZero() || in.CommanderID != "u3" || len(in.Lists) != 2 || in.Lists[0].StoodDownAt.IsZero() || !in.Exercise {
		t.Errorf("closed incident %+v", in)
	}
	must(t, "RecordExport", s.RecordExport(ctx, "i1", "u3", at(70), event("o1", "incident.log.export", "i1", 70)))
	evs, err := s.IncidentEvents(ctx, "i1")
	must(t, "IncidentEvents", err)
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	if want := []string{"declared", "answered", "answered", "answered", "stood_down", "commander", "closed", "log_exported"}; !slices.Equal(kinds, want) {
		t.Errorf("timeline %v; want %v", kinds, want)
	}
	if open, err := s.Incidents(ctx, "o1", true); err != nil || len(open) != 1 || open[0].ID != "i2" {
		t.Errorf("open incidents %v, %v; want i2", open, err)
	}
	if ids, err := s.AlertedIn(ctx, "u4"); err != nil || !slices.Equal(ids, []string{"i1", "i2"}) {
		t.Errorf("AlertedIn(u4) = %v, %v", ids, err)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n == 0 {
		t.Errorf("VerifyAudit = %d, %v", n, err)
	}
}
