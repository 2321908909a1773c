package httpd

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// The messaging API: docs/messaging.md is its contract.

// Body limits of the messaging routes, above the default for JSON.
const (
	maxKeyPackagesBody = 2 << 20
	maxCommitBody      = 8 << 20
	maxMessageBody     = 512 << 10
)

var errNoMessaging = fault.New(fault.NotFound, "Messaging is not enabled on this server.")

// messagingMetrics registers counts of this node's sockets and deliveries:
// numbers only, never who or what.
func (s *Server) messagingMetrics() {
	if s.cfg.Messaging == nil {
		return
	}
	hub := s.cfg.Messaging.Hub()
	s.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "switchboard_sockets", Help: "Open messaging WebSockets on this node."},
			func() float64 { return float64(hub.Count()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "switchboard_deliveries_total", Help: "Frames queued for messaging sockets."},
			func() float64 { return float64(hub.Deliveries()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "switchboard_sockets_dropped_total", Help: "Sockets dropped for falling behind."},
			func() float64 { return float64(hub.Dropped()) }),
	)
}

func (s *Server) msg() (*messaging.Service, error) {
	if s.cfg.Messaging == nil {
		return nil, errNoMessaging
	}
	return s.cfg.Messaging, nil
}

// replyStale answers a stale-epoch conflict with the current epoch, so the
// client can fetch, merge and retry; other errors go the usual way.
func replyStale(w http.ResponseWriter, err error) error {
	if epoch, ok := messaging.EpochOf(err); ok {
		return reply(w, http.StatusConflict, map[string]any{"error": fault.Message(err), "epoch": epoch})
	}
	return err
}

func (s *Server) handleMLSService(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, wire.Service{SigningKey: m.SigningKey(), ExternalSender: m.ExternalSender()})
}

func (s *Server) handlePutCredential(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in struct {
		SignatureKey []byte `json:"signature_key"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	id, err := m.RegisterCredential(r.Context(), p, in.SignatureKey)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string][]byte{"identity": id})
}

func (s *Server) handleUploadKeyPackages(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in struct {
		KeyPackages [][]byte `json:"key_packages"`
		LastResort  []byte   `json:"last_resort"`
	}
	if err := decodeN(w, r, &in, maxKeyPackagesBody); err != nil {
		return err
	}
	n, err := m.UploadKeyPackages(r.Context(), p, in.KeyPackages, in.LastResort)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]int{"stock": n})
}

func (s *Server) handleClaimKeyPackages(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in struct {
		Emails []string `json:"emails"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	kps, err := m.Claim(r.Context(), p, in.Emails)
	if err != nil {
		return err
	}
	out := wire.KeyPackageClaims{KeyPackages: make([]wire.KeyPackageClaim, 0, len(kps))}
	for _, k := range kps {
		out.KeyPackages = append(out.KeyPackages, wire.KeyPackageClaim{Device: k.Device, Email: k.Email, KeyPackage: k.KeyPackage})
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleKeyPackageStock(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	n, err := m.Stock(r.Context(), p)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]int{"stock": n})
}

type memberJSON struct {
	Device string `json:"device"`
	User   string `json:"user"`
	Email  string `json:"email"`
	Leaf   uint32 `json:"leaf"`
	// Leaving is set once the member's user has left: the server has
	// proposed the device's removal and waits for a member to commit it.
	Leaving bool `json:"leaving,omitempty"`
}

type conversationJSON struct {
	ID      string       `json:"id"`
	Epoch   uint64       `json:"epoch"`
	LastSeq int64        `json:"last_seq"`
	Kind    string       `json:"kind"`
	Members []memberJSON `json:"members"`
	Admins  []string     `json:"admins"` // emails of the people who may add and remove others
}

func conversationOut(c *messaging.Conversation) conversationJSON {
	out := conversationJSON{ID: c.ID, Epoch: c.Epoch, LastSeq: c.LastSeq, Kind: c.Kind, Members: []memberJSON{}, Admins: []string{}}
	for _, m := range c.Members {
		out.Members = append(out.Members, memberJSON{Device: m.Device, User: m.User, Email: m.Email, Leaf: m.Leaf, Leaving: m.Leaving})
		if slices.Contains(c.Admins, m.User) && !slices.Contains(out.Admins, m.Email) {
			out.Admins = append(out.Admins, m.Email)
		}
	}
	return out
}

func (s *Server) handleGetConversation(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	c, _, err := m.Membership(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, conversationOut(c))
}

func (s *Server) handleLeave(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	if err := m.Leave(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]bool{"left": true})
}

func (s *Server) handleMakeAdmin(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	return s.withEmail(w, r, "admin", "Send the email of the member to make an admin as email.",
		func(m *messaging.Service, email string) error {
			return m.MakeAdmin(r.Context(), p, r.PathValue("id"), email)
		})
}

// handleAddPerson makes someone with no device yet one of a
// conversation's people (admins only): their first device joins.
func (s *Server) handleAddPerson(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	return s.withEmail(w, r, "person", "Send the email of the person to add as email.",
		func(m *messaging.Service, email string) error {
			return m.AddPerson(r.Context(), p, r.PathValue("id"), email)
		})
}

// withEmail reads a body {"email"} (refusing an empty one with missing),
// runs f on it and answers {key: email}.
func (s *Server) withEmail(w http.ResponseWriter, r *http.Request, key, missing string, f func(*messaging.Service, string) error) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	email := strings.TrimSpace(in.Email)
	if email == "" {
		return fault.New(fault.Invalid, missing)
	}
	if err := f(m, email); err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]string{key: email})
}

func (s *Server) handleCreateConversation(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in wire.NewConversation
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Role != "" {
		return s.startRoleConversation(w, r, p, in)
	}
	c, err := m.CreateConversation(r.Context(), p, in.ID, in.Kind)
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, wire.ConversationInfo{ID: c.ID, Epoch: c.Epoch})
}

func (s *Server) handleListConversations(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	cs, err := m.ListConversations(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]conversationJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, conversationOut(c))
	}
	return reply(w, http.StatusOK, map[string]any{"conversations": out})
}

func (s *Server) handleCommit(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in struct {
		Epoch       *uint64 `json:"epoch"`
		Commit      []byte  `json:"commit"`
		Welcome     []byte  `json:"welcome"`
		RatchetTree []byte  `json:"ratchet_tree"`
	}
	if err := decodeN(w, r, &in, maxCommitBody); err != nil {
		return err
	}
	if in.Epoch == nil || len(in.Commit) == 0 {
		return fault.Invalidf("Send the epoch the commit was made in and the commit itself (base64).")
	}
	seq, epoch, err := m.Commit(r.Context(), p, r.PathValue("id"),
		messaging.CommitInput{Epoch: *in.Epoch, Commit: in.Commit, Welcome: in.Welcome, RatchetTree: in.RatchetTree})
	if err != nil {
		return replyStale(w, err)
	}
	return reply(w, http.StatusOK, map[string]any{"seq": seq, "epoch": epoch})
}

func (s *Server) handleSend(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in struct {
		ClientID string `json:"client_id"`
		Message  []byte `json:"message"`
	}
	if err := decodeN(w, r, &in, maxMessageBody); err != nil {
		return err
	}
	sent, err := m.Send(r.Context(), p, r.PathValue("id"), in.ClientID, in.Message)
	if err != nil {
		return replyStale(w, err)
	}
	return reply(w, http.StatusOK, map[string]int64{"seq": sent.Seq})
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	after, limit := int64(0), 100
	if v := r.URL.Query().Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return fault.Invalidf("The after parameter must be a sequence number (0 or more).")
		}
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return fault.Invalidf("The limit parameter must be between 1 and 1000.")
		}
	}
	msgs, err := m.Messages(r.Context(), p, r.PathValue("id"), after, limit)
	if err != nil {
		return err
	}
	out := wire.Messages{Messages: make([]wire.Message, 0, len(msgs))}
	for _, x := range msgs {
		out.Messages = append(out.Messages, messaging.MessageOut(x))
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleCursor(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in struct {
		Seq *int64 `json:"seq"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Seq == nil {
		return fault.Invalidf("Send the sequence number received so far as seq.")
	}
	if err := m.Ack(r.Context(), p, r.PathValue("id"), *in.Seq); err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]int64{"seq": *in.Seq})
}

func (s *Server) handleReceipts(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	members, err := m.Receipts(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	type cursorJSON struct {
		Device string `json:"device"`
		Email  string `json:"email"`
		Seq    int64  `json:"seq"`
	}
	out := make([]cursorJSON, 0, len(members))
	for _, x := range members {
		out = append(out, cursorJSON{Device: x.Device, Email: x.Email, Seq: x.Cursor})
	}
	return reply(w, http.StatusOK, map[string]any{"cursors": out})
}

func (s *Server) handleWelcomes(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	ws, err := m.Welcomes(r.Context(), p)
	if err != nil {
		return err
	}
	out := wire.Welcomes{Welcomes: make([]wire.Welcome, 0, len(ws))}
	for _, x := range ws {
		out.Welcomes = append(out.Welcomes, messaging.WelcomeOut(x))
	}
	return reply(w, http.StatusOK, out)
}

func (s *Server) handleDeleteWelcome(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	if err := m.DeleteWelcome(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handlePutAttachment(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/octet-stream" {
		return fault.Invalidf("Send the encrypted attachment as the body with Content-Type: application/octet-stream.")
	}
	limit := m.Limits().MaxAttachment
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fault.Wrap(fault.Invalid, "Attachments are limited to "+strconv.FormatInt(limit>>20, 10)+" MiB.", err)
	}
	if err != nil {
		return fault.Wrap(fault.Invalid, "The attachment could not be read; send it again.", err)
	}
	id, err := m.PutAttachment(r.Context(), p, r.PathValue("id"), data)
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, map[string]string{"id": id})
}

func (s *Server) handleGetAttachment(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	a, err := m.Attachment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(int64(len(a.Data)), 10))
	_, err = w.Write(a.Data)
	return err
}

func (s *Server) handlePushSubscribe(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in struct {
		Endpoint string `json:"endpoint"`
		Keys     struct {
			P256DH string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sub := messaging.PushSubscription{Endpoint: in.Endpoint, P256DH: in.Keys.P256DH, Auth: in.Keys.Auth}
	if err := m.Subscribe(r.Context(), p, sub, s.cfg.PushHTTPLoopback); err != nil {
		return err
	}
	return reply(w, http.StatusCreated, map[string]string{})
}

func (s *Server) handlePushUnsubscribe(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	if err := m.Unsubscribe(r.Context(), p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleVAPID(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, map[string]string{"public_key": m.VAPIDPublicKey()})
}

func (s *Server) handlePoll(w http.ResponseWriter, r *http.Request, p *identity.Principal) error {
	m, err := s.msg()
	if err != nil {
		return err
	}
	var in struct {
		Cursors     map[string]int64 `json:"cursors"`
		WaitSeconds int              `json:"wait_seconds"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if len(in.Cursors) > 10000 {
		return fault.Invalidf("Send at most 10000 cursors in one poll.")
	}
	if in.WaitSeconds < 0 || in.WaitSeconds > int(messaging.MaxPollWait/time.Second) {
		return fault.Invalidf("Give wait_seconds from 0 (the default, 25) to 55.")
	}
	res, err := m.Poll(r.Context(), p, in.Cursors, time.Duration(in.WaitSeconds)*time.Second)
	if err != nil {
		return err
	}
	if res.Changed == nil {
		res.Changed = []string{}
	}
	return reply(w, http.StatusOK, map[string]any{"changed": res.Changed, "welcomes": res.Welcomes})
}
