package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

func liveSessions(t *testing.T, ctx context.Context, s identity.Store, userID string) map[string]bool {
	t.Helper()
	ss, err := s.ListSessions(ctx, userID)
	must(t, "ListSessions", err)
	live := map[string]bool{}
	for _, x := range ss {
		live[x.ID] = true
	}
	return live
}

func identityDevices(t *testing.T, ctx context.Context, s identity.Store) {
	w := seedWorld(t, ctx, s)
	signIn(t, ctx, s, w, "s1", "d1", 1, 10)
	signIn(t, ctx, s, w, "s2", "d2", 2, 20)
	signIn(t, ctx, s, w, "s3", "d1", 3, 30) // d1 again: no second device

	got, err := s.DeviceByID(ctx, "d1")
	must(t, "DeviceByID", err)
	want := identity.Device{ID: "d1", UserID: "u1", Name: "Laptop d1", Kind: "web", CreatedAt: us(at(10)), LastSeenAt: us(at(30))}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("DeviceByID after two sign-ins differs (-want +got):\n%s", diff)
	}
	_, err = s.DeviceByID(ctx, "missing")
	wantFault(t, "DeviceByID(missing)", err, fault.NotFound, "")
	ds, err := s.ListDevices(ctx, "u1")
	must(t, "ListDevices", err)
	if len(ds) != 2 || ds[0].ID != "d1" || ds[1].ID != "d2" {
		t.Errorf("ListDevices = %v; want d1 then d2 (most recently seen first)", ds)
	}

	// Signing a device out ends its sessions only, and it may sign in again.
	must(t, "EndDeviceSessions", s.EndDeviceSessions(ctx, "d1", at(40), event("o1", "device.signout", "d1", 40)))
	if diff := cmp.Diff(map[string]bool{"s2": true}, liveSessions(t, ctx, s, "u1")); diff != "" {
		t.Errorf("live sessions after EndDeviceSessions(d1) differ (-want +got):\n%s", diff)
	}
	if d, err := s.DeviceByID(ctx, "d1"); err != nil || d.Revoked() {
		t.Errorf("DeviceByID after EndDeviceSessions = %v; want not revoked", err)
	}

	// Revoking ends its sessions and marks it, once.
	signIn(t, ctx, s, w, "s4", "d2", 4, 50)
	must(t, "RevokeDevice", s.RevokeDevice(ctx, "d2", at(60), event("o1", "device.revoke", "d2", 60)))
	if live := liveSessions(t, ctx, s, "u1"); len(live) != 0 {
		t.Errorf("live sessions after revoking d2 = %v; want none", live)
	}
	for _, id := range []string{"hash-s2", "hash-s4"} {
		x, err := s.SessionByTokenHash(ctx, id)
		must(t, "SessionByTokenHash", err)
		if !x.EndedAt.Equal(us(at(60))) {
			t.Errorf("session %s after RevokeDevice: EndedAt = %v; want %v", id, x.EndedAt, us(at(60)))
		}
	}
	d2, err := s.DeviceByID(ctx, "d2")
	must(t, "DeviceByID", err)
	if !d2.Revoked() || !d2.RevokedAt.Equal(us(at(60))) {
		t.Errorf("RevokedAt = %v; want %v", d2.RevokedAt, us(at(60)))
	}
	before := auditCount(t, ctx, s, "o1")
	err = s.RevokeDevice(ctx, "d2", at(70), event("o1", "device.revoke", "d2", 70))
	wantFault(t, "RevokeDevice of a revoked device", err, fault.NotFound, "")
	err = s.RevokeDevice(ctx, "missing", at(70), event("o1", "device.revoke", "missing", 70))
	wantFault(t, "RevokeDevice(missing)", err, fault.NotFound, "")
	if n := auditCount(t, ctx, s, "o1"); n != before {
		t.Errorf("audit entries after refused revocations = %d; want %d", n, before)
	}
	d2, err = s.DeviceByID(ctx, "d2")
	must(t, "DeviceByID", err)
	if !d2.RevokedAt.Equal(us(at(60))) {
		t.Errorf("RevokedAt after a second RevokeDevice = %v; want the first, %v", d2.RevokedAt, us(at(60)))
	}
}

func identityOrgDevices(t *testing.T, ctx context.Context, s identity.Store) {
	w := seedWorld(t, ctx, s)
	bob := newUser("u2", "o1", "bob@example.nhs.uk", "Bob Example")
	must(t, "CreateUser", s.CreateUser(ctx, bob, nil, event("o1", "user.create", "u2", 2)))
	other := newOrg("o2", "RYY")
	must(t, "CreateOrg", s.CreateOrg(ctx, other, event("o2", "org.create", "o2", 3)))
	cat := newUser("u3", "o2", "cat@example.nhs.uk", "Cat Other")
	must(t, "CreateUser", s.CreateUser(ctx, cat, nil, event("o2", "user.create", "u3", 4)))

	signIn(t, ctx, s, w, "s1", "d1", 1, 10)
	signIn(t, ctx, s, w, "s2", "d1", 2, 11)
	signIn(t, ctx, s, world{org: w.org, user: bob}, "s3", "d2", 3, 20)
	signIn(t, ctx, s, world{org: w.org, user: bob}, "s4", "d3", 4, 30)
	signIn(t, ctx, s, world{org: other, user: cat}, "s5", "d4", 5, 40)
	must(t, "EndSession", s.EndSession(ctx, "s4", at(31), event("o1", "session.end", "s4", 31)))

	views, err := s.ListOrgDevices(ctx, "o1")
	must(t, "ListOrgDevices", err)
	type row struct {
		ID, Owner, Email string
		Active           int
	}
	var got []row
	for _, v := range views {
		got = append(got, row{v.ID, v.UserName, v.UserEmail, v.ActiveSessions})
	}
	want := []row{
		{"d3", "Bob Example", "bob@example.nhs.uk", 0},
		{"d2", "Bob Example", "bob@example.nhs.uk", 1},
		{"d1", "Ann Example", "ann@example.nhs.uk", 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListOrgDevices(o1) differs (-want +got):\n%s", diff)
	}
	if len(views) == 3 && !views[2].LastSeenAt.Equal(us(at(11))) {
		t.Errorf("ListOrgDevices d1 LastSeenAt = %v; want %v", views[2].LastSeenAt, us(at(11)))
	}
	if views, err := s.ListOrgDevices(ctx, "o9"); err != nil || len(views) != 0 {
		t.Errorf("ListOrgDevices(unknown org) = %v, %v; want none", views, err)
	}
}

func identityAuditList(t *testing.T, ctx context.Context, s identity.Store) {
	for _, o := range []*identity.Org{newOrg("o1", "RXX"), newOrg("o2", "RYY")} {
		must(t, "CreateOrg", s.CreateOrg(ctx, o, event(o.ID, "org.create", o.ID, 0)))
	}
	for i := 1; i <= 4; i++ {
		ev := event("o1", "policy.update", "o1", i)
		ev.Detail["idle_timeout_minutes"] = fmt.Sprint(10 * i)
		must(t, "SetPolicy", s.SetPolicy(ctx, "o1", identity.DefaultPolicy, ev))
	}
	// Sequence: 1 o1 create, 2 o2 create, 3-6 o1 policy.
	es, err := s.ListAudit(ctx, "o1", 0, 100)
	must(t, "ListAudit", err)
	var seqs []int64
	for _, e := range es {
		seqs = append(seqs, e.Seq)
	}
	if diff := cmp.Diff([]int64{6, 5, 4, 3, 1}, seqs); diff != "" {
		t.Errorf("ListAudit(o1) sequence numbers differ (-want +got):\n%s", diff)
	}
	if len(es) > 0 {
		want := event("o1", "policy.update", "o1", 4)
		want.At = us(want.At)
		want.Detail["idle_timeout_minutes"] = "40"
		if diff := cmp.Diff(want, es[0].Event); diff != "" {
			t.Errorf("newest audit entry differs (-want +got):\n%s", diff)
		}
		if len(es[0].Hash) != 32 || len(es[0].PrevHash) != 32 {
			t.Errorf("audit entry hashes are %d and %d bytes; want 32", len(es[0].Hash), len(es[0].PrevHash))
		}
	}
	page, err := s.ListAudit(ctx, "o1", 5, 2)
	must(t, "ListAudit page", err)
	if len(page) != 2 || page[0].Seq != 4 || page[1].Seq != 3 {
		t.Errorf("ListAudit(o1, before 5, limit 2) = %d entries; want entries 4 and 3", len(page))
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 6 {
		t.Errorf("VerifyAudit = %d, %v; want 6, nil", n, err)
	}
	if es, err := s.ListAudit(ctx, "o9", 0, 10); err != nil || len(es) != 0 {
		t.Errorf("ListAudit(unknown org) = %v, %v; want none", es, err)
	}
}

func identityAuditConcurrent(t *testing.T, ctx context.Context, s identity.Store) {
	if n, err := s.VerifyAudit(ctx); err != nil || n != 0 {
		t.Fatalf("VerifyAudit on an empty store = %d, %v; want 0, nil", n, err)
	}
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprint("o", i)
			errs[i] = s.CreateOrg(ctx, newOrg(id, fmt.Sprintf("R%02d", i)), audit.Event{At: at(i), OrgID: id, Actor: audit.ActorCLI,
				Action: "org.create", Target: id})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("CreateOrg %d: %v", i, err)
		}
	}
	if got, err := s.VerifyAudit(ctx); err != nil || got != n {
		t.Errorf("VerifyAudit after %d concurrent writes = %d, %v; want %d, nil", n, got, err, n)
	}
}

func identityAuditVerifyWhileWriting(t *testing.T, ctx context.Context, s identity.Store) {
	const writes = 60
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range writes {
			id := fmt.Sprint("o", i)
			if err := s.CreateOrg(ctx, newOrg(id, fmt.Sprintf("R%02d", i)), event(id, "org.create", id, i)); err != nil {
				t.Errorf("CreateOrg %d: %v", i, err)
				return
			}
		}
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if n, err := s.VerifyAudit(ctx); err != nil {
			t.Errorf("VerifyAudit while the server writes = %d, %v; want no error (appends are not tampering)", n, err)
			<-done
			return
		}
	}
}
