package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/mls"
	"github.com/switchboard-nhs/switchboard/internal/wire"
)

// sweepConversations is how many team conversations the sweep bench
// spreads its messages over.
const sweepConversations = 100

// benchSweep is `switchboard bench --sweep`: it stores cfg.messages
// messages of cfg.size bytes over 100 team conversations, a tenth of them
// older than the team retention of 30 days, then times one sweep, and
// reports the latency of single sends through the delivery service
// before and while the sweep runs.
func benchSweep(ctx context.Context, cfg benchConfig, out io.Writer) error {
	dir, err := os.MkdirTemp("", "switchboard-sweep-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := openStore(ctx, dir, cfg.dbURL, filepath.Join(dir, secretsKeyFileName))
	if err != nil {
		return err
	}
	defer st.Close()
	backend := "SQLite"
	if cfg.dbURL != "" {
		backend = "PostgreSQL"
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Now
	ids := identity.NewService(st, log, now)
	tag := hex.EncodeToString(randomBytes(4))
	org, err := ids.CreateOrg(ctx, "B"+tag[:4], "Sweep bench")
	if err != nil {
		return err
	}
	convs, device, err := seedSweep(ctx, st, org, tag, cfg, out)
	if err != nil {
		return err
	}
	mctx, stop := context.WithCancel(ctx)
	defer stop()
	bus := messaging.NewLocalBus()
	sv, wait, err := startMessaging(mctx, st, ids, bus, log, now, messagingFlags{sendRate: 0, sendBurst: 1}, "", false)
	if err != nil {
		return err
	}
	defer func() { stop(); wait() }()
	if err := sv.rec.SetRule(ctx, org.ID, audit.ActorCLI, wire.KindTeam, 30*24*time.Hour, false, ""); err != nil {
		return err
	}

	// Sends alone, then sends while the sweep runs.
	dev, err := st.DeviceByID(ctx, device)
	if err != nil {
		return err
	}
	u, err := st.UserByID(ctx, dev.UserID)
	if err != nil {
		return err
	}
	p := &identity.Principal{User: u, Org: org, Device: dev}
	before, err := sendLatency(ctx, sv.msg, p, convs[0], cfg.size, 3*time.Second, nil)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	var took time.Duration
	var swept int
	var sweepErr error
	go func() {
		defer close(done)
		start := time.Now()
		sw, err := sv.rec.Sweep(ctx)
		took, swept, sweepErr = time.Since(start), sw.Retained, err
	}()
	during, err := sendLatency(ctx, sv.msg, p, convs[1], cfg.size, 0, done)
	<-done
	if err != nil {
		return err
	}
	if sweepErr != nil {
		return fmt.Errorf("sweep: %w", sweepErr)
	}
	fmt.Fprintf(out, "%s, %d CPUs: swept %d of %d messages (%d conversations) in %v (%.0f deleted/s)\n", backend, runtime.NumCPU(),
		swept, cfg.messages, sweepConversations, took.Round(time.Millisecond), float64(swept)/took.Seconds())
	for _, l := range []struct {
		name string
		lat  []time.Duration
	}{{"sends before the sweep", before}, {"sends during the sweep", during}} {
		fmt.Fprintf(out, "%s: %d, p50 %v, p99 %v, max %v\n", l.name, len(l.lat), percentile(l.lat, 0.5), percentile(l.lat, 0.99), percentile(l.lat, 1))
	}
	return nil
}

// seedSweep stores the organisation's device, its team conversations and
// cfg.messages messages, the first tenth of each conversation sent 40 days
// ago.
func seedSweep(ctx context.Context, st store, org *identity.Org, tag string, cfg benchConfig, out io.Writer) ([]string, string, error) {
	at := time.Now()
	u := &identity.User{ID: "u" + tag, OrgID: org.ID, Email: tag + "@sweep.example.nhs.uk", Name: "Sweep", Roles: []identity.Role{identity.RoleClinician}, CreatedAt: at}
	if err := st.CreateUser(ctx, u, nil, audit.Event{At: at, OrgID: org.ID, Actor: audit.ActorCLI, Action: "user.create", Target: u.ID}); err != nil {
		return nil, "", err
	}
	d := &identity.Device{ID: "d" + tag, UserID: u.ID, Name: "bench", Kind: "cli", CreatedAt: at, LastSeenAt: at}
	sess := &identity.Session{ID: "s" + tag, TokenHash: "h" + tag, UserID: u.ID, DeviceID: d.ID, CSRF: "c", CreatedAt: at, LastSeenAt: at,
		ExpiresAt: at.Add(time.Hour)}
	if err := st.StartSession(ctx, sess, d, 1, "", audit.Event{At: at, OrgID: org.ID, Actor: u.ID, Action: "signin", Target: sess.ID}); err != nil {
		return nil, "", err
	}
	convs := make([]string, sweepConversations)
	for i := range convs {
		convs[i] = hex.EncodeToString(randomBytes(16))
		c := &messaging.Conversation{ID: convs[i], OrgID: org.ID, Kind: wire.KindTeam, CreatedAt: at}
		if err := st.CreateConversation(ctx, c, messaging.Member{Device: d.ID}); err != nil {
			return nil, "", err
		}
	}
	start := time.Now()
	data := make([]byte, cfg.size)
	old := at.Add(-40 * 24 * time.Hour)
	const batch = 500
	for n := 0; n < cfg.messages; {
		sends := make([]messaging.Send, 0, batch)
		for ; len(sends) < batch && n < cfg.messages; n++ {
			sent := at
			if n < cfg.messages/10 {
				sent = old // the oldest tenth, first in each conversation, as time runs
			}
			sends = append(sends, messaging.Send{Message: &messaging.Message{Conversation: convs[n%sweepConversations], Kind: messaging.KindApplication,
				Device: d.ID, ClientID: fmt.Sprint("s", n), SentAt: sent, Data: data}})
		}
		if _, err := st.AppendMessages(ctx, sends); err != nil {
			return nil, "", fmt.Errorf("seed messages: %w", err)
		}
	}
	fmt.Fprintf(out, "stored %d messages of %d bytes in %v\n", cfg.messages, cfg.size, time.Since(start).Round(time.Millisecond))
	return convs, d.ID, nil
}

// sendLatency sends one message at a time to conv through the delivery
// service, as a device's send arrives, for d or until until is closed,
// and returns the latencies sorted. The messages are real MLS
// PrivateMessages of a group of one, so the service takes them as any.
func sendLatency(ctx context.Context, svc *messaging.Service, p *identity.Principal, conv string, size int, d time.Duration, until <-chan struct{}) ([]time.Duration, error) {
	gid, err := hex.DecodeString(conv)
	if err != nil {
		return nil, err
	}
	priv, _, err := mls.GenerateSignatureKeyPair()
	if err != nil {
		return nil, err
	}
	cfg := mls.Config{AcceptAnyCredential: true}
	kp, kpPriv, err := mls.NewKeyPackage(mls.NewBasicCredential([]byte("bench")), priv, time.Now(), time.Hour)
	if err != nil {
		return nil, err
	}
	g, err := mls.CreateGroup(cfg, gid, kp, kpPriv)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, size)
	var lat []time.Duration
	end := time.Now().Add(d)
	for i := 0; ; i++ {
		if until != nil {
			select {
			case <-until:
				slices.Sort(lat)
				return lat, nil
			default:
			}
		} else if time.Now().After(end) {
			slices.Sort(lat)
			return lat, nil
		}
		ct, err := g.Protect(plain, nil)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		if _, err := svc.Send(ctx, p, conv, fmt.Sprint("l", time.Now().UnixNano(), i), ct); err != nil {
			return nil, fmt.Errorf("send: %w", err)
		}
		lat = append(lat, time.Since(start))
	}
}

// percentile returns the p-th latency of a sorted slice, rounded.
func percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[min(len(lat)-1, int(float64(len(lat))*p))].Round(10 * time.Microsecond)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // crypto/rand.Read never fails
	return b
}
