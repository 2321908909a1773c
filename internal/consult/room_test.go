package consult

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
)

func drain(p *Peer) []Message {
	var out []Message
	for {
		select {
		case b := <-p.Outbox():
			var m Message
			json.Unmarshal(b, &m)
			out = append(out, m)
		default:
			return out
		}
	}
}

func types(ms []Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Type)
	}
	return out
}

func TestHubRelaysOnlyBetweenAdmittedPeers(t *testing.T) {
	h := NewHub(slog.New(slog.NewTextHandler(io.Discard, nil)))
	clin := NewPeer(PeerInfo{ID: ClinicianPeer, Role: "clinician"})
	pat := NewPeer(PeerInfo{ID: "p1", Role: "patient"})
	other := NewPeer(PeerInfo{ID: "x1", Role: "patient"})
	h.Join("c1", clin, true)
	h.Join("c1", pat, false)
	h.Join("c2", other, true) // another consultation's peer

	if h.Relay("c1", "p1", ClinicianPeer, json.RawMessage(`{}`)) {
		t.Error("a waiting patient's signal was relayed")
	}
	if h.Relay("c1", ClinicianPeer, "p1", json.RawMessage(`{}`)) {
		t.Error("the clinician's signal reached a waiting patient")
	}
	if h.Relay("c2", "x1", ClinicianPeer, json.RawMessage(`{}`)) || h.Relay("c1", ClinicianPeer, "x1", json.RawMessage(`{}`)) {
		t.Error("a signal crossed between consultations")
	}
	drain(clin)
	if got := types(drain(pat)); len(got) != 2 || got[0] != "hello" || got[1] != "waiting" {
		t.Errorf("waiting patient got %v; want hello, waiting", got)
	}
	if !h.Admit("c1", "p1") {
		t.Fatal("Admit = false")
	}
	if got := drain(pat); len(got) != 1 || got[0].Type != "admitted" || len(got[0].Peers) != 1 || got[0].Peers[0].ID != ClinicianPeer {
		t.Errorf("admitted patient got %+v; want admitted with the clinician", got)
	}
	if got := types(drain(clin)); len(got) != 2 || got[0] != "joined" || got[1] != "presence" {
		t.Errorf("clinician got %v; want joined, presence", got)
	}
	if !h.Relay("c1", "p1", ClinicianPeer, json.RawMessage(`{"sdp":"x"}`)) {
		t.Error("an admitted patient's signal was not relayed")
	}
	if got := drain(clin); len(got) != 1 || got[0].From != "p1" || string(got[0].Data) != `{"sdp":"x"}` {
		t.Errorf("clinician got %+v; want the signal from p1", got)
	}
}

func TestHubDropsSlowPeerAndReplacesSockets(t *testing.T) {
	h := NewHub(slog.New(slog.NewTextHandler(io.Discard, nil)))
	clin := NewPeer(PeerInfo{ID: ClinicianPeer})
	slow := NewPeer(PeerInfo{ID: "p1"})
	h.Join("c1", clin, true)
	h.Join("c1", slow, true)
	for range peerQueue + 1 {
		h.Relay("c1", ClinicianPeer, "p1", json.RawMessage(`{}`))
	}
	select {
	case <-slow.Gone():
	default:
		t.Fatal("a peer that stopped reading was not dropped")
	}
	if slow.Reason() != "too slow" {
		t.Errorf("Reason = %q", slow.Reason())
	}
	again := NewPeer(PeerInfo{ID: "p1"})
	h.Join("c1", again, true)
	h.Leave("c1", slow) // the old socket's late Leave must not remove the new one
	if !h.Connected("c1", "p1") || h.InCall("c1") != 2 {
		t.Errorf("after reconnecting: connected %v, in call %d; want true, 2", h.Connected("c1", "p1"), h.InCall("c1"))
	}
	h.Leave("c1", again)
	h.Leave("c1", clin)
	if h.Connected("c1", ClinicianPeer) || len(h.rooms) != 0 {
		t.Error("an empty room was kept")
	}
}

// TestHubReserveIsAtomic: admissions made at once cannot overfill the call
// or let two people in before the opening checklist is done.
func TestHubReserveIsAtomic(t *testing.T) {
	for _, tc := range []struct {
		name      string
		checklist bool
		inCall    int // admitted besides the clinician
		waiting   int
		want      int // admissions that pass
	}{
		{"before the checklist, one at a time", false, 0, 6, 1},
		{"before the checklist, none once someone is in", false, 1, 6, 0},
		{"after the checklist, up to the call's size", true, 1, 6, MaxInCall - 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHub(slog.New(slog.NewTextHandler(io.Discard, nil)))
			h.Join("c1", NewPeer(PeerInfo{ID: ClinicianPeer, Role: "clinician"}), true)
			for i := range tc.inCall {
				h.Join("c1", NewPeer(PeerInfo{ID: fmt.Sprint("in", i), Role: "patient"}), true)
			}
			for i := range tc.waiting {
				h.Join("c1", NewPeer(PeerInfo{ID: fmt.Sprint("w", i), Role: "guest"}), false)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			passed := 0
			for i := range tc.waiting {
				wg.Go(func() {
					if h.Reserve("c1", fmt.Sprint("w", i), tc.checklist) == nil {
						mu.Lock()
						passed++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if passed != tc.want {
				t.Errorf("%d of %d admissions at once passed; want %d", passed, tc.waiting, tc.want)
			}
			if n := h.InCall("c1"); n > MaxInCall {
				t.Errorf("InCall = %d; want at most %d", n, MaxInCall)
			}
		})
	}
	h := NewHub(slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Join("c1", NewPeer(PeerInfo{ID: "p1", Role: "patient"}), false)
	if err := h.Reserve("c1", "p1", true); err != nil {
		t.Fatal(err)
	}
	if err := h.Reserve("c1", "p1", true); err != errInCall {
		t.Errorf("Reserve twice = %v; want %v", err, errInCall)
	}
	h.Release("c1", "p1")
	if err := h.Reserve("c1", "nobody", true); err != errNotConnected {
		t.Errorf("Reserve of a peer not connected = %v; want %v", err, errNotConnected)
	}
	if err := h.Reserve("c1", "p1", true); err != nil {
		t.Errorf("Reserve after Release = %v", err)
	}
}
