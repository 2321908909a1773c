package identity

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

func TestPasswordPolicy(t *testing.T) {
	var p PasswordPolicy
	tests := []struct {
		pw      string
		wantErr string // a fragment of the message, or "" for accepted
	}{
		{"short", "at least 12"},
		{"password123", "at least 12"},
		{"passwordpassword", "common"},
		{"qwertyuiopasdfgh", ""}, // not on the list as a whole
		{"password12345678!", "numbers or symbols added"},
		{"aaaaaaaaaaaaaaaa", "variety"},
		{"abababababababab", "variety"},
		{"qwertyuiop123456", "numbers or symbols added"},
		{"tulip ladder velvet orbit", ""},
		{"jane.doe-is-my-password", "email"},
		{strings.Repeat("long enough words ", 20), "at most 256"},
	}
	for _, tt := range tests {
		err := p.Check(tt.pw, "jane.doe@example.nhs.uk", "Jane Doe")
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("Check(%q) = %v; want accepted", tt.pw, err)
			}
			continue
		}
		if err == nil || !strings.Contains(fault.Message(err), tt.wantErr) || !fault.Is(err, fault.Invalid) {
			t.Errorf("Check(%q) = %v; want Invalid mentioning %q", tt.pw, err, tt.wantErr)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h := HashPassword("tulip ladder velvet orbit")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("HashPassword = %q; want argon2id PHC string", h)
	}
	if !CheckPassword(h, "tulip ladder velvet orbit") {
		t.Error("CheckPassword(right) = false; want true")
	}
	if CheckPassword(h, "tulip ladder velvet orbiT") {
		t.Error("CheckPassword(wrong) = true; want false")
	}
	if h2 := HashPassword("tulip ladder velvet orbit"); h2 == h {
		t.Error("two hashes of one password are equal; want distinct salts")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA"} {
		if CheckPassword(bad, "x") {
			t.Errorf("CheckPassword(%q) = true; want false", bad)
		}
	}
}

// RFC 6238 appendix B, SHA-1, truncated to 6 digits.
func TestTOTPVectors(t *testing.T) {
	secret := totpEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, tt := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}} {
		got, err := TOTPCode(secret, TOTPCounter(time.Unix(tt.unix, 0)))
		if err != nil || got != tt.want {
			t.Errorf("TOTPCode(t=%d) = %q, %v; want %q", tt.unix, got, err, tt.want)
		}
	}
}

func TestVerifyTOTPRefusesReplayAndDrift(t *testing.T) {
	secret := NewTOTPSecret()
	now := time.Unix(1_800_000_000, 0)
	c := TOTPCounter(now)
	code, _ := TOTPCode(secret, c)
	step, ok := VerifyTOTP(secret, code, now, 0)
	if !ok || step != c {
		t.Fatalf("VerifyTOTP(current) = %d, %v; want %d, true", step, ok, c)
	}
	if _, ok := VerifyTOTP(secret, code, now, step); ok {
		t.Error("VerifyTOTP accepted a code already used")
	}
	old, _ := TOTPCode(secret, c-3)
	if _, ok := VerifyTOTP(secret, old, now, 0); ok {
		t.Error("VerifyTOTP accepted a code 90 seconds old")
	}
	prev, _ := TOTPCode(secret, c-1)
	if _, ok := VerifyTOTP(secret, prev, now, 0); !ok {
		t.Error("VerifyTOTP refused the previous step's code; want one step of drift allowed")
	}
	if _, ok := VerifyTOTP(secret, "12345", now, 0); ok {
		t.Error("VerifyTOTP accepted a 5-digit code")
	}
}

func TestTOTPURI(t *testing.T) {
	u := TOTPURI("JBSWY3DPEHPK3PXP", "a@b.nhs.uk", "RXX")
	for _, want := range []string{"otpauth://totp/", "secret=JBSWY3DPEHPK3PXP", "issuer=Switchboard", "period=30", "digits=6"} {
		if !strings.Contains(u, want) {
			t.Errorf("TOTPURI = %q; want it to contain %q", u, want)
		}
	}
}

func TestValidation(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{{"rxx", "RXX", true}, {" A81001 ", "A81001", true}, {"RBA01", "RBA01", true}, {"12", "", false}, {"123", "", false},
		{"RX-X", "", false}, {"ABCDEFGHIJK", "", false}, {"", "", false}} {
		got, err := NormaliseODS(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormaliseODS(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{{"Jane@Example.NHS.uk", "jane@example.nhs.uk", true}, {"jane", "", false}, {"Jane <j@x.uk>", "", false}, {"j@localhost", "", false}} {
		got, err := NormaliseEmail(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{{"", "", true}, {"1234567", "1234567", true}, {"12a3456e", "12A3456E", true}, {"PH 123456", "PH123456", true}, {"GMC 1234567", "1234567", true}, {"NMC: 12A3456E", "12A3456E", true}, {"HCPC PH123456", "PH123456", true}, {"123", "", false}} {
		got, err := NormaliseRegistration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormaliseRegistration(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if rs, err := ParseRoles([]string{"Admin", "clinician", "admin"}); err != nil || len(rs) != 2 {
		t.Errorf("ParseRoles(dupes) = %v, %v; want [admin clinician]", rs, err)
	}
	if _, err := ParseRoles([]string{"surgeon"}); err == nil {
		t.Error("ParseRoles(surgeon) succeeded; want an error naming the roles")
	}
	if _, err := ParseRoles(nil); err == nil {
		t.Error("ParseRoles(none) succeeded; want an error")
	}
}
