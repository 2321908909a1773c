package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP follows RFC 6238 with the parameters every authenticator app
// supports: HMAC-SHA-1, 6 digits, 30-second steps.
const (
	totpStep   = 30 * time.Second
	totpDigits = 6
	totpIssuer = "Switchboard"
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new 160-bit secret, base32 encoded.
func NewTOTPSecret() string {
	b := make([]byte, 20)
	rand.Read(b)
	return totpEncoding.EncodeToString(b)
}

// TOTPURI returns the otpauth:// URI an authenticator app scans.
func TOTPURI(secret, account, org string) string {
	issuer := totpIssuer
	if org != "" {
		issuer = totpIssuer + " (" + org + ")"
	}
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(totpDigits))
	v.Set("period", fmt.Sprint(int(totpStep/time.Second)))
	return "otpauth://totp/" + label + "?" + v.Encode()
}

// TOTPCode returns the code for the given time step.
func TOTPCode(secret string, counter int64) (string, error) {
	key, err := totpEncoding.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return "", fmt.Errorf("decode TOTP secret: %w", err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1000000), nil
}

// TOTPCounter returns the time step containing t.
func TOTPCounter(t time.Time) int64 { return t.Unix() / int64(totpStep/time.Second) }

// VerifyTOTP checks code against the steps around now (one either side, for
// clock drift) that are later than lastUsed, and returns the step it matched.
// A code is accepted once only.
func VerifyTOTP(secret, code string, now time.Time, lastUsed int64) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != totpDigits {
		return 0, false
	}
	c := TOTPCounter(now)
	for _, step := range []int64{c, c - 1, c + 1} {
		if step <= lastUsed {
			continue
		}
		want, err := TOTPCode(secret, step)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}
