package mls

import (
	"errors"
	"testing"
)

func TestPastEpochApplicationMessages(t *testing.T) {
	for _, keep := range []int{0, 1} {
		cfg := testConfig(true)
		cfg.PastEpochs = keep
		alice, bob := newTestMember(t, "alice"), newTestMember(t, "bob")
		var err error
		if alice.g, err = CreateGroup(cfg, []byte("g"), alice.kp, alice.priv); err != nil {
			t.Fatal(err)
		}
		out := commitAndDeliver(t, alice, CommitOptions{Add: []*KeyPackage{bob.kp}, RatchetTreeInWelcome: true})
		join(t, bob, out.Welcome, cfg)

		late, err := alice.g.Protect([]byte("sent before the commit"), nil)
		if err != nil {
			t.Fatal(err)
		}
		lateProposal, err := alice.g.ProposeRemove(1)
		if err != nil {
			t.Fatal(err)
		}
		alice.g.proposals = nil
		commitAndDeliver(t, bob, CommitOptions{ForcePath: true}, alice)
		recent, err := alice.g.Protect([]byte("x"), nil)
		if err != nil {
			t.Fatal(err)
		}
		commitAndDeliver(t, bob, CommitOptions{ForcePath: true}, alice)

		// Round trip through the persisted state first.
		state, err := bob.g.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		if bob.g, err = RestoreGroup(cfg, state); err != nil {
			t.Fatal(err)
		}
		_, err = bob.g.Process(late)
		switch keep {
		case 0:
			if !errors.Is(err, ErrWrongEpoch) {
				t.Errorf("PastEpochs=0: Process(late message) = %v; want ErrWrongEpoch", err)
			}
		case 1:
			// Two epochs have passed: only the newer past epoch is kept.
			if !errors.Is(err, ErrWrongEpoch) {
				t.Errorf("PastEpochs=1: Process(message two epochs old) = %v; want ErrWrongEpoch", err)
			}
			r, err := bob.g.Process(recent)
			if err != nil || string(r.ApplicationData) != "x" || r.Epoch != bob.g.Epoch()-1 {
				t.Errorf("PastEpochs=1: Process(message one epoch old) = %+v, %v", r, err)
			}
			if _, err := bob.g.Process(recent); err == nil {
				t.Error("past-epoch message accepted twice")
			}
		}
		if _, err := bob.g.Process(lateProposal); err == nil {
			t.Errorf("PastEpochs=%d: proposal from a past epoch accepted", keep)
		}
	}
}
