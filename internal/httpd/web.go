package httpd

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// handleWeb serves the built web client: files under /assets/ and a few at
// the root as they are, and index.html for every other path, so the
// client's own router decides what to show.
//
// Files under /assets/ carry a hash of their content in their name (the
// build makes sure of it), so they are cached for a year and never asked
// for again. The build also writes each compressible file beside itself
// as name.br and name.gz; the answer is the smallest one the browser
// accepts, with the same Content-Type as the original.
func (s *Server) handleWeb(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return fault.New(fault.Invalid, "Pages can only be fetched with GET.")
	}
	p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if p != "" && p != "index.html" {
		if f, ok := s.web.files[p]; ok {
			s.serveAsset(w, r, p, f)
			return nil
		}
		if strings.HasPrefix(p, "assets/") {
			http.NotFound(w, r)
			return nil
		}
	}
	return s.serveIndex(w, http.StatusOK)
}

// serveAsset answers with one built file, or its precompressed variant.
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request, name string, f webFile) {
	h := w.Header()
	if strings.HasPrefix(name, "assets/") {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// sw.js and the like keep their names: ask each time whether
		// they changed (the ETag makes that cheap).
		h.Set("Cache-Control", "no-cache")
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if path.Ext(name) == ".wasm" {
		ctype = "application/wasm" // whatever the host's mime tables say
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	v := f.variant(r.Header.Get("Accept-Encoding"))
	if len(f.variants) > 1 {
		h.Add("Vary", "Accept-Encoding")
	}
	if v.encoding != "" {
		h.Set("Content-Encoding", v.encoding)
	}
	h.Set("ETag", v.etag)
	file, err := s.assets.Open(v.path)
	if err != nil {
		http.Error(w, "The file could not be read.", http.StatusInternalServerError)
		return
	}
	defer file.Close()
	rs, ok := file.(io.ReadSeeker)
	if !ok {
		http.ServeFileFS(w, r, s.assets, v.path)
		return
	}
	// ServeContent answers If-None-Match with 304 and HEAD without a body;
	// a zero modification time keeps Last-Modified out. It leaves out
	// Content-Length once Content-Encoding is set, so it is set here, and
	// byte ranges (which nothing here needs) are not offered.
	r.Header.Del("Range")
	h.Set("Content-Length", strconv.Itoa(v.size))
	http.ServeContent(w, r, name, time.Time{}, rs)
}

// serveIndex answers with the web client's index.html and the given status.
func (s *Server) serveIndex(w http.ResponseWriter, code int) error {
	index, err := fs.ReadFile(s.assets, "index.html")
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, err = w.Write([]byte("The web client has not been built. Run `npm ci && npm run build` in web/ and start Switchboard again.\n"))
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, err = w.Write(index)
	return err
}

// webFiles are the built web client's files, read once when the server
// starts: for each file a browser may ask for, the variants that can be
// sent for it.
type webFiles struct {
	files map[string]webFile
}

// webFile is one file of the web client and its precompressed copies, in
// order of preference (brotli, gzip, then the file as it is).
type webFile struct {
	variants []webVariant
}

// webVariant is one representation of a file: where it is, its
// Content-Encoding ("" for none), its size and a strong ETag of its bytes.
type webVariant struct {
	path     string
	encoding string
	size     int
	etag     string
}

// precompressed are the suffixes the build writes, best first.
var precompressed = []struct{ suffix, encoding string }{
	{".br", "br"},
	{".gz", "gzip"},
}

// loadWebFiles indexes assets. A missing or unreadable file is left out:
// the server still starts, and says the client has not been built.
func loadWebFiles(assets fs.FS) webFiles {
	type sum struct {
		hash []byte
		size int
	}
	all := map[string]sum{}
	_ = fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "index.html" || strings.HasPrefix(path.Base(p), ".") {
			return nil
		}
		if b, err := fs.ReadFile(assets, p); err == nil {
			h := sha256.Sum256(b)
			all[p] = sum{h[:12], len(b)}
		}
		return nil
	})
	wf := webFiles{files: map[string]webFile{}}
	has := func(p string) bool { _, ok := all[p]; return ok }
	for p, orig := range all {
		if isPrecompressed(p, has) {
			continue
		}
		var f webFile
		for _, pc := range precompressed {
			if c, ok := all[p+pc.suffix]; ok {
				f.variants = append(f.variants, webVariant{path: p + pc.suffix, encoding: pc.encoding, size: c.size, etag: etag(c.hash)})
			}
		}
		f.variants = append(f.variants, webVariant{path: p, size: orig.size, etag: etag(orig.hash)})
		wf.files[p] = f
	}
	return wf
}

// isPrecompressed reports whether p is a compressed copy of another file,
// which is only ever sent under that file's name.
func isPrecompressed(p string, has func(string) bool) bool {
	for _, pc := range precompressed {
		if base, ok := strings.CutSuffix(p, pc.suffix); ok && has(base) {
			return true
		}
	}
	return false
}

func etag(sum []byte) string {
	return `"` + base64.RawURLEncoding.EncodeToString(sum) + `"`
}

// variant picks the representation to send for an Accept-Encoding
// header: the first of the file's variants the browser accepts. The
// uncompressed file is always acceptable unless refused outright.
func (f webFile) variant(acceptEncoding string) webVariant {
	for _, v := range f.variants {
		if acceptsEncoding(acceptEncoding, v.encoding) {
			return v
		}
	}
	return f.variants[len(f.variants)-1]
}

// acceptsEncoding reports whether an Accept-Encoding header allows the
// content coding enc ("" meaning identity), following RFC 9110 §12.5.3:
// a coding listed with q=0 is refused, "*" stands for any coding not
// listed, and identity is acceptable unless refused.
func acceptsEncoding(header, enc string) bool {
	if enc == "" {
		enc = "identity"
	}
	star := -1.0 // q of "*", or -1 when absent
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				q = parseQ(strings.TrimSpace(v))
			}
		}
		switch coding {
		case enc:
			return q > 0
		case "*":
			star = q
		}
	}
	if star >= 0 {
		return star > 0
	}
	return enc == "identity"
}

// parseQ reads a qvalue ("0", "0.5", "1.000"); anything malformed counts
// as 1, as most servers do.
func parseQ(s string) float64 {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 1
	}
	q, frac, scale := float64(s[0]-'0'), strings.TrimPrefix(s[1:], "."), 0.1
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 1
		}
		q += float64(c-'0') * scale
		scale /= 10
	}
	return q
}
