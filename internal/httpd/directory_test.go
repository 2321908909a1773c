package httpd

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDirectorySearch(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk", "clinician", "admin")
	f.device("bob@example.nhs.uk", "clinician")
	f.device("dee@example.nhs.uk", "dpo")
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", []string{"ann@example.nhs.uk", "bob@example.nhs.uk", "dee@example.nhs.uk"}},
		{"bob", []string{"bob@example.nhs.uk"}},
		{"DPO", []string{"dee@example.nhs.uk"}},
		{"zz", nil},
	} {
		var out struct {
			People []struct{ Email string } `json:"people"`
		}
		if code := ann.do("GET", "/api/directory?q="+tc.q, nil, &out); code != http.StatusOK {
			t.Fatalf("GET /api/directory?q=%s = %d; want 200", tc.q, code)
		}
		var got []string
		for _, p := range out.People {
			got = append(got, p.Email)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("directory %q (-want +got):\n%s", tc.q, diff)
		}
	}
	if code := ann.do("GET", "/api/directory?q="+strings.Repeat("a", 101), nil, nil); code != http.StatusBadRequest {
		t.Errorf("GET /api/directory with a 101-character query = %d; want 400", code)
	}
}

func TestPIDOverrideCounted(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk")
	if code := ann.do("POST", "/api/pid/overrides", map[string]any{"kinds": []string{"NHS number", "postcode"}}, nil); code != http.StatusNoContent {
		t.Fatalf("POST /api/pid/overrides = %d; want 204", code)
	}
	for _, bad := range []any{map[string]any{"kinds": []string{}}, map[string]any{"kinds": []string{"943 476 5919"}}} {
		if code := ann.do("POST", "/api/pid/overrides", bad, nil); code != http.StatusBadRequest {
			t.Errorf("POST /api/pid/overrides %v = %d; want 400", bad, code)
		}
	}
	res, err := http.Get(f.ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, want := range []string{`switchboard_pid_warnings_overridden_total{kind="NHS number",org="RXX"} 1`, `switchboard_pid_warnings_overridden_total{kind="postcode",org="RXX"} 1`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(b), "943 476") {
		t.Error("metrics carry what was typed")
	}
}
