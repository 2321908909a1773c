package mls

// Interoperability tests against an independent MLS implementation: npm
// ts-mls 1.6.4 under Node, driven through internal/mls/interop/peer.mjs over
// the line protocol described in internal/mls/interop/PROTOCOL.md.
//
// Prerequisites: node on PATH and `npm ci --prefix internal/mls/interop`.
// Without them the tests are skipped, except when the CI environment
// variable is set (to anything), where they fail.

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	interopDir         = "interop"
	interopPeerScript  = "peer.mjs"
	interopCallTimeout = 30 * time.Second
	interopStopTimeout = 10 * time.Second
	// interopTSMLSVersion is the ts-mls version package-lock.json pins.
	interopTSMLSVersion = "1.6.4"
)

// interopNodeVersion caches `node --version`.
var interopNodeVersion struct {
	once    sync.Once
	version string
	err     error
}

// interopNode returns the path of node after checking that the interop
// peer's dependencies are installed. When they are not, the test is skipped,
// or fails when CI is set.
func interopNode(t testing.TB) string {
	t.Helper()
	missing := func(reason string) {
		t.Helper()
		const fix = "run `npm ci --prefix internal/mls/interop` (Node >= 20.19)"
		if _, ci := os.LookupEnv("CI"); ci {
			t.Fatalf("MLS interop tests cannot run in CI: %s; the CI job must %s before `go test`", reason, fix)
		}
		t.Skipf("MLS interop tests skipped: %s; %s to enable them", reason, fix)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	interopNodeVersion.once.Do(func() {
		out, err := exec.Command(node, "--version").Output()
		interopNodeVersion.version = strings.TrimSpace(string(out))
		interopNodeVersion.err = err
	})
	if interopNodeVersion.err != nil {
		missing(fmt.Sprintf("%s --version: %v", node, interopNodeVersion.err))
	}
	var major, minor int
	if _, err := fmt.Sscanf(interopNodeVersion.version, "v%d.%d", &major, &minor); err != nil || major < 20 || major == 20 && minor < 19 {
		missing(fmt.Sprintf("node %s is too old (ts-mls needs Node >= 20.19)", interopNodeVersion.version))
	}
	for _, f := range []string{
		filepath.Join(interopDir, interopPeerScript),
		filepath.Join(interopDir, "node_modules", "ts-mls", "package.json"),
		filepath.Join(interopDir, "node_modules", "@noble", "hashes", "package.json"),
	} {
		if _, err := os.Stat(f); err != nil {
			missing(fmt.Sprintf("%s is missing", filepath.Join("internal/mls", f)))
		}
	}
	return node
}

// peerHex is a byte string carried as hex in the peer protocol.
type peerHex []byte

func (h peerHex) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

func (h *peerHex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// peerMember is one entry of the state summary's member list.
type peerMember struct {
	LeafIndex    uint32  `json:"leaf_index"`
	Identity     string  `json:"identity"`
	SignatureKey peerHex `json:"signature_key"`
}

// peerResponse holds every field any peer operation returns.
type peerResponse struct {
	ID    int    `json:"id"`
	OK    bool   `json:"ok"`
	Error string `json:"error"`

	KeyPackage   peerHex `json:"key_package"`
	SignatureKey peerHex `json:"signature_key"`
	Commit       peerHex `json:"commit"`
	Proposal     peerHex `json:"proposal"`
	Welcome      peerHex `json:"welcome"`
	GroupInfo    peerHex `json:"group_info"`
	RatchetTree  peerHex `json:"ratchet_tree"`
	Message      peerHex `json:"message"`
	Plaintext    peerHex `json:"plaintext"`
	Secret       peerHex `json:"secret"`
	Kind         string  `json:"kind"`

	Epoch                   uint64       `json:"epoch"`
	EpochAuthenticator      peerHex      `json:"epoch_authenticator"`
	GroupID                 peerHex      `json:"group_id"`
	LeafIndex               uint32       `json:"leaf_index"`
	Active                  bool         `json:"active"`
	GroupState              string       `json:"group_state"`
	TreeHash                peerHex      `json:"tree_hash"`
	ConfirmedTranscriptHash peerHex      `json:"confirmed_transcript_hash"`
	Members                 []peerMember `json:"members"`

	Implementation string `json:"implementation"`
	Version        string `json:"version"`
	CipherSuite    uint16 `json:"cipher_suite"`

	raw []byte // the response line
}

// peerArgs are the fields of a request besides op and id. Byte strings are
// given as []byte and sent as hex.
type peerArgs map[string]any

// peerErrorResponse is a request the peer answered with ok:false.
type peerErrorResponse struct {
	Op      string
	Message string
}

func (e *peerErrorResponse) Error() string { return fmt.Sprintf("peer %s: %s", e.Op, e.Message) }

// syncBuffer collects a child's stderr.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// interopPeer is one running ts-mls peer process.
type interopPeer struct {
	t       testing.TB
	name    string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	lines   chan []byte // response lines; closed when stdout ends
	stderr  *syncBuffer
	nextID  int
	timeout time.Duration
	broken  error // set once the stream can no longer be trusted
	stopped bool
}

// startInteropPeer starts a peer process, checks that it answers, and stops
// it when the test ends.
func startInteropPeer(t testing.TB, name string) *interopPeer {
	t.Helper()
	node := interopNode(t)
	cmd := exec.Command(node, interopPeerScript)
	cmd.Dir = interopDir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("peer %s: %v", name, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("peer %s: %v", name, err)
	}
	p := &interopPeer{
		t:       t,
		name:    name,
		cmd:     cmd,
		stdin:   stdin,
		lines:   make(chan []byte, 1),
		stderr:  new(syncBuffer),
		timeout: interopCallTimeout,
	}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("peer %s: start %s: %v", name, node, err)
	}
	go func() {
		defer close(p.lines)
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				p.lines <- line
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(p.stop)
	hello, err := p.call("hello", nil)
	if err != nil {
		t.Fatalf("peer %s does not answer: %v", name, err)
	}
	if hello.Implementation != "ts-mls" || hello.Version != interopTSMLSVersion || hello.CipherSuite != 1 {
		t.Fatalf("peer %s: unexpected hello %+v", name, hello)
	}
	return p
}

// call sends one request and waits for its response. A peer that answers
// ok:false gives a *peerErrorResponse; a peer that does not answer within
// the timeout, exits, or answers out of turn gives another error, after
// which every call fails.
func (p *interopPeer) call(op string, args peerArgs) (*peerResponse, error) {
	if p.broken != nil {
		return nil, p.broken
	}
	p.nextID++
	id := p.nextID
	req := map[string]any{"id": id, "op": op}
	for k, v := range args {
		req[k] = peerHexify(v)
	}
	line, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("peer %s: %s: encode request: %w", p.name, op, err)
	}
	if _, err := p.stdin.Write(append(line, '\n')); err != nil {
		p.broken = fmt.Errorf("peer %s: %s: write request: %w; stderr:\n%s", p.name, op, err, p.stderr.String())
		return nil, p.broken
	}
	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	var raw []byte
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.broken = fmt.Errorf("peer %s: %s: peer exited without answering; stderr:\n%s", p.name, op, p.stderr.String())
			return nil, p.broken
		}
		raw = l
	case <-timer.C:
		p.broken = fmt.Errorf("peer %s: %s: no response within %v; stderr:\n%s", p.name, op, p.timeout, p.stderr.String())
		return nil, p.broken
	}
	var resp peerResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		p.broken = fmt.Errorf("peer %s: %s: bad response %q: %w", p.name, op, raw, err)
		return nil, p.broken
	}
	resp.raw = raw
	if resp.ID != id {
		p.broken = fmt.Errorf("peer %s: %s: response for request %d, want %d", p.name, op, resp.ID, id)
		return nil, p.broken
	}
	if !resp.OK {
		return &resp, &peerErrorResponse{Op: op, Message: resp.Error}
	}
	return &resp, nil
}

// peerHexify turns the byte strings in a request value, at any depth of
// slices and maps, into hex strings.
func peerHexify(v any) any {
	switch v := v.(type) {
	case []byte:
		return hex.EncodeToString(v)
	case [][]byte:
		out := make([]string, len(v))
		for i, b := range v {
			out[i] = hex.EncodeToString(b)
		}
		return out
	case peerArgs:
		return peerHexify(map[string]any(v))
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = peerHexify(x)
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = peerHexify(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = peerHexify(x)
		}
		return out
	}
	return v
}

// must is call that fails the test on any error.
func (p *interopPeer) must(op string, args peerArgs) *peerResponse {
	p.t.Helper()
	resp, err := p.call(op, args)
	if err != nil {
		p.t.Fatal(err)
	}
	return resp
}

// mustFail is call that fails the test unless the peer answers ok:false,
// and returns the peer's error message.
func (p *interopPeer) mustFail(op string, args peerArgs) string {
	p.t.Helper()
	_, err := p.call(op, args)
	var perr *peerErrorResponse
	if !errors.As(err, &perr) {
		p.t.Fatalf("peer %s: %s: want an error response, got %v", p.name, op, err)
	}
	return perr.Message
}

// stop asks the peer to exit and kills it if it does not.
func (p *interopPeer) stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	if p.broken == nil {
		p.timeout = interopStopTimeout
		if _, err := p.call("shutdown", nil); err != nil {
			p.t.Logf("peer %s: shutdown: %v", p.name, err)
		}
	}
	p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			p.t.Logf("peer %s exited: %v; stderr:\n%s", p.name, err, p.stderr.String())
		}
	case <-time.After(interopStopTimeout):
		p.cmd.Process.Kill()
		<-done
		p.t.Errorf("peer %s did not exit; killed", p.name)
	}
}

// identity creates the peer's identity and returns its KeyPackage
// (MLSMessage).
func (p *interopPeer) identity(name string) []byte {
	p.t.Helper()
	return p.must("create_identity", peerArgs{"identity": name}).KeyPackage
}

// epoch returns the peer's epoch and epoch authenticator.
func (p *interopPeer) epoch() (uint64, []byte) {
	p.t.Helper()
	r := p.must("epoch", nil)
	return r.Epoch, r.EpochAuthenticator
}

// export returns MLS-Exporter(label, context, length) of the peer's epoch.
func (p *interopPeer) export(label string, context []byte, length int) []byte {
	p.t.Helper()
	return p.must("export", peerArgs{"label": label, "context": context, "length": length}).Secret
}

// protect encrypts an application message and returns the MLSMessage.
func (p *interopPeer) protect(plaintext []byte) []byte {
	p.t.Helper()
	return p.must("protect", peerArgs{"plaintext": plaintext}).Message
}

// unprotect decrypts an application message from another member.
func (p *interopPeer) unprotect(msg []byte) []byte {
	p.t.Helper()
	return p.must("unprotect", peerArgs{"message": msg}).Plaintext
}

// process applies a handshake message from another member.
func (p *interopPeer) process(msg []byte) *peerResponse {
	p.t.Helper()
	return p.must("process", peerArgs{"message": msg})
}

// interopSameEpoch fails the test unless two peers agree on the epoch and
// its authenticator.
func interopSameEpoch(t testing.TB, a, b *interopPeer) {
	t.Helper()
	ea, aa := a.epoch()
	eb, ab := b.epoch()
	if ea != eb || !bytes.Equal(aa, ab) {
		t.Fatalf("%s at epoch %d (authenticator %x), %s at epoch %d (authenticator %x)", a.name, ea, aa, b.name, eb, ab)
	}
}

// TestInteropPeerHarness drives two ts-mls peers against each other through
// the Go side of the harness: it proves the process plumbing and the peer
// protocol the Go implementation is tested with.
func TestInteropPeerHarness(t *testing.T) {
	t.Parallel()
	alice := startInteropPeer(t, "alice")
	bob := startInteropPeer(t, "bob")

	if msg := alice.mustFail("no_such_op", nil); !strings.Contains(msg, "unknown op") {
		t.Errorf("unknown op: got error %q", msg)
	}

	alice.identity("alice")
	bobKP := bob.identity("bob")
	groupID := []byte("switchboard interop harness")
	if r := alice.must("create_group", peerArgs{"group_id": groupID}); r.Epoch != 0 || !bytes.Equal(r.GroupID, groupID) {
		t.Fatalf("create_group: epoch %d, group id %x", r.Epoch, r.GroupID)
	}
	add := alice.must("add_member", peerArgs{"key_package": bobKP})
	if len(add.Commit) == 0 || len(add.Welcome) == 0 || len(add.RatchetTree) == 0 {
		t.Fatalf("add_member: commit %d, welcome %d, ratchet tree %d bytes", len(add.Commit), len(add.Welcome), len(add.RatchetTree))
	}
	joined := bob.must("join", peerArgs{"welcome": add.Welcome, "ratchet_tree": add.RatchetTree})
	if joined.LeafIndex != 1 || len(joined.Members) != 2 {
		t.Fatalf("join: leaf %d, members %+v", joined.LeafIndex, joined.Members)
	}
	interopSameEpoch(t, alice, bob)

	for i, m := range []struct {
		from, to *interopPeer
		text     string
	}{{alice, bob, "bleep: ward 7"}, {bob, alice, "on my way"}, {bob, alice, "ETA 5 minutes"}} {
		if got := m.to.unprotect(m.from.protect([]byte(m.text))); string(got) != m.text {
			t.Fatalf("message %d: got %q, want %q", i, got, m.text)
		}
	}
	if a, b := alice.export("switchboard", []byte("ctx"), 32), bob.export("switchboard", []byte("ctx"), 32); !bytes.Equal(a, b) || len(a) != 32 {
		t.Fatalf("exporter: %x vs %x", a, b)
	}

	upd := alice.must("commit_update", nil)
	if r := bob.process(upd.Commit); r.Kind != "commit" || r.Epoch != 2 {
		t.Fatalf("process update: kind %q epoch %d", r.Kind, r.Epoch)
	}
	interopSameEpoch(t, alice, bob)

	rem := alice.must("remove_member", peerArgs{"leaf_index": 1})
	if r := bob.process(rem.Commit); r.Active {
		t.Fatalf("bob still active after being removed: %+v", r)
	}
	if e, _ := alice.epoch(); e != 3 {
		t.Fatalf("alice at epoch %d after the remove, want 3", e)
	}
}

// TestInteropKeyPackageLeafNode decodes KeyPackages made by ts-mls (with and
// without GREASE values in every capability list) with the Go codec: the
// leaf node must decode, carry the right credential, verify, and re-encode
// to the same bytes.
func TestInteropKeyPackageLeafNode(t *testing.T) {
	t.Parallel()
	for _, grease := range []string{"none", "all"} {
		t.Run("grease="+grease, func(t *testing.T) {
			p := startInteropPeer(t, "kp-"+grease)
			kp := p.must("create_identity", peerArgs{"identity": "dr.jones@switchboard.test", "grease": grease})

			// MLSMessage { version, wire_format = mls_key_package(5), KeyPackage }
			// KeyPackage { version, cipher_suite, init_key, leaf_node, extensions, signature }
			d := NewDecoder(kp.KeyPackage)
			version, wireFormat := d.Uint16(), d.Uint16()
			kpVersion, suite := d.Uint16(), d.Uint16()
			initKey := d.Opaque()
			start := len(kp.KeyPackage) - d.Len()
			var leaf LeafNode
			leaf.Decode(d)
			leafBytes := kp.KeyPackage[start : len(kp.KeyPackage)-d.Len()]
			var exts Extensions
			exts.Decode(d)
			sigStart := len(kp.KeyPackage) - d.Len()
			sig := d.Opaque()
			if err := d.Finish(); err != nil {
				t.Fatalf("decode ts-mls KeyPackage: %v", err)
			}
			if version != ProtocolVersionMLS10 || wireFormat != 5 || kpVersion != ProtocolVersionMLS10 || suite != 1 {
				t.Fatalf("header: version %d, wire format %d, key package version %d, suite %d", version, wireFormat, kpVersion, suite)
			}
			if len(initKey) != 32 || len(sig) != 64 {
				t.Fatalf("init key %d bytes, signature %d bytes", len(initKey), len(sig))
			}
			if leaf.Source != LeafNodeSourceKeyPackage {
				t.Fatalf("leaf node source %d", leaf.Source)
			}
			if leaf.Credential.Type != CredentialTypeBasic || string(leaf.Credential.Identity) != "dr.jones@switchboard.test" {
				t.Fatalf("credential %+v", leaf.Credential)
			}
			if !bytes.Equal(leaf.SignatureKey, kp.SignatureKey) {
				t.Fatalf("signature key %x, peer says %x", leaf.SignatureKey, kp.SignatureKey)
			}
			if err := leaf.VerifySignature(nil, 0); err != nil {
				t.Fatalf("leaf node signature: %v", err)
			}
			if got := leaf.Bytes(); !bytes.Equal(got, leafBytes) {
				t.Fatalf("leaf node re-encodes differently:\n got %x\nwant %x", got, leafBytes)
			}
			tbs := kp.KeyPackage[4:sigStart]
			if err := VerifyWithLabel(leaf.SignatureKey, "KeyPackageTBS", tbs, sig); err != nil {
				t.Fatalf("KeyPackage signature: %v", err)
			}
			if grease == "all" && len(leaf.Capabilities.Extensions) != 15 {
				t.Fatalf("want the 15 GREASE extension types kept, got %v", leaf.Capabilities.Extensions)
			}
		})
	}
}

// interopCheckMessage decodes an MLSMessage produced by ts-mls with the Go
// codec and checks that it has the expected wire format and re-encodes to
// the same bytes.
func interopCheckMessage(t testing.TB, what string, b []byte, want WireFormat) *MLSMessage {
	t.Helper()
	m, err := DecodeMLSMessage(b)
	if err != nil {
		t.Fatalf("%s: Go cannot decode the ts-mls message: %v\n%x", what, err, b)
	}
	if m.WireFormat != want {
		t.Fatalf("%s: wire format %d, want %d", what, m.WireFormat, want)
	}
	if got := m.Bytes(); !bytes.Equal(got, b) {
		t.Fatalf("%s: Go re-encodes the ts-mls message differently:\n got %x\nwant %x", what, got, b)
	}
	return m
}

// interopCheckTree decodes the ts-mls member's ratchet tree and GroupContext
// with the Go code and checks them: same tree hash, valid parent hashes, a
// tree a joiner would accept, and identical re-encoding.
func interopCheckTree(t testing.TB, what string, p *interopPeer) {
	t.Helper()
	st := p.must("state", nil)
	var s struct {
		GroupContext peerHex `json:"group_context"`
		RatchetTree  peerHex `json:"ratchet_tree"`
	}
	raw, err := p.callRaw("secrets", nil)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s: %v", what, err)
	}

	var gc GroupContext
	if err := decodeAll(s.GroupContext, gc.Decode); err != nil {
		t.Fatalf("%s: Go cannot decode the ts-mls GroupContext: %v", what, err)
	}
	if !bytes.Equal(gc.Bytes(), s.GroupContext) {
		t.Fatalf("%s: GroupContext re-encodes differently", what)
	}
	if gc.Epoch != st.Epoch || !bytes.Equal(gc.GroupID, st.GroupID) || !bytes.Equal(gc.TreeHash, st.TreeHash) {
		t.Fatalf("%s: GroupContext %+v does not match the peer's state %+v", what, gc, st)
	}

	tree, err := DecodeRatchetTree(s.RatchetTree)
	if err != nil {
		t.Fatalf("%s: Go cannot decode the ts-mls ratchet tree: %v\n%x", what, err, s.RatchetTree)
	}
	if got := tree.Bytes(); !bytes.Equal(got, s.RatchetTree) {
		t.Fatalf("%s: ratchet tree re-encodes differently:\n got %x\nwant %x", what, got, s.RatchetTree)
	}
	if got := tree.TreeHash(); !bytes.Equal(got, st.TreeHash) {
		t.Fatalf("%s: tree hash: Go %x, ts-mls %x", what, got, st.TreeHash)
	}
	if err := tree.VerifyParentHashes(); err != nil {
		t.Fatalf("%s: parent hashes of the ts-mls tree: %v", what, err)
	}
	if err := tree.Validate(TreeCheck{GroupID: st.GroupID}); err != nil {
		t.Fatalf("%s: Go rejects the ts-mls tree: %v", what, err)
	}
	if n := len(tree.Members()); n != len(st.Members) {
		t.Fatalf("%s: Go sees %d members, ts-mls %d", what, n, len(st.Members))
	}
}

// callRaw is call returning the raw response line, for fields peerResponse
// does not name.
func (p *interopPeer) callRaw(op string, args peerArgs) ([]byte, error) {
	resp, err := p.call(op, args)
	if err != nil {
		return nil, err
	}
	return resp.raw, nil
}

// TestInteropWireCodecs runs a group of four ts-mls members through adds,
// updates (public and private commits), removes inline and by reference,
// and application messages, and checks that the Go code decodes and
// re-encodes every message exactly, and agrees with ts-mls on the ratchet
// tree, tree hash, parent hashes and GroupContext in every epoch.
func TestInteropWireCodecs(t *testing.T) {
	t.Parallel()
	names := []string{"alice", "bob", "carol", "dave"}
	peers := make([]*interopPeer, len(names))
	kps := make([][]byte, len(names))
	for i, n := range names {
		peers[i] = startInteropPeer(t, n)
		grease := "none"
		if i%2 == 1 {
			grease = "all"
		}
		kps[i] = peers[i].must("create_identity", peerArgs{"identity": n, "grease": grease}).KeyPackage
		m := interopCheckMessage(t, n+" key package", kps[i], WireFormatKeyPackage)
		if err := m.KeyPackage.Validate(LeafNodeCheck{Now: uint64(time.Now().Unix())}); err != nil {
			t.Fatalf("%s key package: Go rejects it: %v", n, err)
		}
	}
	a := peers[0]
	a.must("create_group", peerArgs{"group_id": []byte("wire codecs")})
	interopCheckTree(t, "epoch 0", a)

	members := []*interopPeer{a}
	// broadcast hands a handshake message to every member but the sender.
	broadcast := func(from *interopPeer, msg []byte) {
		t.Helper()
		for _, m := range members {
			if m != from {
				m.process(msg)
			}
		}
	}
	for i := 1; i < len(peers); i++ {
		wire := []string{"public", "private"}[i%2]
		add := a.must("add_member", peerArgs{"key_package": kps[i], "wire": wire, "ratchet_tree_extension": i == 3})
		interopCheckMessage(t, "add commit", add.Commit, map[string]WireFormat{"public": WireFormatPublicMessage, "private": WireFormatPrivateMessage}[wire])
		interopCheckMessage(t, "welcome", add.Welcome, WireFormatWelcome)
		broadcast(a, add.Commit)
		peers[i].must("join", peerArgs{"welcome": add.Welcome, "ratchet_tree": add.RatchetTree})
		members = append(members, peers[i])
		interopCheckTree(t, fmt.Sprintf("after adding %s", names[i]), a)
	}
	for _, m := range members[1:] {
		interopSameEpoch(t, a, m)
	}

	for i, m := range members {
		msg := m.protect([]byte("hello from " + names[i]))
		interopCheckMessage(t, "application message", msg, WireFormatPrivateMessage)
		for _, o := range members {
			if o != m {
				o.unprotect(msg)
			}
		}
	}

	for i, wire := range []string{"public", "private"} {
		c := members[1+i]
		upd := c.must("commit_update", peerArgs{"wire": wire})
		interopCheckMessage(t, "update commit", upd.Commit, []WireFormat{WireFormatPublicMessage, WireFormatPrivateMessage}[i])
		broadcast(c, upd.Commit)
		interopCheckTree(t, names[1+i]+" updated", a)
	}

	// carol removes bob by reference; then dave removes carol inline.
	rem := members[2].must("remove_member", peerArgs{"leaf_index": 1, "by_reference": true})
	interopCheckMessage(t, "remove proposal", rem.Proposal, WireFormatPublicMessage)
	interopCheckMessage(t, "remove commit", rem.Commit, WireFormatPublicMessage)
	broadcast(members[2], rem.Proposal)
	broadcast(members[2], rem.Commit)
	members = []*interopPeer{members[0], members[2], members[3]}
	interopCheckTree(t, "bob removed", a)
	rem = members[2].must("remove_member", peerArgs{"leaf_index": 2, "wire": "private"})
	broadcast(members[2], rem.Commit)
	members = []*interopPeer{members[0], members[2]}
	interopCheckTree(t, "carol removed", a)
	interopSameEpoch(t, members[0], members[1])
}

// interopGoMember is a member run by the Go implementation.
type interopGoMember struct {
	t    testing.TB
	name string
	cfg  Config
	kp   *KeyPackage
	priv *KeyPackagePrivate
	g    *Group
}

func newInteropGoMember(t testing.TB, name string, cfg Config) *interopGoMember {
	t.Helper()
	sigPriv, _, err := GenerateSignatureKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	kp, priv, err := NewKeyPackage(NewBasicCredential([]byte(name)), sigPriv, time.Now(), 24*time.Hour)
	if err != nil {
		t.Fatalf("%s: NewKeyPackage: %v", name, err)
	}
	m := &interopGoMember{t: t, name: name, cfg: cfg, kp: kp, priv: priv}
	t.Cleanup(func() {
		if m.g != nil {
			m.g.Close()
		}
	})
	return m
}

// keyPackage returns the member's KeyPackage as an MLSMessage.
func (m *interopGoMember) keyPackage() []byte {
	return (&MLSMessage{Version: ProtocolVersionMLS10, WireFormat: WireFormatKeyPackage, KeyPackage: m.kp}).Bytes()
}

func (m *interopGoMember) create(groupID []byte) {
	m.t.Helper()
	g, err := CreateGroup(m.cfg, groupID, m.kp, m.priv)
	if err != nil {
		m.t.Fatalf("%s: CreateGroup: %v", m.name, err)
	}
	m.g = g
}

// join joins from a ts-mls Welcome; tree may be nil when the Welcome
// carries the ratchet_tree extension.
func (m *interopGoMember) join(welcome, tree []byte) {
	m.t.Helper()
	msg, err := DecodeMLSMessage(welcome)
	if err != nil || msg.Welcome == nil {
		m.t.Fatalf("%s: decode ts-mls Welcome: %v (wire format %v)", m.name, err, msg)
	}
	var rt *RatchetTree
	if tree != nil {
		if rt, err = DecodeRatchetTree(tree); err != nil {
			m.t.Fatalf("%s: decode ts-mls ratchet tree: %v", m.name, err)
		}
	}
	g, err := JoinGroup(m.cfg, msg.Welcome, m.kp, m.priv, rt)
	if err != nil {
		m.t.Fatalf("%s: JoinGroup from the ts-mls Welcome: %v", m.name, err)
	}
	m.g = g
}

// process hands the Go member a message made by ts-mls.
func (m *interopGoMember) process(msg []byte) *Received {
	m.t.Helper()
	r, err := m.g.Process(msg)
	if err != nil {
		m.t.Fatalf("%s: processing a ts-mls message: %v", m.name, err)
	}
	return r
}

// commit creates a commit and, as a delivery service accepting it would
// allow, merges it at once.
func (m *interopGoMember) commit(opts CommitOptions) *CommitOutput {
	m.t.Helper()
	out, err := m.g.Commit(opts)
	if err != nil {
		m.t.Fatalf("%s: Commit: %v", m.name, err)
	}
	if err := m.g.MergePendingCommit(); err != nil {
		m.t.Fatalf("%s: MergePendingCommit: %v", m.name, err)
	}
	return out
}

// restore replaces the member's Group with one rebuilt from its
// serialised state, as a client restarting from its key store would.
func (m *interopGoMember) restore() {
	m.t.Helper()
	state, err := m.g.MarshalState()
	if err != nil {
		m.t.Fatalf("%s: MarshalState: %v", m.name, err)
	}
	g, err := RestoreGroup(m.cfg, state)
	if err != nil {
		m.t.Fatalf("%s: RestoreGroup: %v", m.name, err)
	}
	m.g.Close()
	m.g = g
}

func (m *interopGoMember) protect(text string) []byte {
	m.t.Helper()
	msg, err := m.g.Protect([]byte(text), nil)
	if err != nil {
		m.t.Fatalf("%s: Protect: %v", m.name, err)
	}
	return msg
}

// interopAgree fails the test unless the Go member and the ts-mls peer are
// in the same epoch with the same epoch authenticator, tree hash, members
// and exporter output. On disagreement it shows both GroupContexts.
func interopAgree(t testing.TB, what string, m *interopGoMember, p *interopPeer) {
	t.Helper()
	st := p.must("state", nil)
	gc := m.g.Context()
	if m.g.Epoch() != st.Epoch || !bytes.Equal(m.g.EpochAuthenticator(), st.EpochAuthenticator) {
		raw, _ := p.callRaw("secrets", nil)
		var s struct {
			GroupContext peerHex `json:"group_context"`
		}
		json.Unmarshal(raw, &s)
		t.Fatalf("%s: Go %s at epoch %d (authenticator %x), ts-mls %s at epoch %d (authenticator %x)\nGo GroupContext     %x\nts-mls GroupContext %x",
			what, m.name, m.g.Epoch(), m.g.EpochAuthenticator(), p.name, st.Epoch, st.EpochAuthenticator, gc.Bytes(), s.GroupContext)
	}
	if !bytes.Equal(gc.TreeHash, st.TreeHash) {
		t.Fatalf("%s: tree hash: Go %x, ts-mls %x", what, gc.TreeHash, st.TreeHash)
	}
	if !bytes.Equal(gc.ConfirmedTranscriptHash, st.ConfirmedTranscriptHash) {
		t.Fatalf("%s: confirmed transcript hash: Go %x, ts-mls %x", what, gc.ConfirmedTranscriptHash, st.ConfirmedTranscriptHash)
	}
	var goMembers, tsMembers []string
	for _, mem := range m.g.Members() {
		goMembers = append(goMembers, fmt.Sprintf("%d:%s", mem.Leaf, mem.Credential.Identity))
	}
	for _, mem := range st.Members {
		tsMembers = append(tsMembers, fmt.Sprintf("%d:%s", mem.LeafIndex, mem.Identity))
	}
	if strings.Join(goMembers, ",") != strings.Join(tsMembers, ",") {
		t.Fatalf("%s: members: Go %v, ts-mls %v", what, goMembers, tsMembers)
	}
	goExp, err := m.g.Export("switchboard interop", []byte(what), 32)
	if err != nil {
		t.Fatalf("%s: Go Export: %v", what, err)
	}
	if tsExp := p.export("switchboard interop", []byte(what), 32); !bytes.Equal(goExp, tsExp) {
		t.Fatalf("%s: exporter: Go %x, ts-mls %x", what, goExp, tsExp)
	}
}

// interopWire names the peer's wire option for a Config.
func interopWire(cfg Config) string {
	if !cfg.PublicHandshake {
		return "private"
	}
	return "public"
}

// interopMessagesBothWays sends application messages from the Go member to
// the ts-mls peer and back.
func interopMessagesBothWays(t testing.TB, what string, m *interopGoMember, p *interopPeer) {
	t.Helper()
	for i := range 3 {
		text := fmt.Sprintf("%s: Go %s to ts-mls %s #%d", what, m.name, p.name, i)
		if got := string(p.unprotect(m.protect(text))); got != text {
			t.Fatalf("ts-mls decrypted %q, want %q", got, text)
		}
	}
	for i := range 3 {
		text := fmt.Sprintf("%s: ts-mls %s to Go %s #%d", what, p.name, m.name, i)
		r := m.process(p.protect([]byte(text)))
		if r.ContentType != ContentApplication || string(r.ApplicationData) != text {
			t.Fatalf("Go received %v %q, want application %q", r.ContentType, r.ApplicationData, text)
		}
		if st := p.must("state", nil); r.Sender.Index != st.LeafIndex {
			t.Fatalf("Go sees sender leaf %d, ts-mls is leaf %d", r.Sender.Index, st.LeafIndex)
		}
	}
}

// TestInteropGoCreatesGroup: a Go member creates the group and adds ts-mls
// members by their KeyPackages; they exchange application messages both
// ways; both sides commit updates; Go adds and removes members; every
// epoch's authenticator, tree hash, transcript hash and exporter agree.
func TestInteropGoCreatesGroup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cfg    Config
		inTree bool
	}{
		{"public handshake, tree beside the Welcome", Config{Now: time.Now, PublicHandshake: true, AcceptAnyCredential: true}, false},
		{"private handshake, padding, tree in the Welcome", Config{Now: time.Now, PaddingBlock: 32, AcceptAnyCredential: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wire := interopWire(tc.cfg)
			alice := newInteropGoMember(t, "alice", tc.cfg)
			bob := startInteropPeer(t, "bob")
			carol := startInteropPeer(t, "carol")
			bob.configure(wire)
			carol.configure(wire)
			bobKP := bob.identity("bob")
			carolKP := carol.must("create_identity", peerArgs{"identity": "carol", "grease": "all"}).KeyPackage

			alice.create([]byte("go-created " + wire))
			add := alice.commit(CommitOptions{Add: []*KeyPackage{interopKeyPackage(t, bobKP)}, RatchetTreeInWelcome: tc.inTree})
			if add.Welcome == nil {
				t.Fatal("Go made no Welcome for an Add")
			}
			join := peerArgs{"welcome": add.Welcome}
			if !tc.inTree {
				join["ratchet_tree"] = alice.g.RatchetTree()
			}
			if j := bob.must("join", join); j.LeafIndex != 1 {
				t.Fatalf("ts-mls joined at leaf %d, want 1", j.LeafIndex)
			}
			interopAgree(t, "bob joined", alice, bob)
			interopMessagesBothWays(t, "epoch 1", alice, bob)

			// Go commits an update with a path.
			upd := alice.commit(CommitOptions{ForcePath: true})
			if r := bob.process(upd.Commit); r.Kind != "commit" {
				t.Fatalf("ts-mls processed the Go update as %q", r.Kind)
			}
			interopAgree(t, "Go update", alice, bob)

			// ts-mls commits an update; Go follows.
			if r := alice.process(bob.must("commit_update", nil).Commit); !r.NewEpoch {
				t.Fatal("Go did not move to a new epoch on the ts-mls update")
			}
			interopAgree(t, "ts-mls update", alice, bob)
			interopMessagesBothWays(t, "after updates", alice, bob)

			// Go adds carol (GREASE in her capabilities) and then removes bob.
			add = alice.commit(CommitOptions{Add: []*KeyPackage{interopKeyPackage(t, carolKP)}, RatchetTreeInWelcome: tc.inTree})
			bob.process(add.Commit)
			join = peerArgs{"welcome": add.Welcome}
			if !tc.inTree {
				join["ratchet_tree"] = alice.g.RatchetTree()
			}
			carol.must("join", join)
			interopAgree(t, "carol joined (bob's view)", alice, bob)
			interopAgree(t, "carol joined (carol's view)", alice, carol)
			interopMessagesBothWays(t, "three members", alice, carol)
			if got := string(bob.unprotect(carol.protect([]byte("carol to bob")))); got != "carol to bob" {
				t.Fatalf("bob got %q", got)
			}

			rem := alice.commit(CommitOptions{Remove: []uint32{1}})
			if r := bob.process(rem.Commit); r.Active {
				t.Fatal("ts-mls bob still active after Go removed him")
			}
			carol.process(rem.Commit)
			interopAgree(t, "bob removed", alice, carol)
			interopMessagesBothWays(t, "after remove", alice, carol)

			// ts-mls carol removes the Go member.
			rem2 := carol.must("remove_member", peerArgs{"leaf_index": 0})
			if r := alice.process(rem2.Commit); !r.Removed {
				t.Fatalf("Go alice not told she was removed: %+v", r)
			}
			if alice.g.Active() {
				t.Fatal("Go alice still active after being removed")
			}
		})
	}
}

// TestInteropTSCreatesGroup: a ts-mls member creates the group and adds a
// Go member, which joins from the Welcome; ts-mls commits an update, adds
// and removes another member (inline and by reference), and the Go member
// follows every epoch with the same epoch authenticator.
func TestInteropTSCreatesGroup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cfg    Config
		wire   string
		inTree bool
	}{
		{"public handshake, tree beside the Welcome", Config{Now: time.Now, PublicHandshake: true, AcceptAnyCredential: true}, "public", false},
		{"private handshake, tree in the Welcome", Config{Now: time.Now, AcceptAnyCredential: true}, "private", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alice := startInteropPeer(t, "alice")
			carol := startInteropPeer(t, "carol")
			dave := startInteropPeer(t, "dave")
			for _, p := range []*interopPeer{alice, carol, dave} {
				p.configure(tc.wire)
			}
			alice.identity("alice")
			carolKP := carol.identity("carol")
			daveKP := dave.must("create_identity", peerArgs{"identity": "dave", "grease": "all"}).KeyPackage
			bob := newInteropGoMember(t, "bob", tc.cfg)

			alice.must("create_group", peerArgs{"group_id": []byte("ts-created " + tc.wire)})
			add := alice.must("add_member", peerArgs{"key_package": bob.keyPackage(), "ratchet_tree_extension": tc.inTree})
			if tc.inTree {
				bob.join(add.Welcome, nil)
			} else {
				bob.join(add.Welcome, add.RatchetTree)
			}
			if bob.g.OwnLeaf() != 1 {
				t.Fatalf("Go joined at leaf %d, want 1", bob.g.OwnLeaf())
			}
			interopAgree(t, "Go joined", bob, alice)
			interopMessagesBothWays(t, "epoch 1", bob, alice)

			// ts-mls commits an update.
			if r := bob.process(alice.must("commit_update", nil).Commit); !r.NewEpoch || r.ContentType != ContentCommit {
				t.Fatalf("Go on the ts-mls update: %+v", r)
			}
			interopAgree(t, "ts-mls update", bob, alice)
			interopMessagesBothWays(t, "after update", bob, alice)

			// ts-mls adds carol (an add-only commit, no path); Go follows.
			add = alice.must("add_member", peerArgs{"key_package": carolKP, "ratchet_tree_extension": tc.inTree})
			bob.process(add.Commit)
			carol.must("join", peerArgs{"welcome": add.Welcome, "ratchet_tree": add.RatchetTree})
			interopAgree(t, "carol added", bob, alice)
			interopAgree(t, "carol added (carol's view)", bob, carol)
			interopMessagesBothWays(t, "with carol", bob, carol)

			// The Go member commits an update; both ts-mls members follow.
			upd := bob.commit(CommitOptions{ForcePath: true})
			alice.process(upd.Commit)
			carol.process(upd.Commit)
			interopAgree(t, "Go update", bob, alice)
			interopAgree(t, "Go update (carol's view)", bob, carol)

			// The Go member's state survives being stored and restored.
			bob.restore()
			interopAgree(t, "Go restored from MarshalState", bob, alice)

			// ts-mls removes carol inline.
			rem := alice.must("remove_member", peerArgs{"leaf_index": 2})
			bob.process(rem.Commit)
			carol.process(rem.Commit)
			interopAgree(t, "carol removed", bob, alice)

			// ts-mls adds dave (GREASE), then removes him by reference:
			// a Remove proposal, then a commit that refers to it.
			add = alice.must("add_member", peerArgs{"key_package": daveKP, "ratchet_tree_extension": tc.inTree})
			bob.process(add.Commit)
			dave.must("join", peerArgs{"welcome": add.Welcome, "ratchet_tree": add.RatchetTree})
			interopAgree(t, "dave added", bob, alice)
			interopAgree(t, "dave added (dave's view)", bob, dave)
			rem = alice.must("remove_member", peerArgs{"leaf_index": 2, "by_reference": true})
			if r := bob.process(rem.Proposal); r.ContentType != ContentProposal || r.Proposal == nil {
				t.Fatalf("Go on the ts-mls Remove proposal: %+v", r)
			}
			dave.process(rem.Proposal)
			bob.process(rem.Commit)
			dave.process(rem.Commit)
			interopAgree(t, "dave removed by reference", bob, alice)
			interopMessagesBothWays(t, "two again", bob, alice)

			// ts-mls removes the Go member.
			rem = alice.must("remove_member", peerArgs{"leaf_index": 1})
			if r := bob.process(rem.Commit); !r.Removed {
				t.Fatalf("Go bob not told he was removed: %+v", r)
			}
		})
	}
}

// interopKeyPackage decodes a ts-mls KeyPackage (MLSMessage) for the Go side.
func interopKeyPackage(t testing.TB, b []byte) *KeyPackage {
	t.Helper()
	m := interopCheckMessage(t, "ts-mls key package", b, WireFormatKeyPackage)
	return m.KeyPackage
}

// configure sets the peer's default handshake wire format.
func (p *interopPeer) configure(wire string) {
	p.t.Helper()
	p.must("configure", peerArgs{"wire": wire})
}

// TestInteropProposals: proposals made on one side are committed by the
// other. The Go member proposes Remove, Update and Add and a ts-mls member
// commits them; ts-mls members propose Remove and Add and the Go member
// commits them (by reference) and sends the Welcome.
func TestInteropProposals(t *testing.T) {
	t.Parallel()
	alice := startInteropPeer(t, "alice")
	carol := startInteropPeer(t, "carol")
	dave := startInteropPeer(t, "dave")
	erin := startInteropPeer(t, "erin")
	bob := newInteropGoMember(t, "bob", Config{Now: time.Now, PublicHandshake: true, AcceptAnyCredential: true})
	alice.identity("alice")
	carolKP := carol.identity("carol")
	daveKP := dave.identity("dave")
	erinKP := erin.identity("erin")

	alice.must("create_group", peerArgs{"group_id": []byte("proposals")})
	add := alice.must("add_member", peerArgs{"key_package": bob.keyPackage()})
	bob.join(add.Welcome, add.RatchetTree)
	add = alice.must("add_member", peerArgs{"key_package": carolKP})
	bob.process(add.Commit)
	carol.must("join", peerArgs{"welcome": add.Welcome, "ratchet_tree": add.RatchetTree})
	interopAgree(t, "three members", bob, alice)

	// Go proposes removing carol; ts-mls alice commits the proposal.
	prop, err := bob.g.ProposeRemove(2)
	if err != nil {
		t.Fatalf("ProposeRemove: %v", err)
	}
	if r := alice.process(prop); r.Kind != "proposal" {
		t.Fatalf("ts-mls processed the Go proposal as %q", r.Kind)
	}
	carol.process(prop)
	com := alice.must("commit", nil)
	bob.process(com.Commit)
	if r := carol.process(com.Commit); r.Active {
		t.Fatal("carol still active")
	}
	interopAgree(t, "Go's Remove committed by ts-mls", bob, alice)

	// Go proposes an Update of its own leaf; ts-mls commits it.
	if prop, err = bob.g.ProposeUpdate(); err != nil {
		t.Fatalf("ProposeUpdate: %v", err)
	}
	alice.process(prop)
	com = alice.must("commit", nil)
	// A restart between proposing and the commit keeps the Update's key.
	bob.restore()
	bob.process(com.Commit)
	interopAgree(t, "Go's Update committed by ts-mls", bob, alice)
	interopMessagesBothWays(t, "after Go's Update", bob, alice)
	// The new leaf key must work: a path commit from ts-mls encrypts to it.
	bob.process(alice.must("commit_update", nil).Commit)
	interopAgree(t, "ts-mls path after Go's Update", bob, alice)

	// Go proposes adding dave; ts-mls commits and sends the Welcome.
	if prop, err = bob.g.ProposeAdd(interopKeyPackage(t, daveKP)); err != nil {
		t.Fatalf("ProposeAdd: %v", err)
	}
	alice.process(prop)
	com = alice.must("commit", nil)
	if len(com.Welcome) == 0 {
		t.Fatal("ts-mls made no Welcome for the Go Add proposal")
	}
	bob.process(com.Commit)
	dave.must("join", peerArgs{"welcome": com.Welcome, "ratchet_tree": com.RatchetTree})
	interopAgree(t, "Go's Add committed by ts-mls", bob, alice)
	interopAgree(t, "Go's Add committed by ts-mls (dave's view)", bob, dave)

	// ts-mls proposes removing dave and adding erin; Go commits both by
	// reference and its Welcome brings erin in.
	p1 := alice.must("propose_remove", peerArgs{"leaf_index": 2}).Proposal
	p2 := dave.must("propose_add", peerArgs{"key_package": erinKP}).Proposal
	for _, p := range [][]byte{p1, p2} {
		if r := bob.process(p); r.ContentType != ContentProposal {
			t.Fatalf("Go on a ts-mls proposal: %+v", r)
		}
	}
	alice.process(p2)
	dave.process(p1)
	out := bob.commit(CommitOptions{})
	if out.Welcome == nil {
		t.Fatal("Go made no Welcome committing the ts-mls Add proposal")
	}
	alice.process(out.Commit)
	// erin takes dave's freed leaf (removes apply before adds, RFC 9420
	// §12.3), and ts-mls then fails to notice its own removal: it checks
	// for a blank leaf. Either outcome is fine for dave here.
	if r, err := dave.call("process", peerArgs{"message": out.Commit}); err == nil && r.Active {
		t.Fatal("dave still active")
	} else if err != nil {
		t.Logf("removed ts-mls member whose leaf was reused: %v", err)
	}
	erin.must("join", peerArgs{"welcome": out.Welcome, "ratchet_tree": bob.g.RatchetTree()})
	interopAgree(t, "ts-mls proposals committed by Go", bob, alice)
	interopAgree(t, "ts-mls proposals committed by Go (erin's view)", bob, erin)
	interopMessagesBothWays(t, "with erin", bob, erin)
}

// TestInteropCompetingCommits: the Go member and a ts-mls member commit in
// the same epoch and the delivery service orders the ts-mls commit first;
// the Go member discards its own and follows. (ts-mls applies its own
// commits at once, so the other order cannot be played with it.)
func TestInteropCompetingCommits(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true}, {AcceptAnyCredential: true, SkipLifetimes: true}} {
		t.Run(interopWire(cfg), func(t *testing.T) {
			t.Parallel()
			alice := startInteropPeer(t, "alice")
			alice.configure(interopWire(cfg))
			bob := newInteropGoMember(t, "bob", cfg)
			bob.create([]byte("race"))
			add := bob.commit(CommitOptions{Add: []*KeyPackage{interopKeyPackage(t, alice.identity("alice"))}})
			alice.must("join", peerArgs{"welcome": add.Welcome, "ratchet_tree": bob.g.RatchetTree()})

			if _, err := bob.g.Commit(CommitOptions{ForcePath: true}); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			theirs := alice.must("commit_update", nil).Commit
			if _, err := bob.g.Process(theirs); !errors.Is(err, ErrPendingCommit) {
				// Processing another commit while ours is pending may be
				// refused; if it was accepted, the pending one is gone.
				if err != nil {
					t.Fatalf("Process with a pending commit: %v", err)
				}
			} else {
				bob.g.DiscardPendingCommit()
				bob.process(theirs)
			}
			interopAgree(t, "ts-mls commit won", bob, alice)
			interopMessagesBothWays(t, "after the race", bob, alice)
		})
	}
}

// TestInteropGroupContextExtensions: a GroupContextExtensions commit from
// Go carries an UpdatePath and ts-mls follows it; the same commit from
// ts-mls lacks the UpdatePath RFC 9420 requires, and Go must refuse it.
func TestInteropGroupContextExtensions(t *testing.T) {
	t.Parallel()
	alice := startInteropPeer(t, "alice")
	bob := newInteropGoMember(t, "bob", Config{PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true})
	bob.create([]byte("extensions"))
	add := bob.commit(CommitOptions{Add: []*KeyPackage{interopKeyPackage(t, alice.identity("alice"))}})
	alice.must("join", peerArgs{"welcome": add.Welcome, "ratchet_tree": bob.g.RatchetTree()})

	// required_capabilities with empty lists: supported by every member.
	ext := Extensions{{ExtensionType: ExtensionRequiredCapabilities, Data: []byte{0, 0, 0}}}
	out := bob.commit(CommitOptions{SetExtensions: true, Extensions: ext})
	m := interopCheckMessage(t, "Go GroupContextExtensions commit", out.Commit, WireFormatPublicMessage)
	if c := m.PublicMessage.Content.Commit; c == nil || c.Path == nil {
		t.Fatal("Go's GroupContextExtensions commit has no UpdatePath (RFC 9420 requires one; ts-mls would not notice)")
	}
	alice.process(out.Commit)
	interopAgree(t, "Go GroupContextExtensions", bob, alice)
	if gc := bob.g.Context(); len(gc.Extensions) != 1 || gc.Extensions[0].ExtensionType != ExtensionRequiredCapabilities {
		t.Fatalf("Go GroupContext extensions %+v", gc.Extensions)
	}

	bad := alice.must("commit_extensions", peerArgs{"extensions": []map[string]any{{"type": 3, "data": "000000"}}}).Commit
	m = interopCheckMessage(t, "ts-mls GroupContextExtensions commit", bad, WireFormatPublicMessage)
	if m.PublicMessage.Content.Commit.Path != nil {
		t.Log("ts-mls now sends an UpdatePath with GroupContextExtensions")
	} else if _, err := bob.g.Process(bad); err == nil {
		t.Fatal("Go accepted a GroupContextExtensions commit without an UpdatePath")
	} else {
		t.Logf("Go refuses the path-less GroupContextExtensions commit: %v", err)
	}
}

// TestInteropOutOfOrder: application messages arrive out of order, with
// authenticated data, in both directions; a message of the previous epoch
// arrives after a commit (read with Config.PastEpochs, refused without).
func TestInteropOutOfOrder(t *testing.T) {
	t.Parallel()
	alice := startInteropPeer(t, "alice")
	bob := newInteropGoMember(t, "bob", Config{PastEpochs: 1, PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true})
	alice.identity("alice")
	alice.must("create_group", peerArgs{"group_id": []byte("out of order")})
	add := alice.must("add_member", peerArgs{"key_package": bob.keyPackage()})
	bob.join(add.Welcome, add.RatchetTree)

	var msgs [][]byte
	for i := range 6 {
		msgs = append(msgs, alice.must("protect", peerArgs{
			"plaintext":          []byte(fmt.Sprintf("message %d", i)),
			"authenticated_data": []byte(fmt.Sprintf("ad %d", i)),
		}).Message)
	}
	for _, i := range []int{5, 0, 3, 1, 4, 2} {
		r := bob.process(msgs[i])
		if string(r.ApplicationData) != fmt.Sprintf("message %d", i) || string(r.AuthenticatedData) != fmt.Sprintf("ad %d", i) {
			t.Fatalf("message %d: got %q with authenticated data %q", i, r.ApplicationData, r.AuthenticatedData)
		}
	}
	// Each message key is used once.
	if _, err := bob.g.Process(msgs[3]); err == nil {
		t.Fatal("Go decrypted a replayed message")
	}
	// Go to ts-mls with authenticated data, out of order.
	var back [][]byte
	for i := range 4 {
		msg, err := bob.g.Protect([]byte(fmt.Sprintf("reply %d", i)), []byte("ad"))
		if err != nil {
			t.Fatal(err)
		}
		back = append(back, msg)
	}
	for _, i := range []int{3, 1, 0, 2} {
		if got := string(alice.unprotect(back[i])); got != fmt.Sprintf("reply %d", i) {
			t.Fatalf("ts-mls got %q", got)
		}
	}
	interopAgree(t, "after out-of-order messages", bob, alice)

	// Late messages: sent in one epoch, delivered after the commit that
	// ends it, in both directions.
	late := alice.protect([]byte("late from ts-mls"))
	lateGo := bob.protect("late from Go")
	bob.process(alice.must("commit_update", nil).Commit)
	if r := bob.process(late); string(r.ApplicationData) != "late from ts-mls" {
		t.Fatalf("Go read the late message as %q", r.ApplicationData)
	}
	if got := string(alice.unprotect(lateGo)); got != "late from Go" {
		t.Fatalf("ts-mls read the late message as %q", got)
	}
	interopAgree(t, "after late messages", bob, alice)

	// Without PastEpochs, the Go member refuses a message of an old epoch.
	carol := newInteropGoMember(t, "carol", Config{PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true})
	add = alice.must("add_member", peerArgs{"key_package": carol.keyPackage()})
	bob.process(add.Commit)
	carol.join(add.Welcome, add.RatchetTree)
	late = alice.protect([]byte("too late"))
	upd := alice.must("commit_update", nil).Commit
	bob.process(upd)
	carol.process(upd)
	if _, err := carol.g.Process(late); !errors.Is(err, ErrWrongEpoch) {
		t.Fatalf("Go without PastEpochs on a message of the previous epoch: %v, want ErrWrongEpoch", err)
	}
	interopAgree(t, "three members", carol, alice)
	interopAgree(t, "three members (bob)", bob, alice)
}

// TestInteropExternalJoin: a Go client joins a ts-mls-created group by
// external commit from a ts-mls GroupInfo, and a ts-mls client joins by
// external commit from a Go GroupInfo (with the tree inside and beside).
// The peer signs its GroupInfo with the RFC encoding of external_pub and
// reads either encoding (see PROTOCOL.md); ts-mls's own encoding must be
// refused by Go.
func TestInteropExternalJoin(t *testing.T) {
	t.Parallel()
	alice := startInteropPeer(t, "alice")
	dave := startInteropPeer(t, "dave")
	erin := startInteropPeer(t, "erin")
	alice.identity("alice")
	dave.identity("dave")
	erin.identity("erin")
	cfg := Config{Now: time.Now, PublicHandshake: true, AcceptAnyCredential: true}
	bob := newInteropGoMember(t, "bob", cfg)

	alice.must("create_group", peerArgs{"group_id": []byte("external joins")})
	add := alice.must("add_member", peerArgs{"key_package": bob.keyPackage()})
	bob.join(add.Welcome, add.RatchetTree)

	// Go carol joins from the ts-mls GroupInfo, tree beside it.
	gi := alice.must("group_info", nil)
	m := interopCheckMessage(t, "ts-mls GroupInfo", gi.GroupInfo, WireFormatGroupInfo)
	tree, err := DecodeRatchetTree(gi.RatchetTree)
	if err != nil {
		t.Fatal(err)
	}
	sigPriv, _, err := GenerateSignatureKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	// ts-mls's own GroupInfo puts the bare key in external_pub, without the
	// opaque<V> length of RFC 9420 §12.4.3.2; Go must not take it.
	bare := interopCheckMessage(t, "ts-mls GroupInfo, bare external_pub", alice.must("group_info", peerArgs{"external_pub": "ts-mls"}).GroupInfo, WireFormatGroupInfo)
	if _, _, err := JoinExternal(cfg, bare.GroupInfo, tree, NewBasicCredential([]byte("carol")), sigPriv); err == nil {
		t.Fatal("Go joined from a GroupInfo whose external_pub lacks its length")
	}
	cg, commit, err := JoinExternal(cfg, m.GroupInfo, tree, NewBasicCredential([]byte("carol")), sigPriv)
	if err != nil {
		t.Fatalf("Go JoinExternal from the ts-mls GroupInfo: %v", err)
	}
	carol := &interopGoMember{t: t, name: "carol", cfg: cfg, g: cg}
	t.Cleanup(cg.Close)
	if r := alice.process(commit); r.Kind != "commit" {
		t.Fatalf("ts-mls on the Go external commit: %q", r.Kind)
	}
	bob.process(commit)
	interopAgree(t, "Go joined externally", carol, alice)
	interopAgree(t, "Go joined externally (bob's view)", bob, alice)
	interopMessagesBothWays(t, "external Go member", carol, alice)

	// ts-mls dave joins from a Go GroupInfo carrying the tree.
	giGo, err := bob.g.GroupInfo(true)
	if err != nil {
		t.Fatalf("Go GroupInfo: %v", err)
	}
	ext := dave.must("join_external", peerArgs{"group_info": giGo})
	alice.process(ext.Commit)
	bob.process(ext.Commit)
	carol.process(ext.Commit)
	interopAgree(t, "ts-mls joined externally from a Go GroupInfo", bob, dave)
	interopAgree(t, "ts-mls joined externally (carol's view)", carol, dave)
	interopAgree(t, "ts-mls joined externally (alice's view)", bob, alice)

	// ts-mls erin joins from a Go GroupInfo without the tree, sent beside.
	if giGo, err = carol.g.GroupInfo(false); err != nil {
		t.Fatalf("Go GroupInfo: %v", err)
	}
	ext = erin.must("join_external", peerArgs{"group_info": giGo, "ratchet_tree": carol.g.RatchetTree()})
	for _, p := range []*interopPeer{alice, dave} {
		p.process(ext.Commit)
	}
	bob.process(ext.Commit)
	carol.process(ext.Commit)
	interopAgree(t, "second external ts-mls join", carol, erin)
	interopAgree(t, "second external ts-mls join (bob)", bob, erin)
	interopMessagesBothWays(t, "five members", bob, erin)
}

// TestInteropTampered: ts-mls messages altered in transit (membership tag,
// signature, confirmation tag, encrypted content, sender data) are refused
// by the Go member without changing its state, after which the genuine
// messages are processed normally.
func TestInteropTampered(t *testing.T) {
	t.Parallel()
	alice := startInteropPeer(t, "alice")
	bob := newInteropGoMember(t, "bob", Config{PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true})
	alice.identity("alice")
	alice.must("create_group", peerArgs{"group_id": []byte("tampering")})
	add := alice.must("add_member", peerArgs{"key_package": bob.keyPackage()})
	bob.join(add.Welcome, add.RatchetTree)

	refuse := func(what string, orig []byte, alter func(m *MLSMessage)) {
		t.Helper()
		m, err := DecodeMLSMessage(orig)
		if err != nil {
			t.Fatal(err)
		}
		alter(m)
		bad := m.Bytes()
		if bytes.Equal(bad, orig) {
			t.Fatalf("%s: alteration changed nothing", what)
		}
		epoch, auth := bob.g.Epoch(), bob.g.EpochAuthenticator()
		if _, err := bob.g.Process(bad); err == nil {
			t.Fatalf("%s: Go accepted the altered message", what)
		}
		if bob.g.Epoch() != epoch || !bytes.Equal(bob.g.EpochAuthenticator(), auth) {
			t.Fatalf("%s: the refused message changed Go's state", what)
		}
	}
	flip := func(b []byte, i int) { b[(i+len(b))%len(b)] ^= 0x01 }

	// A public commit from ts-mls.
	upd := alice.must("commit_update", peerArgs{"wire": "public"}).Commit
	refuse("membership tag", upd, func(m *MLSMessage) { flip(m.PublicMessage.MembershipTag, 0) })
	refuse("signature", upd, func(m *MLSMessage) { flip(m.PublicMessage.Auth.Signature, 7) })
	refuse("confirmation tag", upd, func(m *MLSMessage) { flip(m.PublicMessage.Auth.ConfirmationTag, -1) })
	refuse("epoch", upd, func(m *MLSMessage) { m.PublicMessage.Content.Epoch++ })
	refuse("sender", upd, func(m *MLSMessage) { m.PublicMessage.Content.Sender.Index = 1 })
	refuse("update path", upd, func(m *MLSMessage) {
		flip(m.PublicMessage.Content.Commit.Path.Nodes[0].EncryptionKey, 3)
	})
	bob.process(upd)
	interopAgree(t, "genuine public commit after tampered copies", bob, alice)

	// A private commit and an application message from ts-mls.
	upd = alice.must("commit_update", peerArgs{"wire": "private"}).Commit
	// Bytes 0..31 of the ciphertext are the sample the sender-data key is
	// derived from; a later byte leaves the sender data readable, so the
	// content key is looked up and the content AEAD must fail.
	refuse("private commit ciphertext sample", upd, func(m *MLSMessage) { flip(m.PrivateMessage.Ciphertext, 10) })
	refuse("private commit ciphertext tail", upd, func(m *MLSMessage) { flip(m.PrivateMessage.Ciphertext, -1) })
	refuse("private commit sender data", upd, func(m *MLSMessage) { flip(m.PrivateMessage.EncryptedSenderData, 2) })
	refuse("private commit content type", upd, func(m *MLSMessage) { m.PrivateMessage.ContentType = ContentProposal })
	genuine := func(what string, msg []byte) *Received {
		t.Helper()
		r, err := bob.g.Process(msg)
		if err != nil {
			t.Fatalf("%s: Go cannot process the genuine message after refusing altered copies: %v\n"+
				"(a PrivateMessage that fails to decrypt must not consume its generation's key; "+
				"otherwise anyone on the path can destroy messages before they arrive)", what, err)
		}
		return r
	}
	genuine("private commit", upd)
	interopAgree(t, "genuine private commit after tampered copies", bob, alice)

	app := alice.protect([]byte("genuine"))
	refuse("application ciphertext", app, func(m *MLSMessage) { flip(m.PrivateMessage.Ciphertext, -1) })
	refuse("application authenticated data", app, func(m *MLSMessage) { m.PrivateMessage.AuthenticatedData = []byte("x") })
	refuse("application group id", app, func(m *MLSMessage) { m.PrivateMessage.GroupID = []byte("another group") })
	if r := genuine("application message", app); string(r.ApplicationData) != "genuine" {
		t.Fatalf("genuine message after tampered copies: %q", r.ApplicationData)
	}

	// And ts-mls refuses an altered Go message.
	msg := bob.protect("from Go")
	m, _ := DecodeMLSMessage(msg)
	flip(m.PrivateMessage.Ciphertext, 5)
	if e := alice.mustFail("unprotect", peerArgs{"message": m.Bytes()}); e == "" {
		t.Fatal("empty error")
	}
	if got := string(alice.unprotect(msg)); got != "from Go" {
		t.Fatalf("ts-mls got %q", got)
	}
}

// interopParty is a group member on either side, for the randomised test.
type interopParty interface {
	label() string
	leaf() uint32
	epoch() (uint64, []byte)
	protectText(text string) []byte
	// receive processes a message from another member; for application
	// messages it returns the plaintext, and it reports removal.
	receive(msg []byte) (plaintext string, removed bool)
	commitAdd(kp []byte) (commit, welcome, tree []byte)
	commitRemove(leaf uint32) []byte
	commitUpdate() []byte
	export() []byte
}

type interopGoParty struct{ *interopGoMember }

func (p interopGoParty) label() string { return "Go " + p.name }
func (p interopGoParty) leaf() uint32  { return p.g.OwnLeaf() }
func (p interopGoParty) epoch() (uint64, []byte) {
	return p.g.Epoch(), p.g.EpochAuthenticator()
}
func (p interopGoParty) protectText(text string) []byte { return p.protect(text) }
func (p interopGoParty) receive(msg []byte) (string, bool) {
	r := p.process(msg)
	return string(r.ApplicationData), r.Removed
}
func (p interopGoParty) commitAdd(kp []byte) ([]byte, []byte, []byte) {
	out := p.commit(CommitOptions{Add: []*KeyPackage{interopKeyPackage(p.t, kp)}})
	return out.Commit, out.Welcome, p.g.RatchetTree()
}
func (p interopGoParty) commitRemove(leaf uint32) []byte {
	return p.commit(CommitOptions{Remove: []uint32{leaf}}).Commit
}
func (p interopGoParty) commitUpdate() []byte { return p.commit(CommitOptions{ForcePath: true}).Commit }
func (p interopGoParty) export() []byte {
	b, err := p.g.Export("random", nil, 16)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

type interopTSParty struct{ *interopPeer }

func (p interopTSParty) label() string { return "ts-mls " + p.name }
func (p interopTSParty) leaf() uint32  { return p.must("state", nil).LeafIndex }
func (p interopTSParty) epoch() (uint64, []byte) {
	return p.interopPeer.epoch()
}
func (p interopTSParty) protectText(text string) []byte { return p.protect([]byte(text)) }
func (p interopTSParty) receive(msg []byte) (string, bool) {
	r := p.process(msg)
	return string(r.Plaintext), r.Kind == "commit" && !r.Active
}
func (p interopTSParty) commitAdd(kp []byte) ([]byte, []byte, []byte) {
	r := p.must("add_member", peerArgs{"key_package": kp})
	return r.Commit, r.Welcome, r.RatchetTree
}
func (p interopTSParty) commitRemove(leaf uint32) []byte {
	return p.must("remove_member", peerArgs{"leaf_index": leaf}).Commit
}
func (p interopTSParty) commitUpdate() []byte { return p.must("commit_update", nil).Commit }
func (p interopTSParty) export() []byte       { return p.interopPeer.export("random", nil, 16) }

// TestInteropRandomized plays seeded random sequences of adds, removes,
// updates and application messages in groups mixing Go and ts-mls
// members (each with its own handshake wire format), and checks after
// every commit that all members agree on the epoch, its authenticator and
// an exporter output. This reaches tree shapes (blanks, unmerged leaves,
// truncation) the scripted tests do not.
func TestInteropRandomized(t *testing.T) {
	t.Parallel()
	const steps = 40
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			n := 0
			newParty := func(goSide bool) (interopParty, []byte) {
				n++
				name := fmt.Sprintf("m%d", n)
				if goSide {
					m := newInteropGoMember(t, name, Config{Now: time.Now, PublicHandshake: rng.IntN(2) != 0, PastEpochs: 1, AcceptAnyCredential: true})
					return interopGoParty{m}, m.keyPackage()
				}
				p := startInteropPeer(t, name)
				p.configure([]string{"public", "private"}[rng.IntN(2)])
				return interopTSParty{p}, p.identity(name)
			}
			join := func(p interopParty, welcome, tree []byte) {
				switch p := p.(type) {
				case interopGoParty:
					p.join(welcome, tree)
				case interopTSParty:
					p.must("join", peerArgs{"welcome": welcome, "ratchet_tree": tree})
				}
			}

			first, _ := newParty(seed%2 == 0)
			switch p := first.(type) {
			case interopGoParty:
				p.create([]byte(fmt.Sprintf("random %d", seed)))
			case interopTSParty:
				p.must("create_group", peerArgs{"group_id": []byte(fmt.Sprintf("random %d", seed))})
			}
			members := []interopParty{first}
			var log []string

			check := func() {
				t.Helper()
				e0, a0 := members[0].epoch()
				x0 := members[0].export()
				for _, m := range members[1:] {
					e, a := m.epoch()
					if e != e0 || !bytes.Equal(a, a0) || !bytes.Equal(m.export(), x0) {
						t.Fatalf("after %v:\n%s at epoch %d (%x), %s at epoch %d (%x)", log, members[0].label(), e0, a0, m.label(), e, a)
					}
				}
			}
			broadcast := func(from interopParty, msg []byte) (removed []interopParty) {
				t.Helper()
				for _, m := range members {
					if m == from {
						continue
					}
					if _, gone := m.receive(msg); gone {
						removed = append(removed, m)
					}
				}
				return removed
			}

			for step := 0; step < steps; step++ {
				from := members[rng.IntN(len(members))]
				switch k := rng.IntN(10); {
				case k < 3 && len(members) > 1:
					text := fmt.Sprintf("step %d from %s", step, from.label())
					msg := from.protectText(text)
					for _, m := range members {
						if m != from {
							if got, _ := m.receive(msg); got != text {
								t.Fatalf("after %v: %s read %q, want %q", log, m.label(), got, text)
							}
						}
					}
					continue
				case k < 6 && len(members) < 8 || len(members) == 1:
					p, kp := newParty(rng.IntN(2) == 0)
					log = append(log, fmt.Sprintf("%s adds %s", from.label(), p.label()))
					commit, welcome, tree := from.commitAdd(kp)
					broadcast(from, commit)
					join(p, welcome, tree)
					members = append(members, p)
				case k < 8 && len(members) > 2:
					var target interopParty
					for target == nil || target == from {
						target = members[rng.IntN(len(members))]
					}
					leaf := target.leaf()
					log = append(log, fmt.Sprintf("%s removes %s (leaf %d)", from.label(), target.label(), leaf))
					removed := broadcast(from, from.commitRemove(leaf))
					if len(removed) != 1 || removed[0] != target {
						t.Fatalf("after %v: removal reported by %d members", log, len(removed))
					}
					members = slices.DeleteFunc(members, func(m interopParty) bool { return m == target })
				default:
					log = append(log, fmt.Sprintf("%s updates", from.label()))
					broadcast(from, from.commitUpdate())
				}
				check()
			}
			t.Logf("seed %d: %d commits, %d members at the end", seed, len(log), len(members))
		})
	}
}

// TestInteropPSK: external and resumption pre-shared keys in commits and
// Welcomes, both ways.
func TestInteropPSK(t *testing.T) {
	t.Parallel()
	pskID, pskSecret := []byte("ward 7 team psk"), bytes.Repeat([]byte{0x42}, 32)
	cfg := Config{ExternalPSK: func(id []byte) ([]byte, bool) {
		if bytes.Equal(id, pskID) {
			return pskSecret, true
		}
		return nil, false
	}, PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true}
	alice := startInteropPeer(t, "alice")
	carol := startInteropPeer(t, "carol")
	for _, p := range []*interopPeer{alice, carol} {
		p.must("add_psk", peerArgs{"psk_id": pskID, "secret": pskSecret})
	}
	alice.identity("alice")
	carolKP := carol.identity("carol")
	bob := newInteropGoMember(t, "bob", cfg)
	ext := []map[string]any{{"psk_id": hex.EncodeToString(pskID)}}

	alice.must("create_group", peerArgs{"group_id": []byte("psk")})
	add := alice.must("add_member", peerArgs{"key_package": bob.keyPackage(), "psks": ext})
	bob.join(add.Welcome, add.RatchetTree)
	interopAgree(t, "Go joined with an external PSK", bob, alice)

	bob.process(alice.must("commit_psk", peerArgs{"psks": ext}).Commit)
	interopAgree(t, "ts-mls external PSK commit", bob, alice)

	e, _ := bob.epoch()
	res := []map[string]any{{"resumption_epoch": e - 1}, {"psk_id": hex.EncodeToString(pskID)}}
	bob.process(alice.must("commit_psk", peerArgs{"psks": res}).Commit)
	interopAgree(t, "ts-mls resumption and external PSK commit", bob, alice)

	alice.process(bob.commit(CommitOptions{ExternalPSKs: [][]byte{pskID}}).Commit)
	interopAgree(t, "Go external PSK commit", bob, alice)

	out := bob.commit(CommitOptions{Add: []*KeyPackage{interopKeyPackage(t, carolKP)}, ExternalPSKs: [][]byte{pskID}})
	alice.process(out.Commit)
	carol.must("join", peerArgs{"welcome": out.Welcome, "ratchet_tree": bob.g.RatchetTree()})
	interopAgree(t, "ts-mls joined with an external PSK from Go", bob, carol)
	interopAgree(t, "ts-mls joined with an external PSK from Go (alice)", bob, alice)
}

// epoch returns the Go member's epoch and epoch authenticator.
func (m *interopGoMember) epoch() (uint64, []byte) { return m.g.Epoch(), m.g.EpochAuthenticator() }

// TestInteropMultipleJoiners: one commit adds several members, Go and
// ts-mls mixed, from each side (Go's with an UpdatePath, so each joiner
// gets the path secret of its common ancestor with the committer); later
// path commits from joiners on both sides show every joiner holds the
// right keys.
func TestInteropMultipleJoiners(t *testing.T) {
	t.Parallel()
	alice := startInteropPeer(t, "alice")
	alice.identity("alice")
	bob := newInteropGoMember(t, "bob", Config{PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true})

	alice.must("create_group", peerArgs{"group_id": []byte("many joiners")})
	add := alice.must("add_member", peerArgs{"key_package": bob.keyPackage()})
	bob.join(add.Welcome, add.RatchetTree)
	bob.process(alice.must("commit_update", nil).Commit)

	// ts-mls adds Go carol, ts-mls dave and Go erin at once.
	carol := newInteropGoMember(t, "carol", Config{AcceptAnyCredential: true, SkipLifetimes: true})
	dave := startInteropPeer(t, "dave")
	erin := newInteropGoMember(t, "erin", Config{PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true})
	add = alice.must("add_member", peerArgs{"key_packages": [][]byte{carol.keyPackage(), dave.identity("dave"), erin.keyPackage()}})
	bob.process(add.Commit)
	carol.join(add.Welcome, add.RatchetTree)
	dave.must("join", peerArgs{"welcome": add.Welcome, "ratchet_tree": add.RatchetTree})
	erin.join(add.Welcome, add.RatchetTree)
	goMembers := []*interopGoMember{bob, carol, erin}
	tsMembers := []*interopPeer{alice, dave}
	agreeAll := func(what string) {
		t.Helper()
		for _, g := range goMembers {
			for _, p := range tsMembers {
				interopAgree(t, what, g, p)
			}
		}
	}
	agreeAll("ts-mls added three")

	// Go bob adds ts-mls frank, Go gina and ts-mls hank at once, with a path.
	frank := startInteropPeer(t, "frank")
	gina := newInteropGoMember(t, "gina", Config{PublicHandshake: true, AcceptAnyCredential: true, SkipLifetimes: true})
	hank := startInteropPeer(t, "hank")
	out := bob.commit(CommitOptions{ForcePath: true, Add: []*KeyPackage{
		interopKeyPackage(t, frank.identity("frank")), gina.kp, interopKeyPackage(t, hank.identity("hank")),
	}})
	for _, p := range tsMembers {
		p.process(out.Commit)
	}
	carol.process(out.Commit)
	erin.process(out.Commit)
	tree := bob.g.RatchetTree()
	frank.must("join", peerArgs{"welcome": out.Welcome, "ratchet_tree": tree})
	gina.join(out.Welcome, tree)
	hank.must("join", peerArgs{"welcome": out.Welcome, "ratchet_tree": tree})
	goMembers = append(goMembers, gina)
	tsMembers = append(tsMembers, frank, hank)
	agreeAll("Go added three")

	// Path commits by joiners of each batch, on each side.
	for _, c := range []any{dave, gina, hank, carol} {
		var commit []byte
		switch c := c.(type) {
		case *interopPeer:
			commit = c.must("commit_update", nil).Commit
			for _, p := range tsMembers {
				if p != c {
					p.process(commit)
				}
			}
			for _, g := range goMembers {
				g.process(commit)
			}
		case *interopGoMember:
			commit = c.commit(CommitOptions{ForcePath: true}).Commit
			for _, p := range tsMembers {
				p.process(commit)
			}
			for _, g := range goMembers {
				if g != c {
					g.process(commit)
				}
			}
		}
		agreeAll("joiner update")
	}
	// Application messages between joiners of different batches.
	if got := string(frank.unprotect(erin.protect("erin to frank"))); got != "erin to frank" {
		t.Fatalf("frank got %q", got)
	}
	if r := carol.process(hank.protect([]byte("hank to carol"))); string(r.ApplicationData) != "hank to carol" {
		t.Fatalf("carol got %q", r.ApplicationData)
	}
}

// TestInteropResyncAndLeave: members that lost their state rejoin by an
// external commit that also removes their old leaf (Go from a ts-mls
// GroupInfo, ts-mls from a Go GroupInfo), and members leave by proposing
// their own removal (Go's proposal committed by ts-mls and the reverse).
func TestInteropResyncAndLeave(t *testing.T) {
	t.Parallel()
	alice := startInteropPeer(t, "alice")
	carol := startInteropPeer(t, "carol")
	alice.identity("alice")
	cfg := Config{Now: time.Now, PublicHandshake: true, AcceptAnyCredential: true}
	bob := newInteropGoMember(t, "bob", cfg)
	dave := newInteropGoMember(t, "dave", cfg)

	alice.must("create_group", peerArgs{"group_id": []byte("resync and leave")})
	add := alice.must("add_member", peerArgs{"key_packages": [][]byte{bob.keyPackage(), carol.identity("carol"), dave.keyPackage()}})
	bob.join(add.Welcome, add.RatchetTree)
	carol.must("join", peerArgs{"welcome": add.Welcome, "ratchet_tree": add.RatchetTree})
	dave.join(add.Welcome, add.RatchetTree)
	interopAgree(t, "four members", bob, alice)

	// Go bob loses his state and rejoins from a ts-mls GroupInfo.
	oldLeaf := bob.g.OwnLeaf()
	bob.g.Close()
	gi := alice.must("group_info", peerArgs{"ratchet_tree_extension": true})
	m := interopCheckMessage(t, "ts-mls GroupInfo", gi.GroupInfo, WireFormatGroupInfo)
	g, commit, err := RejoinExternal(cfg, m.GroupInfo, nil, bob.kp.LeafNode.Credential, bob.priv.SignaturePriv, oldLeaf)
	if err != nil {
		t.Fatalf("Go RejoinExternal from a ts-mls GroupInfo: %v", err)
	}
	bob.g = g
	alice.process(commit)
	carol.process(commit)
	dave.process(commit)
	interopAgree(t, "Go resynchronised", bob, alice)
	interopAgree(t, "Go resynchronised (carol)", bob, carol)
	interopAgree(t, "Go resynchronised (dave)", dave, alice)
	if n := len(bob.g.Members()); n != 4 {
		t.Fatalf("%d members after the resync, want 4", n)
	}

	// ts-mls carol loses her state and rejoins from a Go GroupInfo.
	carol.must("forget_group", nil)
	giGo, err := dave.g.GroupInfo(false)
	if err != nil {
		t.Fatal(err)
	}
	re := carol.must("join_external", peerArgs{"group_info": giGo, "ratchet_tree": dave.g.RatchetTree(), "resync": true})
	if len(re.Members) != 4 {
		t.Fatalf("ts-mls sees %d members after its resync, want 4", len(re.Members))
	}
	alice.process(re.Commit)
	bob.process(re.Commit)
	dave.process(re.Commit)
	interopAgree(t, "ts-mls resynchronised", bob, carol)
	interopAgree(t, "ts-mls resynchronised (dave)", dave, alice)
	interopMessagesBothWays(t, "after both resyncs", bob, carol)

	// Go dave leaves: his own Remove proposal, committed by ts-mls.
	prop, err := dave.g.ProposeRemove(dave.g.OwnLeaf())
	if err != nil {
		t.Fatalf("Go proposing its own removal: %v", err)
	}
	for _, p := range []*interopPeer{alice, carol} {
		p.process(prop)
	}
	bob.process(prop)
	com := alice.must("commit", nil)
	carol.process(com.Commit)
	bob.process(com.Commit)
	if r := dave.process(com.Commit); !r.Removed {
		t.Fatalf("Go dave not removed by the commit of his own proposal: %+v", r)
	}
	interopAgree(t, "Go left", bob, alice)

	// ts-mls carol leaves: her own Remove proposal, committed by Go.
	st := carol.must("state", nil)
	prop = carol.must("propose_remove", peerArgs{"leaf_index": st.LeafIndex}).Proposal
	alice.process(prop)
	bob.process(prop)
	com2 := bob.commit(CommitOptions{})
	alice.process(com2.Commit)
	if r := carol.process(com2.Commit); r.Active {
		t.Fatal("ts-mls carol still active after the commit of her own proposal")
	}
	interopAgree(t, "ts-mls left", bob, alice)
}
