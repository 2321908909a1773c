package mls

import (
	"bytes"
	"testing"
)

// FuzzGroupProcess feeds arbitrary messages to a member of a live group:
// processing must never panic, and a message that is refused must leave
// the member's state exactly as it was.
func FuzzGroupProcess(f *testing.F) { fuzzGroupProcess(f, false) }

// FuzzGroupProcessPrivate is FuzzGroupProcess with handshake messages
// sent as PrivateMessages.
func FuzzGroupProcessPrivate(f *testing.F) { fuzzGroupProcess(f, true) }

func fuzzGroupProcess(f *testing.F, encrypt bool) {
	cfg := testConfig(encrypt)
	alice, bob := newTestMember(f, "alice"), newTestMember(f, "bob")
	var err error
	if alice.g, err = CreateGroup(cfg, []byte("fuzz"), alice.kp, alice.priv); err != nil {
		f.Fatal(err)
	}
	out, err := alice.g.Commit(CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
	if err != nil {
		f.Fatal(err)
	}
	if err := alice.g.MergePendingCommit(); err != nil {
		f.Fatal(err)
	}
	w, err := DecodeMLSMessage(out.Welcome)
	if err != nil {
		f.Fatal(err)
	}
	if bob.g, err = JoinGroup(cfg, w.Welcome, bob.kp, bob.priv, nil); err != nil {
		f.Fatal(err)
	}
	state, err := bob.g.MarshalState()
	if err != nil {
		f.Fatal(err)
	}
	app, _ := alice.g.Protect([]byte("hello"), nil)
	prop, _ := alice.g.ProposeRemove(1)
	upd, _ := alice.g.ProposeUpdate()
	commit, _ := alice.g.Commit(CommitOptions{ForcePath: true})
	for _, s := range [][]byte{app, prop, upd, commit.Commit, out.Welcome} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		g, err := RestoreGroup(cfg, state)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Process(msg); err != nil {
			after, merr := g.MarshalState()
			if merr != nil || !bytes.Equal(after, state) && !onlySecretTreeAdvanced(msg) {
				t.Fatalf("refused message changed the state: %v", err)
			}
		}
	})
}

// onlySecretTreeAdvanced reports whether msg is a PrivateMessage, whose
// decryption may consume a ratchet key even when a later check fails.
func onlySecretTreeAdvanced(msg []byte) bool {
	m, err := DecodeMLSMessage(msg)
	return err == nil && m.PrivateMessage != nil
}

// FuzzRestoreGroup checks that restoring arbitrary state never panics.
func FuzzRestoreGroup(f *testing.F) {
	cfg := testConfig(true)
	alice := newTestMember(f, "alice")
	g, err := CreateGroup(cfg, []byte("fuzz"), alice.kp, alice.priv)
	if err != nil {
		f.Fatal(err)
	}
	state, err := g.MarshalState()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(state)
	// A state with a past epoch, skipped keys and a pending commit.
	cfg.PastEpochs = 2
	g.cfg = cfg
	if _, err := g.Commit(CommitOptions{ForcePath: true}); err != nil {
		f.Fatal(err)
	}
	if err := g.MergePendingCommit(); err != nil {
		f.Fatal(err)
	}
	if _, err := g.Protect([]byte("x"), nil); err != nil {
		f.Fatal(err)
	}
	if _, err := g.Commit(CommitOptions{ForcePath: true}); err != nil {
		f.Fatal(err)
	}
	if state, err = g.MarshalState(); err != nil {
		f.Fatal(err)
	}
	f.Add(state)
	f.Fuzz(func(t *testing.T, b []byte) {
		if g, err := RestoreGroup(cfg, b); err == nil {
			// A restored group must be usable without panicking.
			g.Protect([]byte("x"), nil)
			g.Commit(CommitOptions{ForcePath: true})
			g.MergePendingCommit()
			g.MarshalState()
		}
	})
}
