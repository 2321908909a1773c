package turn

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/consult"
)

// Password returns the coturn REST API password for username:
// base64(HMAC-SHA1(secret, username)).
func Password(secret, username string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Issuer hands out short-lived credentials for a set of TURN URLs.
type Issuer struct {
	secret string
	urls   []string
	ttl    time.Duration
	now    func() time.Time
}

// NewIssuer returns an Issuer of credentials valid for ttl.
func NewIssuer(secret string, urls []string, ttl time.Duration, now func() time.Time) *Issuer {
	return &Issuer{secret: secret, urls: urls, ttl: ttl, now: now}
}

// ICEServers returns credentials for id (a participant or user ID, so that
// the relay's allocations can be told apart; never a name).
func (i *Issuer) ICEServers(id string) []consult.ICEServer {
	if i == nil || len(i.urls) == 0 {
		return []consult.ICEServer{}
	}
	user := strconv.FormatInt(i.now().Add(i.ttl).Unix(), 10) + ":" + id
	return []consult.ICEServer{{URLs: i.urls, Username: user, Credential: Password(i.secret, user)}}
}

// checkUsername reports whether a REST API username has not expired.
func checkUsername(username string, now time.Time) bool {
	exp, _, ok := strings.Cut(username, ":")
	if !ok {
		return false
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	return err == nil && now.Unix() < t
}
