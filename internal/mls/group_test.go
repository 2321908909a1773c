package mls

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type testMember struct {
	name string
	kp   *KeyPackage
	priv *KeyPackagePrivate
	g    *Group
}

func newTestMember(t testing.TB, name string) *testMember {
	t.Helper()
	return newTestMemberAt(t, name, testNow)
}

func newTestMemberAt(t testing.TB, name string, now time.Time) *testMember {
	t.Helper()
	sigPriv, _, err := GenerateSignatureKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	kp, priv, err := NewKeyPackage(NewBasicCredential([]byte(name)), sigPriv, now, 24*time.Hour)
	if err != nil {
		t.Fatalf("NewKeyPackage: %v", err)
	}
	return &testMember{name: name, kp: kp, priv: priv}
}

func testConfig(encrypt bool) Config {
	return Config{
		Now:             func() time.Time { return testNow },
		PublicHandshake: !encrypt,
		PaddingBlock:    32,
		ValidateCredential: func(c *Credential, _ []byte) error {
			if c.Type != CredentialTypeBasic || len(c.Identity) == 0 {
				return errors.New("unknown identity")
			}
			return nil
		},
	}
}

// commitAndDeliver makes from commit and delivers it to every other
// member, requiring that all end in the same epoch.
func commitAndDeliver(t *testing.T, from *testMember, opts CommitOptions, others ...*testMember) *CommitOutput {
	t.Helper()
	out, err := from.g.Commit(opts)
	if err != nil {
		t.Fatalf("%s: Commit: %v", from.name, err)
	}
	for _, o := range others {
		r, err := o.g.Process(out.Commit)
		if err != nil {
			t.Fatalf("%s: Process(commit from %s) = %v", o.name, from.name, err)
		}
		if !r.NewEpoch && !r.Removed {
			t.Fatalf("%s: commit did not advance the epoch", o.name)
		}
	}
	if err := from.g.MergePendingCommit(); err != nil {
		t.Fatal(err)
	}
	return out
}

func join(t *testing.T, m *testMember, welcome []byte, cfg Config) {
	t.Helper()
	w, err := DecodeMLSMessage(welcome)
	if err != nil || w.Welcome == nil {
		t.Fatalf("decode welcome: %v", err)
	}
	if m.g, err = JoinGroup(cfg, w.Welcome, m.kp, m.priv, nil); err != nil {
		t.Fatalf("%s: JoinGroup: %v", m.name, err)
	}
}

func requireSameEpoch(t *testing.T, ms ...*testMember) {
	t.Helper()
	for _, m := range ms[1:] {
		if m.g.Epoch() != ms[0].g.Epoch() || !bytes.Equal(m.g.EpochAuthenticator(), ms[0].g.EpochAuthenticator()) {
			t.Fatalf("%s (epoch %d) and %s (epoch %d) disagree on the epoch", m.name, m.g.Epoch(), ms[0].name, ms[0].g.Epoch())
		}
	}
}

func sendApp(t *testing.T, from *testMember, text string, to ...*testMember) {
	t.Helper()
	msg, err := from.g.Protect([]byte(text), []byte("ad"))
	if err != nil {
		t.Fatalf("%s: Protect: %v", from.name, err)
	}
	for _, o := range to {
		r, err := o.g.Process(msg)
		if err != nil {
			t.Fatalf("%s: Process(application from %s) = %v", o.name, from.name, err)
		}
		if string(r.ApplicationData) != text || r.Sender.Index != from.g.OwnLeaf() {
			t.Fatalf("%s received %q from leaf %d; want %q from %d", o.name, r.ApplicationData, r.Sender.Index, text, from.g.OwnLeaf())
		}
		if _, err := o.g.Process(msg); err == nil {
			t.Fatalf("%s accepted a replayed application message", o.name)
		}
	}
}

func TestGroupLifecycle(t *testing.T) {
	for _, encrypt := range []bool{false, true} {
		name := "public handshake"
		if encrypt {
			name = "private handshake"
		}
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(encrypt)
			alice, bob, carol := newTestMember(t, "alice"), newTestMember(t, "bob"), newTestMember(t, "carol")
			var err error
			if alice.g, err = CreateGroup(cfg, []byte("ward-7"), alice.kp, alice.priv); err != nil {
				t.Fatalf("CreateGroup: %v", err)
			}
			out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
			join(t, bob, out.Welcome, cfg)
			requireSameEpoch(t, alice, bob)
			sendApp(t, alice, "hello bob", bob)
			sendApp(t, bob, "hello alice", alice)

			commitAndDeliver(t, bob, CommitOptions{ForcePath: true}, alice)
			requireSameEpoch(t, alice, bob)

			prop, err := alice.g.ProposeAdd(carol.kp)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := bob.g.Process(prop); err != nil {
				t.Fatalf("bob: Process(add proposal) = %v", err)
			}
			out = commitAndDeliver(t, bob, CommitOptions{RatchetTreeInWelcome: true}, alice)
			join(t, carol, out.Welcome, cfg)
			requireSameEpoch(t, alice, bob, carol)
			sendApp(t, carol, "hello all", alice, bob)

			commitAndDeliver(t, carol, CommitOptions{ForcePath: true}, alice, bob)
			requireSameEpoch(t, alice, bob, carol)

			upd, err := bob.g.ProposeUpdate()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []*testMember{alice, carol} {
				if _, err := m.g.Process(upd); err != nil {
					t.Fatalf("%s: Process(update proposal) = %v", m.name, err)
				}
			}
			commitAndDeliver(t, alice, CommitOptions{}, bob, carol)
			requireSameEpoch(t, alice, bob, carol)
			sendApp(t, bob, "after update", alice, carol)

			// Adding with an update path: the joiner gets the path secret of
			// its common ancestor with the committer and can follow later
			// commits that encrypt to that ancestor.
			dave := newTestMember(t, "dave")
			out = commitAndDeliver(t, carol, CommitOptions{Add: []*KeyPackage{dave.kp}, ForcePath: true, RatchetTreeInWelcome: true}, alice, bob)
			join(t, dave, out.Welcome, cfg)
			requireSameEpoch(t, alice, bob, carol, dave)
			commitAndDeliver(t, alice, CommitOptions{ForcePath: true}, bob, carol, dave)
			commitAndDeliver(t, bob, CommitOptions{ForcePath: true}, alice, carol, dave)
			requireSameEpoch(t, alice, bob, carol, dave)
			sendApp(t, dave, "dave here", alice, bob, carol)

			exA, _ := alice.g.Export("switchboard attachments", []byte("x"), 32)
			exC, _ := carol.g.Export("switchboard attachments", []byte("x"), 32)
			if !bytes.Equal(exA, exC) {
				t.Error("exporter secrets differ between members")
			}

			commitAndDeliver(t, alice, CommitOptions{Remove: []uint32{bob.g.OwnLeaf()}}, carol, dave, bob)
			if bob.g.Active() {
				t.Error("bob still active after removal")
			}
			requireSameEpoch(t, alice, carol, dave)
			if got := len(alice.g.Members()); got != 3 {
				t.Errorf("members after removal = %d; want 3", got)
			}
			sendApp(t, alice, "bob has gone", carol, dave)
		})
	}
}

func TestGroupRejects(t *testing.T) {
	cfg := testConfig(false)
	alice, bob := newTestMember(t, "alice"), newTestMember(t, "bob")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)

	// Altered copies of a message must not use up the genuine one's key.
	genuine, err := alice.g.Protect([]byte("genuine"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{len(genuine) - 1, len(genuine) - 20} {
		forged := bytes.Clone(genuine)
		forged[i] ^= 0x80
		if _, err := bob.g.Process(forged); err == nil {
			t.Fatalf("altered message (byte %d) accepted", i)
		}
	}
	if r, err := bob.g.Process(genuine); err != nil || string(r.ApplicationData) != "genuine" {
		t.Fatalf("Process(genuine after forgeries) = %v, %v", r, err)
	}

	old, err := alice.g.Protect([]byte("old epoch"), nil)
	if err != nil {
		t.Fatal(err)
	}
	commitAndDeliver(t, alice, CommitOptions{ForcePath: true}, bob)
	if _, err := bob.g.Process(old); !errors.Is(err, ErrWrongEpoch) {
		t.Errorf("Process(message from previous epoch) = %v; want ErrWrongEpoch", err)
	}

	// A commit that is not accepted must not change the epoch.
	c1, err := alice.g.Commit(CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.g.Commit(CommitOptions{}); !errors.Is(err, ErrPendingCommit) {
		t.Errorf("second Commit = %v; want ErrPendingCommit", err)
	}
	alice.g.DiscardPendingCommit()
	commitAndDeliver(t, bob, CommitOptions{ForcePath: true}, alice)
	if _, err := bob.g.Process(c1.Commit); !errors.Is(err, ErrWrongEpoch) {
		t.Errorf("Process(stale commit) = %v; want ErrWrongEpoch", err)
	}
	requireSameEpoch(t, alice, bob)

	// Tampering with a public commit breaks its membership tag or signature.
	c2, err := alice.g.Commit(CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(c2.Commit)
	bad[len(bad)/2] ^= 1
	if _, err := bob.g.Process(bad); err == nil {
		t.Error("tampered commit accepted")
	}

	// The credential hook is consulted for new members.
	strict := cfg
	strict.ValidateCredential = func(*Credential, []byte) error { return errors.New("not registered") }
	mallory := newTestMember(t, "mallory")
	alice.g.DiscardPendingCommit()
	alice.g.cfg = strict
	if _, err := alice.g.Commit(CommitOptions{Add: []*KeyPackage{mallory.kp}}); err == nil {
		t.Error("commit adding an unauthenticated credential accepted")
	}
}

func TestGroupStateRoundTrip(t *testing.T) {
	cfg := testConfig(true)
	alice, bob := newTestMember(t, "alice"), newTestMember(t, "bob")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)
	sendApp(t, alice, "before save", bob)
	// One message Bob has not read yet, and one he will read out of order.
	m1, _ := alice.g.Protect([]byte("one"), nil)
	m2, _ := alice.g.Protect([]byte("two"), nil)
	if _, err := bob.g.Process(m2); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.g.ProposeUpdate(); err != nil {
		t.Fatal(err)
	}
	state, err := bob.g.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	bob.g.Close()
	if bob.g, err = RestoreGroup(cfg, state); err != nil {
		t.Fatalf("RestoreGroup: %v", err)
	}
	again, err := bob.g.MarshalState()
	if err != nil || !bytes.Equal(again, state) {
		t.Fatalf("state does not re-encode identically (%v)", err)
	}
	r, err := bob.g.Process(m1)
	if err != nil || string(r.ApplicationData) != "one" {
		t.Fatalf("restored group: Process(skipped message) = %v, %v", r, err)
	}
	if _, err := bob.g.Process(m2); err == nil {
		t.Error("restored group accepted a message it had already read")
	}
	// A pending commit survives a save and restore.
	c, err := bob.g.Commit(CommitOptions{ForcePath: true})
	if err != nil {
		t.Fatal(err)
	}
	if state, err = bob.g.MarshalState(); err != nil {
		t.Fatal(err)
	}
	if bob.g, err = RestoreGroup(cfg, state); err != nil || !bob.g.HasPendingCommit() {
		t.Fatalf("RestoreGroup with a pending commit: %v", err)
	}
	if again, _ := bob.g.MarshalState(); !bytes.Equal(again, state) {
		t.Fatal("state with a pending commit does not re-encode identically")
	}
	if _, err := alice.g.Process(c.Commit); err != nil {
		t.Fatal(err)
	}
	if err := bob.g.MergePendingCommit(); err != nil {
		t.Fatal(err)
	}
	requireSameEpoch(t, alice, bob)
	sendApp(t, alice, "after restore", bob)

	for i := range state {
		if _, err := RestoreGroup(cfg, state[:i]); err == nil {
			t.Fatalf("RestoreGroup(truncated to %d bytes) succeeded", i)
		}
	}
}

func TestRemovedMemberState(t *testing.T) {
	cfg := testConfig(false)
	alice, bob := newTestMember(t, "alice"), newTestMember(t, "bob")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)
	out, err = alice.g.Commit(CommitOptions{Remove: []uint32{1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.g.MergePendingCommit(); err != nil {
		t.Fatal(err)
	}
	r, err := bob.g.Process(out.Commit)
	if err != nil || !r.Removed || r.NewEpoch || r.Commit == nil || len(r.Commit.Removed) != 1 || r.Commit.Removed[0] != 1 || r.Commit.Committer != 0 {
		t.Fatalf("Process(own removal) = %+v, %v", r, err)
	}
	state, err := bob.g.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	g, err := RestoreGroup(cfg, state)
	if err != nil {
		t.Fatal(err)
	}
	for _, grp := range []*Group{bob.g, g} {
		if grp.Active() || !bytes.Equal(grp.GroupID(), []byte("g")) {
			t.Errorf("removed group: Active %v, GroupID %q", grp.Active(), grp.GroupID())
		}
		if _, err := grp.Export("x", nil, 16); !errors.Is(err, ErrNotMember) {
			t.Errorf("Export after removal = %v; want ErrNotMember", err)
		}
		if _, err := grp.Protect([]byte("x"), nil); !errors.Is(err, ErrNotMember) {
			t.Errorf("Protect after removal = %v; want ErrNotMember", err)
		}
		if _, err := grp.ProposeRemove(0); !errors.Is(err, ErrNotMember) {
			t.Errorf("ProposeRemove after removal = %v; want ErrNotMember", err)
		}
		if grp.Members() != nil || grp.EpochAuthenticator() != nil {
			t.Error("removed group still reports members or an epoch authenticator")
		}
	}
}

func TestJoinWithExpiredMemberLeaf(t *testing.T) {
	cfg := testConfig(false)
	alice := newTestMember(t, "alice")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
		t.Fatal(err)
	}
	// Months later Alice's KeyPackage leaf (never updated) has expired;
	// Bob must still be able to join.
	later := testNow.Add(90 * 24 * time.Hour)
	bob := newTestMemberAt(t, "bob", later)
	cfg.Now = func() time.Time { return later }
	alice.g.cfg = cfg
	out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
	join(t, bob, out.Welcome, cfg)
	requireSameEpoch(t, alice, bob)
}

// TestZeroConfigIsStrict: a Config nobody filled in refuses every
// credential, checks KeyPackage lifetimes against the clock and encrypts
// handshakes; each permissive choice has to be named.
func TestZeroConfigIsStrict(t *testing.T) {
	now := time.Now()
	alice := newTestMemberAt(t, "alice", now)
	if _, err := CreateGroup(Config{}, []byte("strict"), alice.kp, alice.priv); !errors.Is(err, errNoAuthenticationService) {
		t.Errorf("CreateGroup(zero Config) = %v; want %v", err, errNoAuthenticationService)
	}
	old := newTestMemberAt(t, "old", now.Add(-72*time.Hour)) // valid for 24 h, two days ago
	if _, err := CreateGroup(Config{AcceptAnyCredential: true}, []byte("strict"), old.kp, old.priv); err == nil {
		t.Error("CreateGroup accepted an expired KeyPackage with Now unset")
	}
	if _, err := CreateGroup(Config{AcceptAnyCredential: true, SkipLifetimes: true}, []byte("strict"), old.kp, old.priv); err != nil {
		t.Errorf("CreateGroup with SkipLifetimes = %v", err)
	}
	bob := newTestMemberAt(t, "bob", now)
	for _, public := range []bool{false, true} {
		g, err := CreateGroup(Config{AcceptAnyCredential: true, PublicHandshake: public}, []byte("strict"), alice.kp, alice.priv)
		if err != nil {
			t.Fatal(err)
		}
		out, err := g.Commit(CommitOptions{Add: []*KeyPackage{bob.kp}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := DecodeMLSMessage(out.Commit)
		if err != nil {
			t.Fatal(err)
		}
		want := WireFormatPrivateMessage
		if public {
			want = WireFormatPublicMessage
		}
		if m.WireFormat != want {
			t.Errorf("PublicHandshake %v: commit sent as wire format %d; want %d", public, m.WireFormat, want)
		}
	}
}
