package httpd

import (
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// handleWeb serves the built web client: files under /assets/ and a few at
// the root as they are, and index.html for every other path, so the
// client's own router decides what to show.
func (s *Server) handleWeb(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return fault.New(fault.Invalid, "Pages can only be fetched with GET.")
	}
	p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if p != "" && p != "index.html" {
		if f, err := fs.Stat(s.assets, p); err == nil && !f.IsDir() {
			if strings.HasPrefix(p, "assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			http.ServeFileFS(w, r, s.assets, p)
			return nil
		}
		if strings.HasPrefix(p, "assets/") {
			http.NotFound(w, r)
			return nil
		}
	}
	return s.serveIndex(w, http.StatusOK)
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
