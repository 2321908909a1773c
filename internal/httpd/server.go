package httpd

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/switchboard-nhs/switchboard/internal/consult"
	"github.com/switchboard-nhs/switchboard/internal/dpo"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/records"
)

// Config is what the HTTP layer needs to know about its deployment.
type Config struct {
	PublicURL    string // the base URL people open, such as https://switchboard.example.nhs.uk
	SecureCookie bool   // set when served over TLS (directly or behind a proxy)

	Consult *consult.Service                    // video consultations; nil turns them off
	ICE     func(id string) []consult.ICEServer // TURN servers and credentials for a browser; may be nil

	Messaging        *messaging.Service // the MLS delivery service; nil turns messaging off
	PushHTTPLoopback bool               // accept http://127.0.0.1 push endpoints (tests only)

	Incident *incident.Service // duty roles, urgent messages, major incidents; needs Messaging
	Records  *records.Service  // conversation kinds, retention, filing, holds; needs Messaging

	DPO *dpo.Service // the breach and complaint log; nil turns the console off
	// RenderPDF renders the DPIA pack as PDF (package pdf); nil: HTML only.
	RenderPDF func(w io.Writer, p *dpo.Pack) error

	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client, for rate limits and the audit log.
	TrustedProxies []netip.Prefix
	// MetricsAllow are the addresses that may read /metrics; none means
	// loopback only.
	MetricsAllow []netip.Prefix
	// Ready, if set, reports whether the node can serve: the database
	// takes writes. /readyz answers 503 when it fails, so that a load
	// balancer takes the node out; /healthz stays a liveness check.
	Ready func(ctx context.Context) error
	// BodyTimeout is how long a request body may take to arrive, beyond a
	// second per 64 KiB of it; 0 is 20 seconds.
	BodyTimeout time.Duration
}

// Server is Switchboard's HTTP API, web client and metrics.
type Server struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	identity  *identity.Service
	assets    fs.FS
	web       webFiles
	reg       *prometheus.Registry
	metrics   *metrics
	ready     func() bool
	mux       *http.ServeMux
	routeList []Route
}

// New returns a Server. assets is the built web client (index.html at its
// root); ready reports whether the server may take traffic.
func New(cfg Config, log *slog.Logger, now func() time.Time, ids *identity.Service, assets fs.FS, ready func() bool) *Server {
	s := &Server{cfg: cfg, log: log, now: now, identity: ids, assets: assets, ready: ready, mux: http.NewServeMux()}
	s.web = loadWebFiles(assets)
	s.reg = prometheus.NewRegistry()
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = newMetrics(s.reg)
	s.messagingMetrics()
	ids.OnSignIn = func(outcome string) { s.metrics.signIns.WithLabelValues(outcome).Inc() }
	s.routes()
	return s
}

// Handler returns the root handler, with security headers and metrics.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "+
			"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; "+
			"base-uri 'none'; form-action 'self'; object-src 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), geolocation=(), payment=()")
		if s.cfg.SecureCookie {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if a, ok := forwardedFor(r, s.cfg.TrustedProxies); ok {
			r.RemoteAddr = net.JoinHostPort(a.String(), "0")
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		s.mux.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(s.now().Sub(start).Seconds())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// handler is an HTTP handler that returns its error for one place to report.
type handler func(w http.ResponseWriter, r *http.Request) error

// authedHandler is a handler for a signed-in caller.
type authedHandler func(w http.ResponseWriter, r *http.Request, p *identity.Principal) error

// handle serves pattern with h and lists it in Routes.
func (s *Server) handle(pattern string, h handler) {
	s.routeList = append(s.routeList, Route{Pattern: pattern})
	s.register(pattern, h)
}

// register serves pattern with h without listing it in Routes; public
// and authed list their routes themselves.
func (s *Server) register(pattern string, h handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.bodyDeadline(w, r)
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// Request bodies must arrive at a pace: BodyTimeout (default 20 s) plus a
// second for every minBodyRate bytes. A client trickling a byte every few
// seconds cannot hold a request, and its connection, open for ever.
const (
	defaultBodyTimeout = 20 * time.Second
	minBodyRate        = 64 << 10 // bytes per second
)

// bodyDeadline sets the deadline for reading r's body, and lifts it once
// the body has been read: a handler that runs on (a long poll) must not
// have its request cancelled by the deadline. Only requests that carry a
// body get it: a WebSocket (a GET) keeps its connection without.
func (s *Server) bodyDeadline(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions || r.ContentLength == 0 {
		return
	}
	d := s.cfg.BodyTimeout
	if d <= 0 {
		d = defaultBodyTimeout
	}
	if r.ContentLength > 0 {
		d += time.Duration(r.ContentLength/minBodyRate) * time.Second
	}
	// Not every ResponseWriter supports deadlines (a test recorder); the
	// server's own does. The network's time, not the clock of the rules.
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(d)) == nil {
		r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
	}
}

// deadlineBody lifts the body's read deadline once it has been read to
// the end. A body that failed (too slow) keeps it, so that every further
// read fails at once.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

func (s *Server) handleMetrics() http.Handler {
	allow := s.cfg.MetricsAllow
	if len(allow) == 0 {
		allow = loopback
	}
	h := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := remoteIP(r); !ok || !contains(allow, a) {
			http.Error(w, "Metrics are served only to the addresses given with --metrics-allow.", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// handleReady is the readiness check: started, and the database takes a
// write.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if !s.ready() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return nil
	}
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.log.Error("not ready", "err", err)
			http.Error(w, fault.Message(err), http.StatusServiceUnavailable)
			return nil
		}
	}
	_, err := w.Write([]byte("ready\n"))
	return err
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if !s.ready() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return nil
	}
	_, err := w.Write([]byte("ok\n"))
	return err
}

// clientAddr is the caller's IP address, for rate limits and the audit log.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Serve runs the server on ln until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, certFile, keyFile string) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(ln, certFile, keyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	return err
}
