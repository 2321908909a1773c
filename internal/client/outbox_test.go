package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// messageServer stores messages as the server does: by client ID, so
// that an ID offered again gets the seq it was first given and is not
// stored twice. It can cut connections, before or after storing.
type messageServer struct {
	mu      sync.Mutex
	offered []string          // client IDs in the order offered
	seqs    map[string]uint64 // client ID → seq
	stored  []string          // client IDs in seq order
	cipher  map[string][][]byte
	down    int // the next down offers are cut before they are stored
	lose    int // the next lose acknowledgements are cut after storing
}

func newMessageServer(t *testing.T) (*messageServer, *httptest.Server) {
	s := &messageServer{seqs: map[string]uint64{}, cipher: map[string][][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/conversations/{id}/messages", s.post)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return s, ts
}

func (s *messageServer) post(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID string `json:"client_id"`
		Message  []byte `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, `{"error":"bad JSON"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.offered = append(s.offered, in.ClientID)
	s.cipher[in.ClientID] = append(s.cipher[in.ClientID], in.Message)
	cut := false
	if s.down > 0 {
		s.down--
		cut = true
	} else {
		if _, ok := s.seqs[in.ClientID]; !ok {
			s.stored = append(s.stored, in.ClientID)
			s.seqs[in.ClientID] = uint64(len(s.stored))
		}
		if s.lose > 0 {
			s.lose--
			cut = true
		}
	}
	seq := s.seqs[in.ClientID]
	s.mu.Unlock()
	if cut {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]uint64{"seq": seq, "epoch": 0})
}

func (s *messageServer) snapshot() (offered, stored []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.offered...), append([]string(nil), s.stored...)
}

// pending lists the client IDs still in the conversation's outbox.
func pending(t *testing.T, c *Client, cv *conv) []string {
	t.Helper()
	keys, err := c.v.b.List("out/" + cv.rec.ID + "/")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, strings.TrimPrefix(k, "out/"+cv.rec.ID+"/"))
	}
	return ids
}

type sent struct {
	ID   string
	Seq  uint64
	Text string
}

func historyOf(t *testing.T, c *Client, cv *conv) []sent {
	t.Helper()
	ms, err := c.history(cv.rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []sent
	for _, m := range ms {
		out = append(out, sent{m.ID, m.Seq, m.Text})
	}
	return out
}

// TestLostAcknowledgementIsResentOnce: the server stored the message but
// the answer was lost; the client offers the same message again, the
// server keeps one copy, and the sender sees it once.
func TestLostAcknowledgementIsResentOnce(t *testing.T) {
	srv, ts := newMessageServer(t)
	srv.lose = 1
	c, _ := testClient(t, ts)
	cv := newConv(t, c)

	id, err := c.send(context.Background(), cv, envelope{Type: TypeText, Text: "Bed 4 needs review"})
	if err != nil {
		t.Fatalf("send with the first acknowledgement lost = %v; want it delivered on the resend", err)
	}
	offered, stored := srv.snapshot()
	if diff := cmp.Diff([]string{id, id}, offered); diff != "" {
		t.Errorf("offers to the server (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{id}, stored); diff != "" {
		t.Errorf("messages stored (-want +got):\n%s", diff)
	}
	if cs := srv.cipher[id]; len(cs) != 2 || !bytes.Equal(cs[0], cs[1]) {
		t.Errorf("the resend carried other ciphertext than the first offer; it must be the same message, encrypted once")
	}
	if diff := cmp.Diff([]sent{{id, 1, "Bed 4 needs review"}}, historyOf(t, c, cv)); diff != "" {
		t.Errorf("sender's history (-want +got):\n%s", diff)
	}
	if p := pending(t, c, cv); len(p) != 0 {
		t.Errorf("outbox after the acknowledgement holds %v; want it empty", p)
	}
}

// TestUndeliveredMessageGoesOutFirstNextTime: while the server cannot be
// reached the message stays on the device, with a sentence saying so; the
// next send delivers it first, once, then the new one.
func TestUndeliveredMessageGoesOutFirstNextTime(t *testing.T) {
	srv, ts := newMessageServer(t)
	srv.down = sendAttempts
	c, _ := testClient(t, ts)
	cv := newConv(t, c)
	ctx := context.Background()

	_, err := c.send(ctx, cv, envelope{Type: TypeText, Text: "first"})
	if !fault.Is(err, fault.Unavailable) || !strings.Contains(fault.Message(err), "kept on this device") {
		t.Fatalf("send with the server unreachable = %v; want Unavailable, saying the message is kept", err)
	}
	kept := pending(t, c, cv)
	if len(kept) != 1 {
		t.Fatalf("outbox holds %v; want the undelivered message", kept)
	}
	if _, stored := srv.snapshot(); len(stored) != 0 {
		t.Fatalf("server stored %v while cut off", stored)
	}

	second, err := c.send(ctx, cv, envelope{Type: TypeText, Text: "second"})
	if err != nil {
		t.Fatalf("send once the server is back = %v", err)
	}
	_, stored := srv.snapshot()
	if diff := cmp.Diff([]string{kept[0], second}, stored); diff != "" {
		t.Errorf("messages stored (-want +got):\n%s", diff)
	}
	want := []sent{{kept[0], 1, "first"}, {second, 2, "second"}}
	if diff := cmp.Diff(want, historyOf(t, c, cv)); diff != "" {
		t.Errorf("sender's history (-want +got):\n%s", diff)
	}
	if p := pending(t, c, cv); len(p) != 0 {
		t.Errorf("outbox after both were acknowledged holds %v; want it empty", p)
	}
}
