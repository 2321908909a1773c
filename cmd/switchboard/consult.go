package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/notify"
	"github.com/switchboard-nhs/switchboard/internal/smtp"
	"github.com/switchboard-nhs/switchboard/internal/token"
	"github.com/switchboard-nhs/switchboard/internal/turn"
)

// iceTTL is how long a browser's TURN credentials last: a long
// consultation outlives it only if the browser restarts ICE after it, and
// it then fetches fresh ones.
const iceTTL = 4 * time.Hour

// consultConfig holds the flags of video consultations.
type consultConfig struct {
	turnAddr          string
	turnRelayIP       string
	turnSecret        string
	turnURL           string
	turnAllowLoopback bool
	smtpURL           string
	smtpFrom          string
	notifyURL         string
	notifyKey         string
	notifyTemplate    string
}

func consultFlags(fs *flag.FlagSet) *consultConfig {
	c := &consultConfig{}
	fs.StringVar(&c.turnAddr, "turn-addr", "0.0.0.0:3478", "UDP address of the embedded TURN relay")
	fs.StringVar(&c.turnRelayIP, "turn-relay-ip", "", "public IP address browsers reach the embedded TURN relay at (default: from --turn-addr or --public-url)")
	fs.StringVar(&c.turnSecret, "turn-secret", "", "shared secret for TURN credentials (coturn's static-auth-secret); required with --turn-url")
	fs.StringVar(&c.turnURL, "turn-url", "", "use these TURN servers (comma-separated turn: URLs, such as a coturn fleet) instead of the embedded relay")
	fs.BoolVar(&c.turnAllowLoopback, "turn-allow-loopback", false, "let the embedded relay send to 127.0.0.1 (tests on one machine only)")
	fs.StringVar(&c.smtpURL, "smtp-url", "", "send email invitations through this SMTP server (smtps://, smtp:// or smtp+insecure://)")
	fs.StringVar(&c.smtpFrom, "smtp-from", "", "sender address of email invitations")
	fs.StringVar(&c.notifyURL, "notify-url", notify.DefaultURL, "base URL of the GOV.UK Notify API")
	fs.StringVar(&c.notifyKey, "notify-key", "", "GOV.UK Notify API key; turns on SMS invitations")
	fs.StringVar(&c.notifyTemplate, "notify-sms-template", "", "ID of the Notify SMS template, with ((practice)), ((time)) and ((link))")
	return c
}

// consultParts is what video consultations add to the server; stop
// releases the TURN relay.
type consultParts struct {
	service *consult.Service
	ice     func(id string) []consult.ICEServer
	stop    func()
}

// startConsult builds the consultation service over store and, unless
// --turn-url names external TURN servers, starts the embedded relay.
func startConsult(cfg *consultConfig, store any, log *slog.Logger, now func() time.Time, base string) (*consultParts, error) {
	cs, ok := store.(consult.Store)
	if !ok {
		log.Warn("video consultations are off: this database does not support them yet")
		return &consultParts{stop: func() {}}, nil
	}
	var senders []consult.Sender
	if cfg.smtpURL != "" {
		s, err := smtp.New(cfg.smtpURL, cfg.smtpFrom)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		senders = append(senders, s)
	}
	if cfg.notifyKey != "" {
		n, err := notify.New(cfg.notifyURL, cfg.notifyKey, cfg.notifyTemplate, &http.Client{Timeout: 15 * time.Second}, now)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		senders = append(senders, n)
	}
	parts := &consultParts{stop: func() {}}
	issuer, err := startTURN(cfg, log, now, base, parts)
	if err != nil {
		return nil, err
	}
	parts.ice = issuer.ICEServers
	parts.service = consult.NewService(cs, consult.NewHub(log), log, now, base, senders...)
	return parts, nil
}

func startTURN(cfg *consultConfig, log *slog.Logger, now func() time.Time, base string, parts *consultParts) (*turn.Issuer, error) {
	if cfg.turnURL != "" {
		if cfg.turnSecret == "" {
			return nil, fmt.Errorf("%w: --turn-url needs --turn-secret, the secret the TURN servers share", errUsage)
		}
		urls := strings.Split(cfg.turnURL, ",")
		for _, u := range urls {
			if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
				return nil, fmt.Errorf("%w: --turn-url must list turn: or turns: URLs, such as turn:turn.example.nhs.uk:3478", errUsage)
			}
		}
		return turn.NewIssuer(cfg.turnSecret, urls, iceTTL, now), nil
	}
	pub, err := url.Parse(base)
	if err != nil || pub.Hostname() == "" {
		return nil, fmt.Errorf("%w: --public-url must be a URL such as https://switchboard.example.nhs.uk", errUsage)
	}
	relayIP, err := relayAddress(cfg, pub.Hostname())
	if err != nil {
		return nil, err
	}
	secret := cfg.turnSecret
	if secret == "" {
		secret = token.Secret("")
	}
	allow := turn.Strict
	if cfg.turnAllowLoopback {
		allow = turn.AllowLoopback
		log.Warn("the TURN relay may send to loopback addresses (--turn-allow-loopback); use this for tests only")
	}
	srv, err := turn.Listen(turn.Config{Addr: cfg.turnAddr, RelayIP: relayIP, Secret: secret, Allow: allow}, log, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (is another TURN server using the port? change --turn-addr)", errUsage, err)
	}
	parts.stop = func() { srv.Close() }
	host := pub.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	u := fmt.Sprintf("turn:%s:%d?transport=udp", host, srv.Addr().Port)
	log.Info("TURN relay listening", "addr", srv.Addr().String(), "url", u)
	return turn.NewIssuer(secret, []string{u}, iceTTL, now), nil
}

// relayAddress is the IP browsers are told to send relayed media to.
func relayAddress(cfg *consultConfig, publicHost string) (net.IP, error) {
	if cfg.turnRelayIP != "" {
		ip := net.ParseIP(cfg.turnRelayIP)
		if ip == nil {
			return nil, fmt.Errorf("%w: --turn-relay-ip must be an IP address", errUsage)
		}
		return ip, nil
	}
	if host, _, err := net.SplitHostPort(cfg.turnAddr); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
			return ip, nil
		}
	}
	if ip := net.ParseIP(publicHost); ip != nil {
		return ip, nil
	}
	ips, err := net.LookupIP(publicHost)
	for _, ip := range ips {
		if ip.To4() != nil {
			return ip, nil
		}
	}
	return nil, fmt.Errorf("%w: cannot tell which IP address browsers reach the TURN relay at (%v); set --turn-relay-ip", errUsage, err)
}
