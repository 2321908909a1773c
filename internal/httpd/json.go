package httpd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/identity"
)

// maxBody bounds every JSON request body.
const maxBody = 64 << 10

// decode reads a JSON request body into v, refusing unknown fields, trailing
// data and oversized bodies with a sentence saying what is wrong.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeN(w, r, v, maxBody)
}

// decodeN is decode with a body limit of its own, for routes that carry
// binary payloads.
func decodeN(w http.ResponseWriter, r *http.Request, v any, maxBody int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" && !startsWith(ct, "application/json;") {
		return fault.Invalidf("Send the request body as JSON (Content-Type: application/json).")
	}
	body := bufio.NewReader(http.MaxBytesReader(w, r.Body, maxBody))
	// Every body is a JSON object: null, a list or a bare value would
	// decode into nothing and be taken for an empty request.
	if err := skipSpace(body); err == nil {
		if b, _ := body.Peek(1); len(b) == 1 && b[0] != '{' {
			return fault.Invalidf("The request body must be a JSON object ({…}).")
		}
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return fault.Wrap(fault.Invalid, fmt.Sprintf("The request body is larger than %d KiB.", maxBody>>10), err)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return fault.Wrap(fault.Invalid, "The request body came too slowly; send it again.", err)
		case errors.Is(err, io.EOF):
			return fault.Invalidf("The request body is empty; send a JSON object.")
		case errors.As(err, &se):
			return fault.Wrap(fault.Invalid, fmt.Sprintf("The request body is not valid JSON (at byte %d).", se.Offset), err)
		case errors.As(err, &te):
			return fault.Wrap(fault.Invalid, fmt.Sprintf("The field %q has the wrong type; it should be %s.", te.Field, te.Type), err)
		default:
			return fault.Wrap(fault.Invalid, "The request body could not be read: "+sanitize(err.Error())+".", err)
		}
	}
	if dec.More() {
		return fault.Invalidf("The request body has data after the JSON object; send exactly one object.")
	}
	return nil
}

// skipSpace reads past JSON whitespace.
func skipSpace(r *bufio.Reader) error {
	for {
		b, err := r.Peek(1)
		if err != nil {
			return err
		}
		if b[0] != ' ' && b[0] != '\t' && b[0] != '\n' && b[0] != '\r' {
			return nil
		}
		if _, err := r.ReadByte(); err != nil {
			return err
		}
	}
}

func startsWith(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// sanitize keeps a decoder's message short and printable.
func sanitize(s string) string {
	if len(s) > 120 {
		s = s[:120]
	}
	out := []rune{}
	for _, r := range s {
		if r >= 0x20 && r != 0x7f {
			out = append(out, r)
		}
	}
	return string(out)
}

// reply writes v as JSON with the given status.
func reply(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// status maps an error's kind to an HTTP status: the one place this is decided.
func status(err error) int {
	switch fault.KindOf(err) {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.Unauthenticated:
		return http.StatusUnauthorized
	case fault.Conflict:
		return http.StatusConflict
	case fault.TooMany:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeError replies with the error's user-safe message; the cause goes to
// the log only, and only for faults of ours.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := status(err)
	if code >= 500 {
		s.log.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Kind == fault.TooMany && fe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(fe.RetryAfter.Seconds()))))
	}
	body := map[string]string{"error": fault.Message(err)}
	if errors.Is(err, identity.ErrDeviceRevoked) {
		// A code as well as the sentence, so a client can act on it
		// (forget the device) without parsing words.
		body["code"] = "device_revoked"
	}
	reply(w, code, body)
}
