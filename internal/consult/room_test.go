package consult

import (
	"encoding/json"
	"io"
	"log/slog"
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
