package pid

import (
	"slices"
	"time"
)

// Kind is a kind of patient-identifiable data.
type Kind string

// The kinds Find reports.
const (
	NHSNumber   Kind = "NHS number"
	DateOfBirth Kind = "date of birth"
	Postcode    Kind = "postcode"
	Phone       Kind = "phone number"
)

// Match is one finding: text[Start:End] looks like data of Kind.
type Match struct {
	Kind  Kind
	Start int // byte offset of the first byte
	End   int // byte offset just past the last byte
}

// Find returns the patient-identifiable data in text, ordered by Start and
// never overlapping. now decides which dates are plausible dates of birth.
// When candidates overlap, the earlier kind in the order NHS number, phone
// number, date of birth, postcode wins.
func Find(text string, now time.Time) []Match {
	var all []Match
	all = append(all, findNHSNumbers(text)...)
	all = append(all, findPhones(text)...)
	all = append(all, findDates(text, now)...)
	all = append(all, findPostcodes(text)...)
	var out []Match
	for _, m := range all {
		if !overlapsAny(out, m) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b Match) int { return a.Start - b.Start })
	return out
}

// Kinds returns the distinct kinds in ms, in the order of first appearance.
func Kinds(ms []Match) []Kind {
	var out []Kind
	for _, m := range ms {
		if !slices.Contains(out, m.Kind) {
			out = append(out, m.Kind)
		}
	}
	return out
}

func overlapsAny(ms []Match, m Match) bool {
	for _, o := range ms {
		if m.Start < o.End && o.Start < m.End {
			return true
		}
	}
	return false
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }
func isAlnum(b byte) bool  { return isDigit(b) || isLetter(b) }

// boundaryBefore reports whether a token may start at i: the byte before
// it is neither a letter nor a digit.
func boundaryBefore(s string, i int) bool { return i == 0 || !isAlnum(s[i-1]) }

// boundaryAfter reports whether a token may end at i.
func boundaryAfter(s string, i int) bool { return i >= len(s) || !isAlnum(s[i]) }
