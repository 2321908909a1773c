package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/httpd"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/pdf"
	"github.com/switchboard-nhs/switchboard/web"
)

type serveConfig struct {
	addr      string
	data      string
	dbURL     string
	natsURL   string
	publicURL string
	tlsCert   string
	tlsKey    string
	logLevel  string
	proxies   string
	metrics   string
	perAddr   int
	keyFile   string
}

func runServe(ctx context.Context, now func() time.Time, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	flags := newFlags("serve", stderr)
	flags.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "address to listen on")
	flags.StringVar(&cfg.data, "data", "./switchboard-data", "data directory (holds the SQLite database)")
	flags.StringVar(&cfg.dbURL, "database-url", "", databaseURLHelp)
	flags.StringVar(&cfg.keyFile, "secrets-key-file", "", secretsKeyHelp)
	flags.StringVar(&cfg.natsURL, "nats-url", "", natsURLHelp)
	flags.StringVar(&cfg.publicURL, "public-url", "", "the base URL people open (default: from --addr)")
	flags.StringVar(&cfg.tlsCert, "tls-cert", "", "TLS certificate file (PEM); serve HTTPS directly")
	flags.StringVar(&cfg.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	flags.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	flags.StringVar(&cfg.proxies, "trusted-proxy", "", "reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client")
	flags.StringVar(&cfg.metrics, "metrics-allow", "", "addresses (IPs or CIDRs, comma-separated) that may read /metrics (default: loopback only)")
	flags.IntVar(&cfg.perAddr, "max-conns-per-address", 1024, "open connections allowed from one client address (0: no limit; loopback and --trusted-proxy are not limited)")
	consultCfg := consultFlags(flags)
	var msgCfg messagingFlags
	addMessagingFlags(flags, &msgCfg)
	if err := parseFlags(flags, args, getenv); err != nil {
		return err
	}
	if cfg.natsURL != "" && cfg.dbURL == "" {
		return fmt.Errorf("%w: --nats-url links nodes that share one PostgreSQL database; give --database-url too", errUsage)
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return fmt.Errorf("%w: give both --tls-cert and --tls-key, or neither", errUsage)
	}
	proxies, err := httpd.ParsePrefixes(cfg.proxies)
	if err != nil {
		return fmt.Errorf("%w: --trusted-proxy: %v", errUsage, err)
	}
	metricsAllow, err := httpd.ParsePrefixes(cfg.metrics)
	if err != nil {
		return fmt.Errorf("%w: --metrics-allow: %v", errUsage, err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return fmt.Errorf("%w: --log-level must be debug, info, warn or error", errUsage)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	store, err := openStore(ctx, cfg.data, cfg.dbURL, cfg.keyFile)
	if err != nil {
		return err
	}
	defer store.Close()
	ids := identity.NewService(store, log, now)

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fault.Wrap(fault.Invalid, "Cannot listen on "+cfg.addr+"; is another program using that port?", err)
	}
	// A client address that has opened this many connections gets no more
	// (stalled bodies and sockets cost each one); the proxies in front of
	// the server carry everyone's, and are not limited.
	exempt := append([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, proxies...)
	ln = httpd.LimitPerAddress(ln, cfg.perAddr, exempt, log)
	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
	}
	base := strings.TrimRight(cfg.publicURL, "/")
	if base == "" {
		base = scheme + "://" + ln.Addr().String()
	}
	assets, err := fs.Sub(web.Dist, "dist")
	if err != nil {
		ln.Close()
		return fmt.Errorf("web assets: %w", err)
	}
	cons, err := startConsult(consultCfg, store, log, now, base)
	if err != nil {
		ln.Close()
		return err
	}
	defer cons.stop()
	bus, closeBus, err := openBus(cfg.natsURL, ln.Addr().String(), log)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeBus()
	mctx, stopMessaging := context.WithCancel(ctx)
	sv, waitMessaging, err := startMessaging(mctx, store, ids, bus, log, now, msgCfg, base, true)
	if err != nil {
		stopMessaging()
		ln.Close()
		return err
	}
	defer waitMessaging()
	defer stopMessaging()
	officer := dpo.New(store, store, store, sv.msg.PushDevices, deployment(base, cfg.dbURL, cfg.natsURL, consultCfg), log, now).WithRecords(sv.rec)
	dctx, stopDPO := context.WithCancel(ctx)
	dpoDone := make(chan struct{})
	go func() {
		defer close(dpoDone)
		officer.Run(dctx)
	}()
	defer func() {
		stopDPO()
		<-dpoDone
	}()
	var ready atomic.Bool
	srv := httpd.New(httpd.Config{PublicURL: base, SecureCookie: strings.HasPrefix(base, "https://"),
		Consult: cons.service, ICE: cons.ice, Messaging: sv.msg, Incident: sv.inc, Records: sv.rec, DPO: officer, RenderPDF: pdf.Render,
		PushHTTPLoopback: msgCfg.pushHTTPLoopback,
		TrustedProxies:   proxies, MetricsAllow: metricsAllow,
		Ready: func(ctx context.Context) error { return store.Probe(ctx, now()) }}, log, now, ids, assets, ready.Load)

	setup, err := ids.EnsureSetup(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	// The setup link comes first, so that whoever waits for the running
	// line has every line before it and need not wait for one that may
	// never come.
	if setup != "" {
		fmt.Fprintf(stdout, "Set up your organisation (this link works once): %s/setup/%s\n", base, setup)
	}
	fmt.Fprintf(stdout, "Switchboard is running at %s\n", base)
	log.Info("serving", "addr", ln.Addr().String(), "data", cfg.data, "tls", cfg.tlsCert != "")
	ready.Store(true)
	return httpd.Serve(ctx, ln, srv.Handler(), log, cfg.tlsCert, cfg.tlsKey)
}

// deployment describes the running server for Switchboard's own entry in
// the software register: never a secret, only which services it uses.
func deployment(base, dbURL, natsURL string, c *consultConfig) dpo.Deployment {
	d := dpo.Deployment{Version: version, PublicURL: base, Database: "SQLite in the server's data directory", Bus: "in-process",
		PushServices: true}
	if dbURL != "" {
		d.Database = "PostgreSQL"
	}
	if natsURL != "" {
		d.Bus = "NATS"
	}
	if c == nil {
		return d
	}
	if c.notifyKey != "" {
		d.SMS = "GOV.UK Notify"
	}
	if u, err := url.Parse(c.smtpURL); err == nil && c.smtpURL != "" {
		d.Email = u.Hostname()
	}
	d.TURN = "the embedded TURN relay (media stays encrypted end to end)"
	if c.turnURL != "" {
		d.TURN = "external TURN servers (media stays encrypted end to end)"
	}
	return d
}
