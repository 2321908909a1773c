package httpd

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/keyring"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// webAssets is a built client in miniature: a hashed core with brotli and
// gzip copies, a stylesheet with only gzip, an image with neither, and
// the service worker at the root.
var webAssets = fstest.MapFS{
	"index.html":                 {Data: []byte("<!doctype html><title>Switchboard</title>")},
	"sw.js":                      {Data: []byte("self.addEventListener('push', () => {});")},
	"assets/core-abc123.wasm":    {Data: []byte("\x00asm raw bytes of the core")},
	"assets/core-abc123.wasm.br": {Data: []byte("brotli bytes")},
	"assets/core-abc123.wasm.gz": {Data: []byte("gzip bytes!")},
	"assets/index-def456.css":    {Data: []byte("body{margin:0}")},
	"assets/index-def456.css.gz": {Data: []byte("gz css")},
	"assets/icon-0a1b2c.png":     {Data: []byte("\x89PNG")},
}

func newWebServer(t *testing.T) *httptest.Server {
	t.Helper()
	store, err := sqlite.Open(context.Background(), t.TempDir(), keyring.New())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := New(Config{PublicURL: "http://example.test"}, log, time.Now, identity.NewService(store, log, time.Now), webAssets, func() bool { return true })
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// fetchWeb sends one request without Go's transparent gzip, so the test
// sees exactly what a browser would.
func fetchWeb(t *testing.T, ts *httptest.Server, method, path string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "") // set below, or none at all
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestWebAssetNegotiation(t *testing.T) {
	ts := newWebServer(t)
	const immutable = "public, max-age=31536000, immutable"
	tests := []struct {
		name, method, path, accept string
		wantEncoding, wantBody     string
		wantType, wantCache        string
		wantVary                   bool
	}{
		{"brotli preferred", "GET", "/assets/core-abc123.wasm", "gzip, deflate, br, zstd", "br", "brotli bytes", "application/wasm", immutable, true},
		{"gzip when brotli is not offered", "GET", "/assets/core-abc123.wasm", "gzip, deflate", "gzip", "gzip bytes!", "application/wasm", immutable, true},
		{"brotli refused with q=0", "GET", "/assets/core-abc123.wasm", "br;q=0, gzip;q=0.8", "gzip", "gzip bytes!", "application/wasm", immutable, true},
		{"identity with no header", "GET", "/assets/core-abc123.wasm", "", "", "\x00asm raw bytes of the core", "application/wasm", immutable, true},
		{"identity when only others are offered", "GET", "/assets/core-abc123.wasm", "zstd, deflate", "", "\x00asm raw bytes of the core", "application/wasm", immutable, true},
		{"star accepts brotli", "GET", "/assets/core-abc123.wasm", "*", "br", "brotli bytes", "application/wasm", immutable, true},
		{"HEAD has no body", "HEAD", "/assets/core-abc123.wasm", "br", "br", "", "application/wasm", immutable, true},
		{"gzip only where brotli was not worth it", "GET", "/assets/index-def456.css", "br, gzip", "gzip", "gz css", "text/css; charset=utf-8", immutable, true},
		{"no variants, no Vary", "GET", "/assets/icon-0a1b2c.png", "br, gzip", "", "\x89PNG", "image/png", immutable, false},
		{"unhashed root file is revalidated", "GET", "/sw.js", "br, gzip", "", "self.addEventListener('push', () => {});", "text/javascript; charset=utf-8", "no-cache", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fetchWeb(t, ts, tc.method, tc.path, map[string]string{"Accept-Encoding": tc.accept})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s = %d; want 200", tc.method, tc.path, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.wantEncoding {
				t.Errorf("Content-Encoding = %q; want %q", got, tc.wantEncoding)
			}
			if body != tc.wantBody {
				t.Errorf("body = %q; want %q", body, tc.wantBody)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q; want %q", got, tc.wantType)
			}
			if got := resp.Header.Get("Cache-Control"); got != tc.wantCache {
				t.Errorf("Cache-Control = %q; want %q", got, tc.wantCache)
			}
			if got := resp.Header.Get("Vary") == "Accept-Encoding"; got != tc.wantVary {
				t.Errorf("Vary = %q; want Accept-Encoding: %v", resp.Header.Get("Vary"), tc.wantVary)
			}
			// HEAD says how long the GET would be.
			wantLen := len(tc.wantBody)
			if tc.method == "HEAD" {
				wantLen = len("brotli bytes")
			}
			if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(wantLen) {
				t.Errorf("Content-Length = %q; want %d", got, wantLen)
			}
			if resp.Header.Get("ETag") == "" {
				t.Error("no ETag")
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
		})
	}
}

func TestWebAssetRevalidation(t *testing.T) {
	ts := newWebServer(t)
	br, _ := fetchWeb(t, ts, "GET", "/assets/core-abc123.wasm", map[string]string{"Accept-Encoding": "br"})
	gz, _ := fetchWeb(t, ts, "GET", "/assets/core-abc123.wasm", map[string]string{"Accept-Encoding": "gzip"})
	tag := br.Header.Get("ETag")
	if tag == "" || tag == gz.Header.Get("ETag") {
		t.Fatalf("ETags br %q, gzip %q; want two different tags", tag, gz.Header.Get("ETag"))
	}

	resp, body := fetchWeb(t, ts, "GET", "/assets/core-abc123.wasm", map[string]string{"Accept-Encoding": "br", "If-None-Match": tag})
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("GET with If-None-Match %s = %d, %d bytes; want 304, none", tag, resp.StatusCode, len(body))
	}
	// The brotli copy's tag does not match the gzip copy.
	resp, body = fetchWeb(t, ts, "GET", "/assets/core-abc123.wasm", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": tag})
	if resp.StatusCode != http.StatusOK || body != "gzip bytes!" {
		t.Errorf("GET gzip with the brotli ETag = %d %q; want 200 with the gzip copy", resp.StatusCode, body)
	}
	swTag := func() string { r, _ := fetchWeb(t, ts, "GET", "/sw.js", nil); return r.Header.Get("ETag") }()
	if resp, _ := fetchWeb(t, ts, "GET", "/sw.js", map[string]string{"If-None-Match": swTag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET /sw.js with its ETag = %d; want 304", resp.StatusCode)
	}
}

func TestWebAssetNames(t *testing.T) {
	ts := newWebServer(t)
	tests := []struct {
		path       string
		wantStatus int
		wantType   string
		wantCache  string
	}{
		// Compressed copies are only sent under the original's name.
		{"/assets/core-abc123.wasm.br", http.StatusNotFound, "", ""},
		{"/assets/missing-000000.js", http.StatusNotFound, "", ""},
		{"/messages/abc", http.StatusOK, "text/html; charset=utf-8", "no-store"},
		{"/", http.StatusOK, "text/html; charset=utf-8", "no-store"},
	}
	for _, tc := range tests {
		resp, _ := fetchWeb(t, ts, "GET", tc.path, map[string]string{"Accept-Encoding": "br, gzip"})
		if resp.StatusCode != tc.wantStatus {
			t.Errorf("GET %s = %d; want %d", tc.path, resp.StatusCode, tc.wantStatus)
			continue
		}
		if tc.wantType != "" && resp.Header.Get("Content-Type") != tc.wantType {
			t.Errorf("GET %s: Content-Type %q; want %q", tc.path, resp.Header.Get("Content-Type"), tc.wantType)
		}
		if resp.Header.Get("Cache-Control") != tc.wantCache && tc.wantCache != "" {
			t.Errorf("GET %s: Cache-Control %q; want %q", tc.path, resp.Header.Get("Cache-Control"), tc.wantCache)
		}
	}
}

func TestAcceptsEncoding(t *testing.T) {
	tests := []struct {
		header, enc string
		want        bool
	}{
		{"gzip, br", "br", true},
		{"gzip", "br", false},
		{"GZIP;Q=0.5", "gzip", true},
		{"br;q=0", "br", false},
		{"br;q=0.000", "br", false},
		{"*;q=0", "", false},
		{"*;q=0, identity", "", true},
		{"*", "gzip", true},
		{"*;q=0", "br", false},
		{"", "", true},
		{"", "gzip", false},
		{"identity;q=0", "", false},
		{"br;q=nonsense", "br", true},
	}
	for _, tc := range tests {
		if got := acceptsEncoding(tc.header, tc.enc); got != tc.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v; want %v", tc.header, tc.enc, got, tc.want)
		}
	}
}
