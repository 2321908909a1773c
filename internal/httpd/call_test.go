package httpd

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// call sends a request with a JSON body (and a bearer token, if any) to
// base+path and returns the status and the answer's body.
func call(t *testing.T, base, method, path, bearer, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// sentence is the error sentence of a JSON answer, if it has one.
func sentence(raw []byte) string {
	var e struct{ Error string }
	json.Unmarshal(raw, &e)
	return e.Error
}

// TestBodyMustBeAnObject: null, a list or a bare value is refused with a
// sentence, not taken for an empty request.
func TestBodyMustBeAnObject(t *testing.T) {
	f := newMsgFixture(t, testLimits())
	d := f.device("ann@example.nhs.uk")
	for _, path := range []string{"/api/keypackages", "/api/poll", "/api/keypackages/claim"} {
		for _, body := range []string{"null", " null ", "[]", "5", `"x"`, "true"} {
			status, raw := call(t, f.ts.URL, "POST", path, d.token, body)
			if status != http.StatusBadRequest || sentence(raw) != "The request body must be a JSON object ({…})." {
				t.Errorf("POST %s %s = %d %s; want 400 asking for a JSON object", path, body, status, raw)
			}
		}
	}
}
