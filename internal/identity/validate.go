package identity

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

var (
	odsPattern = regexp.MustCompile(`^[A-Z0-9]{3,10}$`)
	// Professional registration numbers: GMC (7 digits), NMC PIN (such as
	// 12A3456E), HCPC (profession prefix and digits, such as PH123456).
	registrationPatterns = []*regexp.Regexp{
		regexp.MustCompile(`^[0-9]{7}$`),
		regexp.MustCompile(`^[0-9]{2}[A-Z][0-9]{4}[A-Z]$`),
		regexp.MustCompile(`^[A-Z]{2}[0-9]{5,6}$`),
	}
)

// NormaliseODS upper-cases an ODS code and checks its form: 3 to 10 letters
// and digits, at least one of them a letter (such as RXX, A81001 or RBA01).
func NormaliseODS(code string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if !odsPattern.MatchString(c) || !strings.ContainsFunc(c, unicode.IsLetter) {
		return "", fault.Invalidf("The ODS code must be 3 to 10 letters and digits, such as RXX or A81001.")
	}
	return c, nil
}

// NormaliseEmail lower-cases an email address and checks its form.
func NormaliseEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || len(e) > 254 || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", fault.Invalidf("Enter an email address in the form name@example.nhs.uk.")
	}
	return e, nil
}

// CheckName checks a display name or organisation name.
func CheckName(what, name string) (string, error) {
	n := strings.Join(strings.Fields(name), " ")
	switch {
	case n == "":
		return "", fault.Invalidf("Enter the " + what + ".")
	case len(n) > 200:
		return "", fault.Invalidf("The " + what + " must be at most 200 characters.")
	case strings.ContainsFunc(n, unicode.IsControl):
		return "", fault.Invalidf("The " + what + " must not contain control characters.")
	}
	return n, nil
}

// CheckTeam checks the name of a person's team; empty is allowed.
func CheckTeam(team string) (string, error) {
	t := strings.Join(strings.Fields(team), " ")
	switch {
	case len(t) > 100:
		return "", fault.Invalidf("The team must be at most 100 characters.")
	case strings.ContainsFunc(t, unicode.IsControl):
		return "", fault.Invalidf("The team must not contain control characters.")
	}
	return t, nil
}

// NormaliseRegistration checks a professional registration number; empty is
// allowed (not every user is registered).
func NormaliseRegistration(reg string) (string, error) {
	r := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(reg), " ", ""))
	if r == "" {
		return "", nil
	}
	// People often type the register's name before the number.
	candidates := []string{r}
	for _, body := range []string{"GMC", "NMC", "HCPC"} {
		if rest, ok := strings.CutPrefix(r, body); ok {
			candidates = append(candidates, strings.TrimLeft(rest, ":#-"))
		}
	}
	for _, c := range candidates {
		for _, p := range registrationPatterns {
			if p.MatchString(c) {
				return c, nil
			}
		}
	}
	return "", fault.Invalidf("The professional registration must be a GMC number (7 digits), an NMC PIN (such as 12A3456E) or an HCPC number (such as PH123456).")
}

// ParseRoles checks a list of role names and returns them without duplicates.
func ParseRoles(names []string) ([]Role, error) {
	if len(names) == 0 {
		return nil, fault.Invalidf("Give the user at least one role: clinician, admin or dpo.")
	}
	var roles []Role
	for _, n := range names {
		r := Role(strings.ToLower(strings.TrimSpace(n)))
		known := false
		for _, k := range Roles {
			if r == k {
				known = true
			}
		}
		if !known {
			return nil, fault.Invalidf("The role " + quote(n) + " does not exist; use clinician, admin or dpo.")
		}
		dup := false
		for _, have := range roles {
			dup = dup || have == r
		}
		if !dup {
			roles = append(roles, r)
		}
	}
	return roles, nil
}

// CheckDevice checks the name and kind a client gives for its device.
func CheckDevice(name, kind string) (string, string, error) {
	n := strings.Join(strings.Fields(name), " ")
	if n == "" {
		n = "Unnamed device"
	}
	if len(n) > 100 || strings.ContainsFunc(n, unicode.IsControl) {
		return "", "", fault.Invalidf("The device name must be at most 100 characters of plain text.")
	}
	k := strings.ToLower(strings.TrimSpace(kind))
	for _, known := range DeviceKinds {
		if k == known {
			return n, k, nil
		}
	}
	return "", "", fault.Invalidf("The device kind must be web, cli or bot.")
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "\u201c" + strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s) + "\u201d"
}
