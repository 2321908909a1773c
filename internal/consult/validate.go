package consult

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/switchboard-nhs/switchboard/internal/fault"
)

var (
	ukMobile = regexp.MustCompile(`^(?:\+44|0044|0)(7[0-9]{9})$`)
	ukPhone  = regexp.MustCompile(`^(?:\+44|0044|0)([1-9][0-9]{8,9})$`)
)

// cleanText collapses white space and checks a free-text field's length.
func cleanText(what, s string, required bool, max int) (string, error) {
	t := strings.Join(strings.Fields(s), " ")
	switch {
	case t == "" && required:
		return "", fault.Invalidf("Enter the " + what + ".")
	case len(t) > max:
		return "", fault.Invalidf("The " + what + " must be at most " + strconv.Itoa(max) + " characters.")
	case strings.ContainsFunc(t, unicode.IsControl):
		return "", fault.Invalidf("The " + what + " must not contain control characters.")
	}
	return t, nil
}

// cleanNote keeps line breaks in a longer note, such as the outcome.
func cleanNote(what, s string, max int) (string, error) {
	t := strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	switch {
	case t == "":
		return "", fault.Invalidf("Enter the " + what + ".")
	case len(t) > max:
		return "", fault.Invalidf("The " + what + " must be at most " + strconv.Itoa(max) + " characters.")
	case strings.ContainsFunc(t, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return "", fault.Invalidf("The " + what + " must not contain control characters.")
	}
	return t, nil
}

// NormaliseMobile checks a UK mobile number (07…, +447…) and returns it as
// +447…; empty stays empty.
func NormaliseMobile(s string) (string, error) {
	d := stripPhone(s)
	if d == "" {
		return "", nil
	}
	m := ukMobile.FindStringSubmatch(d)
	if m == nil {
		return "", fault.Invalidf("Enter a UK mobile number, such as 07700 900123, or leave it blank.")
	}
	return "+44" + m[1], nil
}

// NormalisePhone checks any UK telephone number and returns it as +44….
func NormalisePhone(s string) (string, error) {
	d := stripPhone(s)
	m := ukPhone.FindStringSubmatch(d)
	if m == nil {
		return "", fault.Invalidf("Enter a UK telephone number to call if the video fails, such as 01632 960123 or 07700 900123.")
	}
	return "+44" + m[1], nil
}

func stripPhone(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// NormaliseEmail checks an email address; empty stays empty.
func NormaliseEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	if e == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", fault.Invalidf("Enter an email address in the form name@example.com, or leave it blank.")
	}
	return e, nil
}
