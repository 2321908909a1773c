package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/mls"
	"github.com/switchboard-nhs/switchboard/internal/token"
)

// benchServer is the server under load: a child `switchboard serve` the
// bench started, or one it was pointed at.
type benchServer struct {
	base string
	pid  int
	cmd  *exec.Cmd
	done chan error
}

// startBenchServer runs `switchboard serve` on 127.0.0.1:0 over data as a
// child process, so that its memory is measured on its own.
func startBenchServer(ctx context.Context, store []string, stderr io.Writer) (*benchServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--turn-addr", "127.0.0.1:0", "--send-rate", "0", "--log-level", "warn"}, store...)
	cmd := exec.Command(exe, args...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &benchServer{pid: cmd.Process.Pid, cmd: cmd, done: make(chan error, 1)}
	lines := bufio.NewScanner(out)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if after, ok := strings.CutPrefix(lines.Text(), "Switchboard is running at "); ok {
				select {
				case found <- after:
				default:
				}
			}
		}
		s.done <- cmd.Wait()
	}()
	select {
	case s.base = <-found:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("the server exited before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("the server printed no address within 30 s")
	case <-ctx.Done():
		cmd.Process.Kill()
		return nil, ctx.Err()
	}
}

// lockedWriter is a writer several nodes' logs can share.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (s *benchServer) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// procStatus reads a field (in KiB) of /proc/PID/status: VmRSS, VmHWM.
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

// procCPU returns the user and system CPU time a process has used.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(fields[11], 10, 64)
	k, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(u+k) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// benchDevice is one signed-in device with an MLS signature key.
type benchDevice struct {
	id, user, email, token string
	sigPriv                []byte
	cred                   mls.Credential
}

// provision creates users and signed-in devices directly in the store,
// as an operator's console would, instead of signing each in with a
// password and TOTP code: n devices spread over users of perUser devices.
func provision(ctx context.Context, db identity.Store, prefix string, n, perUser int) ([]*benchDevice, error) {
	org, err := db.OrgByODS(ctx, "BENCH1")
	if err != nil {
		org = &identity.Org{ID: token.ID(), ODS: "BENCH1", Name: "Load test", Policy: identity.DefaultPolicy, CreatedAt: time.Now()}
		if err := db.CreateOrg(ctx, org, audit.Event{At: time.Now(), OrgID: org.ID, Actor: audit.ActorCLI, Action: "org.create", Target: org.ID}); err != nil {
			return nil, err
		}
	}
	var out []*benchDevice
	var u *identity.User
	for i := 0; i < n; i++ {
		if i%perUser == 0 {
			u = &identity.User{ID: token.ID(), OrgID: org.ID, Email: fmt.Sprintf("%s%d@bench.example.nhs.uk", prefix, i/perUser),
				Name: "Bench", Roles: []identity.Role{identity.RoleClinician}, CreatedAt: time.Now()}
			ev := audit.Event{At: time.Now(), OrgID: org.ID, Actor: audit.ActorCLI, Action: "user.create", Target: u.ID}
			if err := db.CreateUser(ctx, u, nil, ev); err != nil {
				return nil, err
			}
		}
		now := time.Now()
		d := &identity.Device{ID: token.ID(), UserID: u.ID, Name: "bench", Kind: "bot", CreatedAt: now, LastSeenAt: now}
		tok := token.Secret("sbs_")
		sess := &identity.Session{ID: token.ID(), TokenHash: token.Hash(tok), UserID: u.ID, DeviceID: d.ID, CSRF: token.Secret(""),
			Addr: "127.0.0.1", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(identity.AbsoluteSessionLimit)}
		ev := audit.Event{At: now, OrgID: org.ID, Actor: u.ID, Action: "signin", Target: sess.ID}
		if err := db.StartSession(ctx, sess, d, int64(i+1), "", ev); err != nil {
			return nil, err
		}
		out = append(out, &benchDevice{id: d.ID, user: u.ID, email: u.Email, token: tok})
	}
	return out, nil
}

// api sends one JSON request as a device.
func (d *benchDevice) api(ctx context.Context, c *http.Client, base, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+d.token)
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// register gives each device a credential and uploads one KeyPackage and
// a last-resort one, 32 devices at a time.
func register(ctx context.Context, c *http.Client, base string, devs []*benchDevice) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(devs))
	sem := make(chan struct{}, 32)
	for _, d := range devs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			priv, pub, err := mls.GenerateSignatureKeyPair()
			if err != nil {
				errs <- err
				return
			}
			d.sigPriv = priv
			var cr struct{ Identity []byte }
			if err := d.api(ctx, c, base, "PUT", "/api/mls/credential", map[string]any{"signature_key": pub}, &cr); err != nil {
				errs <- err
				return
			}
			d.cred = mls.NewBasicCredential(cr.Identity)
			var kps [][]byte
			for i := 0; i < 2; i++ {
				kp, _, err := mls.NewKeyPackage(d.cred, d.sigPriv, time.Now(), 24*time.Hour)
				if err != nil {
					errs <- err
					return
				}
				kps = append(kps, (&mls.MLSMessage{Version: mls.ProtocolVersionMLS10, WireFormat: mls.WireFormatKeyPackage, KeyPackage: kp}).Bytes())
			}
			errs <- d.api(ctx, c, base, "POST", "/api/keypackages", map[string]any{"key_packages": kps[:1], "last_resort": kps[1]}, nil)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// makeGroup has the creator start a conversation and add every other
// device with one real MLS commit; it returns the conversation ID, its
// last seq and the creator's group for making messages.
func makeGroup(ctx context.Context, c *http.Client, base string, creator *benchDevice, emails []string) (string, *mls.Group, error) {
	gid := make([]byte, 16)
	rand.Read(gid)
	id := hex.EncodeToString(gid)
	kp, priv, err := mls.NewKeyPackage(creator.cred, creator.sigPriv, time.Now(), time.Hour)
	if err != nil {
		return "", nil, err
	}
	// The load tool creates groups the server reads: public handshakes,
	// and it takes the credentials the server it measures issued.
	g, err := mls.CreateGroup(mls.Config{PublicHandshake: true, AcceptAnyCredential: true}, gid, kp, priv)
	if err != nil {
		return "", nil, err
	}
	if err := creator.api(ctx, c, base, "POST", "/api/conversations", map[string]string{"id": id}, nil); err != nil {
		return "", nil, err
	}
	var svc struct {
		ExternalSender []byte `json:"external_sender"`
	}
	if err := creator.api(ctx, c, base, "GET", "/api/mls/service", nil, &svc); err != nil {
		return "", nil, err
	}
	es, err := mls.DecodeExternalSender(svc.ExternalSender)
	if err != nil {
		return "", nil, err
	}
	var adds []*mls.KeyPackage
	for i := 0; i < len(emails); i += 100 {
		var claim struct {
			KeyPackages []struct {
				KeyPackage []byte `json:"key_package"`
			} `json:"key_packages"`
		}
		if err := creator.api(ctx, c, base, "POST", "/api/keypackages/claim", map[string]any{"emails": emails[i:min(i+100, len(emails))]}, &claim); err != nil {
			return "", nil, err
		}
		for _, k := range claim.KeyPackages {
			kp, err := mls.InspectKeyPackage(k.KeyPackage)
			if err != nil {
				return "", nil, err
			}
			adds = append(adds, kp)
		}
	}
	out, err := g.Commit(mls.CommitOptions{Add: adds, SetExtensions: true, Extensions: mls.Extensions{mls.ExternalSendersExtension(*es)}})
	if err != nil {
		return "", nil, err
	}
	if err := creator.api(ctx, c, base, "POST", "/api/conversations/"+id+"/commits",
		map[string]any{"epoch": 0, "commit": out.Commit, "welcome": out.Welcome, "ratchet_tree": g.RatchetTree()}, nil); err != nil {
		return "", nil, err
	}
	if err := g.MergePendingCommit(); err != nil {
		return "", nil, err
	}
	return id, g, nil
}
