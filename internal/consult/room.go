package consult

import (
	"encoding/json"
	"log/slog"
	"sync"
)

// ClinicianPeer is the peer ID of the clinician running a consultation.
const ClinicianPeer = "clinician"

// peerQueue bounds the messages waiting to be written to one socket; a
// browser that falls this far behind is dropped rather than allowed to
// hold up the others.
const peerQueue = 64

// Message is one signalling message between the server and a browser.
// Data is opaque to the server: a session description or ICE candidate
// that it forwards unread.
type Message struct {
	Type      string          `json:"type"`
	You       string          `json:"you,omitempty"`
	From      string          `json:"from,omitempty"`
	To        string          `json:"to,omitempty"`
	Peer      *PeerInfo       `json:"peer,omitempty"`
	Peers     []PeerInfo      `json:"peers,omitempty"`
	Connected []string        `json:"connected,omitempty"`
	Mode      Mode            `json:"mode,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// ICEServer is one entry of a browser's RTCConfiguration.iceServers: a
// TURN server and short-lived credentials for it.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// PeerInfo describes an admitted peer to the others in the call.
type PeerInfo struct {
	ID    string `json:"id"`
	Role  string `json:"role"`
	Label string `json:"label,omitempty"`
}

// Peer is one connected browser in a consultation's room. The socket that
// owns it writes what Outbox yields and stops when Gone is closed.
type Peer struct {
	Info   PeerInfo
	send   chan []byte
	gone   chan struct{}
	once   sync.Once
	reason string
}

// NewPeer returns a Peer with an empty, bounded outbox.
func NewPeer(info PeerInfo) *Peer {
	return &Peer{Info: info, send: make(chan []byte, peerQueue), gone: make(chan struct{})}
}

// Outbox yields the encoded messages to write to the peer's socket.
func (p *Peer) Outbox() <-chan []byte { return p.send }

// Gone is closed when the peer has been dropped.
func (p *Peer) Gone() <-chan struct{} { return p.gone }

// Reason says why the peer was dropped.
func (p *Peer) Reason() string { return p.reason }

// drop marks the peer gone; its socket closes.
func (p *Peer) drop(reason string) {
	p.once.Do(func() {
		p.reason = reason
		close(p.gone)
	})
}

// push queues b without blocking; a full queue drops the peer.
func (p *Peer) push(b []byte) {
	select {
	case <-p.gone:
	case p.send <- b:
	default:
		p.drop("too slow")
	}
}

// Hub holds the rooms of the consultations that have someone connected.
// It forwards signalling only between admitted peers of the same room and
// keeps the clinician told who is connected.
type Hub struct {
	log   *slog.Logger
	mu    sync.Mutex
	rooms map[string]*room
}

type room struct {
	peers    map[string]*Peer
	admitted map[string]bool
	// admitting holds the peers whose admission passed Reserve and is
	// being recorded; they count as in the call until Admit or Release.
	admitting map[string]bool
}

// NewHub returns an empty Hub.
func NewHub(log *slog.Logger) *Hub { return &Hub{log: log, rooms: map[string]*room{}} }

func send(p *Peer, m Message) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	p.push(b)
}

// Join adds p to the consultation's room, replacing (and dropping) any
// earlier socket of the same peer. An admitted peer is told who is in the
// call, and the others that it joined; a waiting one is told to wait.
func (h *Hub) Join(consultID string, p *Peer, admitted bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[consultID]
	if r == nil {
		r = &room{peers: map[string]*Peer{}, admitted: map[string]bool{}, admitting: map[string]bool{}}
		h.rooms[consultID] = r
	}
	if old := r.peers[p.Info.ID]; old != nil {
		old.drop("replaced by a newer connection")
		h.leftLocked(r, old.Info.ID)
	}
	r.peers[p.Info.ID] = p
	send(p, Message{Type: "hello", You: p.Info.ID})
	if admitted {
		h.admitLocked(r, p)
	} else {
		send(p, Message{Type: "waiting"})
	}
	h.presenceLocked(r)
}

// Leave removes p from the room if it is still the peer's current socket.
func (h *Hub) Leave(consultID string, p *Peer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[consultID]
	if r == nil || r.peers[p.Info.ID] != p {
		return
	}
	delete(r.peers, p.Info.ID)
	h.leftLocked(r, p.Info.ID)
	h.presenceLocked(r)
	if len(r.peers) == 0 {
		delete(h.rooms, consultID)
	}
}

func (h *Hub) leftLocked(r *room, id string) {
	delete(r.admitting, id)
	if !r.admitted[id] {
		return
	}
	delete(r.admitted, id)
	for oid, o := range r.peers {
		if r.admitted[oid] {
			send(o, Message{Type: "left", From: id})
		}
	}
}

// Connected reports whether the peer has a socket in the room.
func (h *Hub) Connected(consultID, peerID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[consultID]
	return r != nil && r.peers[peerID] != nil
}

// InCall counts the peers in the call now, the clinician included, and
// those being admitted.
func (h *Hub) InCall(consultID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[consultID]; r != nil {
		return len(r.admitted) + len(r.admitting)
	}
	return 0
}

// Reserve checks, under the room's lock, that the peer can be admitted
// now, and holds its place in the call until Admit or Release: it must be
// connected and not in the call or being admitted already, the call must
// have room for it, and until the opening checklist is done nobody but the
// clinician may be in the call or on the way in. Two admissions at once
// cannot both pass.
func (h *Hub) Reserve(consultID, peerID string, checklistDone bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[consultID]
	switch {
	case r == nil || r.peers[peerID] == nil:
		return errNotConnected
	case r.admitted[peerID] || r.admitting[peerID]:
		return errInCall
	case len(r.admitted)+len(r.admitting) >= MaxInCall:
		return errCallFull
	}
	if !checklistDone {
		for id := range r.admitted {
			if id != ClinicianPeer {
				return errChecklistFirst
			}
		}
		if len(r.admitting) > 0 {
			return errChecklistFirst
		}
	}
	r.admitting[peerID] = true
	return nil
}

// Release gives up a place Reserve held, when the admission could not be
// recorded.
func (h *Hub) Release(consultID, peerID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[consultID]; r != nil {
		delete(r.admitting, peerID)
	}
}

// Admit moves a connected peer into the call, taking the place Reserve
// held for it. It returns false if the peer is not connected.
func (h *Hub) Admit(consultID, peerID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[consultID]
	if r == nil {
		return false
	}
	delete(r.admitting, peerID)
	if r.peers[peerID] == nil {
		return false
	}
	h.admitLocked(r, r.peers[peerID])
	h.presenceLocked(r)
	return true
}

// admitLocked tells p who is in the call (p then offers to each) and tells
// them that p joined.
func (h *Hub) admitLocked(r *room, p *Peer) {
	var peers []PeerInfo
	for id, o := range r.peers {
		if r.admitted[id] && id != p.Info.ID {
			peers = append(peers, o.Info)
			info := p.Info
			send(o, Message{Type: "joined", Peer: &info})
		}
	}
	r.admitted[p.Info.ID] = true
	send(p, Message{Type: "admitted", Peers: peers})
}

// presenceLocked tells the clinician which peers are connected.
func (h *Hub) presenceLocked(r *room) {
	c := r.peers[ClinicianPeer]
	if c == nil {
		return
	}
	ids := []string{}
	for id := range r.peers {
		if id != ClinicianPeer {
			ids = append(ids, id)
		}
	}
	send(c, Message{Type: "presence", Connected: ids})
}

// Relay forwards an opaque signalling payload from one admitted peer to
// another. Anything else is dropped: a waiting peer can reach nobody.
func (h *Hub) Relay(consultID, from, to string, data json.RawMessage) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[consultID]
	if r == nil || from == to || !r.admitted[from] || !r.admitted[to] || r.peers[to] == nil {
		return false
	}
	send(r.peers[to], Message{Type: "signal", From: from, Data: data})
	return true
}

// Notify sends m to every peer in the room (admitted=false) or only to
// those in the call (admitted=true).
func (h *Hub) Notify(consultID string, m Message, onlyAdmitted bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[consultID]
	if r == nil {
		return
	}
	for id, p := range r.peers {
		if !onlyAdmitted || r.admitted[id] {
			send(p, m)
		}
	}
}

// End tells everyone the consultation has ended and drops their sockets
// once the message is written.
func (h *Hub) End(consultID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[consultID]
	if r == nil {
		return
	}
	for _, p := range r.peers {
		send(p, Message{Type: "ended"})
	}
}
