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
