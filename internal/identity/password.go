package identity

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

// The password policy follows the NCSC's advice: length over complexity, a
// deny list of common passwords, no forced periodic change.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

//go:embed denylist/common-passwords.txt.gz
var denyListGz []byte

// PasswordPolicy checks new passwords. The deny list is loaded on first use.
type PasswordPolicy struct {
	once sync.Once
	deny map[string]struct{}
	err  error
}

func (p *PasswordPolicy) load() {
	zr, err := gzip.NewReader(bytes.NewReader(denyListGz))
	if err != nil {
		p.err = fmt.Errorf("open password deny list: %w", err)
		return
	}
	p.deny = make(map[string]struct{}, 50000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		p.deny[sc.Text()] = struct{}{}
	}
	p.err = sc.Err()
}

// Check returns a fault.Invalid error saying what to change if password is
// not acceptable for the person with the given email and name.
func (p *PasswordPolicy) Check(password, email, name string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return fault.Invalidf(fmt.Sprintf("Choose a password of at least %d characters. Three random words make a strong one that is easy to remember.", MinPasswordLength))
	}
	if n > MaxPasswordLength {
		return fault.Invalidf(fmt.Sprintf("Choose a password of at most %d characters.", MaxPasswordLength))
	}
	if !utf8.ValidString(password) {
		return fault.Invalidf("The password contains characters that are not valid text. Choose another.")
	}
	p.once.Do(p.load)
	if p.err != nil {
		return p.err
	}
	lower := strings.ToLower(password)
	if distinct(lower) < 5 {
		return fault.Invalidf("This password repeats too few characters. Choose one with more variety, such as three random words.")
	}
	if _, bad := p.deny[lower]; bad {
		return fault.Invalidf("This password is on the list of commonly used passwords. Choose another, such as three random words.")
	}
	// "password2024!" is as weak as "password": strip what people append.
	base := strings.TrimRightFunc(lower, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ' })
	if _, bad := p.deny[base]; bad && base != lower {
		return fault.Invalidf("This password is a common password with numbers or symbols added. Choose another, such as three random words.")
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if len(local) >= 4 && strings.Contains(lower, local) {
		return fault.Invalidf("The password must not contain your email address. Choose another.")
	}
	for _, part := range strings.Fields(strings.ToLower(name)) {
		if len(part) >= 4 && strings.Contains(lower, part) && len(lower)-len(part) < MinPasswordLength {
			return fault.Invalidf("The password is mostly your name. Choose another.")
		}
	}
	return nil
}

func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// HashPassword returns the argon2id hash of password in PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// dummyHash is compared against when the account does not exist, so that
// the time taken does not reveal whether it does.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c3dpdGNoYm9hcmRkdW1teQ$2ffzAOd7ncqvJw0Kq8QX4jZ1cp1b8mS4oUY/tmN6rqI"

// CheckPassword reports whether password matches the PHC-format hash.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
