package httpd

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/identity"
)

func TestParsePrefixes(t *testing.T) {
	ps, err := ParsePrefixes(" 10.0.1.0/24, 10.0.2.7 ,::1,, 10.9.9.9/8")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.1.0/24 10.0.2.7/32 ::1/128 10.0.0.0/8" {
		t.Errorf("ParsePrefixes = %v", got)
	}
	for _, bad := range []string{"10.0.0.300", "nginx", "10.0.0.0/33"} {
		if _, err := ParsePrefixes(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParsePrefixes(%q) = %v; want an error naming it", bad, err)
		}
	}
	if ps, err := ParsePrefixes(""); ps != nil || err != nil {
		t.Errorf(`ParsePrefixes("") = %v, %v; want nil, nil`, ps, err)
	}
}

// TestTrustedProxy: behind a trusted proxy the client is the right-most
// X-Forwarded-For address that is not a proxy: the audit log records it,
// and /metrics is served only to the allowed addresses. A client's own
// X-Forwarded-For, not from a trusted proxy, is ignored.
func TestTrustedProxy(t *testing.T) {
	proxies, _ := ParsePrefixes("127.0.0.1")
	allow, _ := ParsePrefixes("192.0.2.0/24")
	_, ids, ts := newTestServerWith(t, Config{PublicURL: "http://example.test", TrustedProxies: proxies, MetricsAllow: allow})
	get := func(path, xff string) int {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, tc := range []struct {
		xff  string
		want int
	}{
		{"", 403},                        // the proxy itself
		{"192.0.2.9", 200},               // an allowed client
		{"192.0.2.9, 198.51.100.1", 403}, // the client wrote the first entry
		{"198.51.100.1, 192.0.2.9", 200},
		{"192.0.2.9, 127.0.0.1", 200}, // two proxies
		{"not-an-address", 403},
	} {
		if got := get("/metrics", tc.xff); got != tc.want {
			t.Errorf("GET /metrics with X-Forwarded-For %q = %d; want %d", tc.xff, got, tc.want)
		}
	}

	ctx := context.Background()
	if _, err := ids.CreateOrg(ctx, "RXX", "Test Trust"); err != nil {
		t.Fatal(err)
	}
	_, key, err := ids.CreateUserWithPassword(ctx, identity.NewUser{OrgODS: "RXX", Email: "a@x.nhs.uk", Name: "A", Roles: []string{"admin"}, Password: "tulip ladder velvet orbit"})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := identity.TOTPCode(key.Secret, identity.TOTPCounter(time.Now()))
	si, err := ids.SignIn(ctx, identity.SignInInput{Email: "a@x.nhs.uk", Password: "tulip ladder velvet orbit", Code: code, Device: identity.DeviceInput{Kind: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/api/session", strings.NewReader(`{"email":"a@x.nhs.uk","password":"wrong password here","code":"000000"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "203.0.113.77")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("sign-in with a wrong password = %d; want 401", res.StatusCode)
	}
	es, err := ids.ListAudit(ctx, mustPrincipal(t, ids, si.Token), 0, 1)
	if err != nil || len(es) != 1 {
		t.Fatal(es, err)
	}
	last := es[0]
	if last.Addr != "203.0.113.77" {
		t.Errorf("last audit entry %s from %q; want the forwarded client 203.0.113.77", last.Action, last.Addr)
	}
}
