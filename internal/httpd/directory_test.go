package httpd

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

func TestDirectorySearch(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	ann := f.device("ann@example.nhs.uk", "clinician", "admin")
	f.device("bob@example.nhs.uk", "clinician")
	f.device("dee@example.nhs.uk", "dpo")
	if _, _, err := f.ids.CreateUserWithPassword(context.Background(), identity.NewUser{OrgODS: "RXX", Email: "eve@example.nhs.uk",
		Name: "Eve", Team: "  Cardiology   on call ", Roles: []string{"clinician"}, Password: msgPassword}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.ids.CreateUserWithPassword(context.Background(), identity.NewUser{OrgODS: "RXX", Email: "fay@example.nhs.uk",
		Name: "Fay", Team: strings.Repeat("x", 101), Roles: []string{"clinician"}, Password: msgPassword}); fault.Message(err) != "The team must be at most 100 characters." {
		t.Errorf("a 101-character team = %v; want it refused", err)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", []string{"eve@example.nhs.uk", "ann@example.nhs.uk", "bob@example.nhs.uk", "dee@example.nhs.uk"}}, // by name: Eve, then the three named Test
		{"cardiology+on", []string{"eve@example.nhs.uk"}},
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

	// The counts are kept, per UK week, for the organisation's admins
	// and data protection officer.
	if code := ann.do("POST", "/api/pid/overrides", map[string]any{"kinds": []string{"NHS number", "NHS number"}}, nil); code != http.StatusNoContent {
		t.Fatalf("POST /api/pid/overrides naming a kind twice = %d; want 204", code)
	}
	org, err := f.store.OrgByODS(context.Background(), "RXX")
	if err != nil {
		t.Fatal(err)
	}
	uk, _ := time.LoadLocation("Europe/London")
	lastWeek := time.Now().In(uk).AddDate(0, 0, -7).Format(time.DateOnly)
	if err := f.store.AddPIDOverrides(context.Background(), org.ID, lastWeek, []string{"phone number"}); err != nil {
		t.Fatal(err)
	}
	dpo := f.device("dpo@example.nhs.uk", "dpo")
	var rep struct {
		Weeks []struct {
			Commencing string           `json:"week_commencing"`
			Counts     map[string]int64 `json:"counts"`
		}
	}
	if code := dpo.do("GET", "/api/reports/pid?weeks=3", nil, &rep); code != 200 || len(rep.Weeks) != 3 {
		t.Fatalf("GET /api/reports/pid = %d %+v; want three weeks", code, rep)
	}
	want := []map[string]int64{{"NHS number": 2, "postcode": 1}, {"phone number": 1}, {}}
	for i, w := range rep.Weeks {
		if !cmp.Equal(w.Counts, want[i]) {
			t.Errorf("week %d (%s) counts %v; want %v", i, w.Commencing, w.Counts, want[i])
		}
		if d, err := time.Parse(time.DateOnly, w.Commencing); err != nil || d.Weekday() != time.Monday {
			t.Errorf("week %d commences %q; want a Monday", i, w.Commencing)
		}
	}
	if code := ann.do("GET", "/api/reports/pid", nil, nil); code != http.StatusForbidden {
		t.Errorf("GET /api/reports/pid as a clinician = %d; want 403", code)
	}
	for _, q := range []string{"0", "54", "many"} {
		if code := dpo.do("GET", "/api/reports/pid?weeks="+q, nil, nil); code != http.StatusBadRequest {
			t.Errorf("GET /api/reports/pid?weeks=%s = %d; want 400", q, code)
		}
	}
}
