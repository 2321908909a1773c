// Package internal_test holds the layering test: the rules of
// /STYLE.md on which package may import which, checked against what the
// packages under internal/ import today.
package internal_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/switchboard-nhs/switchboard/"

// layer is what a package under internal/ is, by its name there (a
// package's subpackages, such as postgres/pgtest, are in its layer).
type layer int

const (
	// mlsLayer is the MLS implementation: it stands alone, so that it can
	// be checked against other implementations and built for the browser.
	mlsLayer layer = iota
	// domain packages name a capability and hold its rules. They import
	// the standard library and each other, never an adapter.
	domain
	// adapter packages each wrap one dependency (a database, a bus, a
	// protocol) and speak in domain types. They never import each other.
	adapter
	// clientLayer is the client core: it runs on devices (in the browser
	// as WebAssembly, and in the CLI) and talks to the server only over
	// the wire, so it imports no server package.
	clientLayer
	// support packages hold tests of one contract against several
	// implementations; only tests import them.
	support
	// sharedStore is the SQL store both database adapters are made of;
	// only they import it, and it imports no adapter.
	sharedStore
)

var layers = map[string]layer{
	"mls": mlsLayer,

	"audit":     domain,
	"consult":   domain,
	"dpo":       domain, // the DPO's breach log and its clock
	"fault":     domain,
	"identity":  domain,
	"incident":  domain, // duty roles, urgent messages, major incidents
	"messaging": domain,
	"netpolicy": domain, // which network addresses the server may reach
	"pid":       domain,
	"records":   domain, // kinds, retention, filing to the record, holds
	"token":     domain,
	"keyring":   domain, // seals secrets at rest under keys kept outside the database
	"wire":      domain, // the contract between server and client core

	"httpd":    adapter,
	"nats":     adapter,
	"notify":   adapter, // GOV.UK Notify
	"pdf":      adapter, // documents rendered with go-pdf/fpdf
	"postgres": adapter,
	"smtp":     adapter,
	"sqlite":   adapter,
	"turn":     adapter,
	"webpush":  adapter,

	"client": clientLayer,

	"storetest": support,
	"fhirtest":  support, // the HL7 FHIR R4 schema, for tests

	"sqlstore": sharedStore,
}

// storeAdapters are the adapters built on sharedStore.
var storeAdapters = []string{"sqlite", "postgres"}

// clientMay lists what the client core may import besides itself: the
// shared pure packages. Everything else under internal/ is the server's.
var clientMay = []string{"mls", "fault", "pid", "token", "wire"}

// pkg is the part of `go list -json` the rules read.
type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// listPackages runs go list over internal/..., for env's GOOS and GOARCH,
// so that files built only for the browser are seen too.
func listPackages(t *testing.T, env ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,TestImports,XTestImports", "./...")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var ps []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		ps = append(ps, p)
	}
	return ps
}

// name is a project package's path under internal/ ("" for others), and
// top its first element, which names its layer.
func name(path string) (name, top string) {
	rest, ok := strings.CutPrefix(path, module+"internal/")
	if !ok {
		return "", ""
	}
	top, _, _ = strings.Cut(rest, "/")
	return rest, top
}

// check returns the rule that from importing imp breaks, or "".
// Test code is held to the mls and client rules only: tests of domain
// packages and adapters use real adapters (SQLite, Web Push) by design.
func check(from, imp string, test bool) string {
	fromName, fromTop := name(from)
	impName, impTop := name(imp)
	if !strings.HasPrefix(imp, module) || fromTop == impTop {
		return ""
	}
	switch layers[fromTop] {
	case mlsLayer:
		return "internal/mls imports nothing of the project"
	case clientLayer:
		if test && layers[impTop] == support && impTop != "storetest" {
			return "" // a contract of the outside world, such as the FHIR schema
		}
		if impName == "" || !slices.Contains(clientMay, impTop) {
			return fmt.Sprintf("the client core imports no server package (it may import %s)", strings.Join(clientMay, ", "))
		}
	}
	if test {
		return ""
	}
	switch {
	case impName == "":
		return fmt.Sprintf("internal/%s imports no command", fromName)
	case layers[fromTop] == domain && (layers[impTop] == adapter || layers[impTop] == sharedStore):
		return "a domain package imports no adapter"
	case layers[impTop] == sharedStore && !slices.Contains(storeAdapters, fromTop):
		return "only the database adapters (" + strings.Join(storeAdapters, ", ") + ") import " + impTop
	case layers[fromTop] == sharedStore && layers[impTop] == adapter:
		return impTop + " imports no adapter"
	case layers[fromTop] == adapter && layers[impTop] == adapter:
		return "adapters do not import each other"
	case layers[impTop] == support:
		return "only tests import " + impTop
	case layers[fromTop] == domain && layers[impTop] == clientLayer, layers[fromTop] == adapter && layers[impTop] == clientLayer:
		return "the server imports nothing of the client core"
	}
	return ""
}

// TestLayering fails when a package imports across a line STYLE.md draws.
func TestLayering(t *testing.T) {
	seen := map[string]bool{}
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		for _, p := range listPackages(t, env...) {
			n, top := name(p.ImportPath)
			if n == "" {
				continue
			}
			if _, ok := layers[top]; !ok && top != "" {
				t.Errorf("internal/%s is in no layer: add it to layers in internal/layering_test.go, with the rules it keeps", top)
				continue
			}
			for _, group := range []struct {
				imports []string
				test    bool
			}{{p.Imports, false}, {p.TestImports, true}, {p.XTestImports, true}} {
				for _, imp := range group.imports {
					rule := check(p.ImportPath, imp, group.test)
					key := p.ImportPath + " " + imp
					if rule == "" || seen[key] {
						continue
					}
					seen[key] = true
					t.Errorf("%s imports %s: %s", strings.TrimPrefix(p.ImportPath, module), strings.TrimPrefix(imp, module), rule)
				}
			}
		}
	}
}

// TestLayeringRules checks the rules themselves on imports that must and
// must not pass, so that a rule that can no longer fail is noticed.
func TestLayeringRules(t *testing.T) {
	in := func(s string) string { return module + "internal/" + s }
	for _, tc := range []struct {
		from, imp string
		test      bool
		broken    bool
	}{
		{in("mls"), in("fault"), false, true},
		{in("mls"), "crypto/hpke", false, false},
		{in("messaging"), in("identity"), false, false},
		{in("messaging"), in("sqlite"), false, true},
		{in("identity"), in("sqlite"), true, false}, // tests use real SQLite
		{in("httpd"), in("messaging"), false, false},
		{in("httpd"), in("webpush"), false, true},
		{in("sqlite"), in("postgres"), false, true},
		{in("postgres"), in("postgres/pgtest"), true, false},
		{in("sqlite"), in("storetest"), false, true},
		{in("sqlite"), in("storetest"), true, false},
		{in("client"), in("mls"), false, false},
		{in("client/filestore"), in("client"), false, false},
		{in("client"), in("messaging"), false, true},
		{in("client"), in("httpd"), true, true},
		{in("client"), module + "cmd/switchboard", false, true},
		{in("httpd"), in("client"), false, true},
	} {
		if got := check(tc.from, tc.imp, tc.test); (got != "") != tc.broken {
			t.Errorf("check(%s, %s, test=%v) = %q; want broken=%v", tc.from, tc.imp, tc.test, got, tc.broken)
		}
	}
}
