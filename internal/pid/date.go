package pid

import (
	"strings"
	"time"
)

// months maps the names and abbreviations of months to their numbers.
var months = map[string]time.Month{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
	"april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
	"august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10,
	"oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

// dobWords are the words that mark a nearby date as a date of birth.
var dobWords = [...]string{"dob", "d.o.b", "birth", "born", "b'day"}

const (
	// contextWindow is how many bytes before a date are searched for dobWords.
	contextWindow = 40
	// oldestAge bounds a date of birth: nobody is older.
	oldestAge = 125
	// recentYears: without a word such as "DOB", a date at least this
	// many years ago is taken for a date of birth; more recent ones are
	// most likely appointments, admissions or results.
	recentYears = 10
)

// date is a date candidate found in text.
type date struct {
	start, end int
	y          int
	m          time.Month
	d          int
	shortYear  bool
}

// findDates finds dates in the common UK forms (12/03/1950, 12-03-50,
// 12.03.1950, 1950-03-12, 12 March 1950, 12th Mar 1950, March 12, 1950)
// that are plausible dates of birth.
func findDates(s string, now time.Time) []Match {
	var out []Match
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) || !boundaryBefore(s, i) {
			continue
		}
		dt, ok := readDate(s, i)
		if !ok || !plausibleBirth(s, dt, now) {
			continue
		}
		out = append(out, Match{Kind: DateOfBirth, Start: dt.start, End: dt.end})
		i = dt.end - 1
	}
	return out
}

func readDate(s string, i int) (date, bool) {
	if isLetter(s[i]) {
		return readMonthFirst(s, i)
	}
	n1, j := readNumber(s, i, 4)
	switch l := j - i; {
	case l == 4 && j < len(s) && (s[j] == '-' || s[j] == '/'):
		sep := s[j]
		m, k := readNumber(s, j+1, 2)
		if k == j+1 || k >= len(s) || s[k] != sep {
			return date{}, false
		}
		d, e := readNumber(s, k+1, 2)
		if e == k+1 {
			return date{}, false
		}
		return validDate(s, date{start: i, end: e, y: n1, m: time.Month(m), d: d})
	case l == 1 || l == 2:
		if j < len(s) && (s[j] == '/' || s[j] == '-' || s[j] == '.') {
			return readNumericDMY(s, i, j, n1)
		}
		return readDayMonthName(s, i, j, n1)
	}
	return date{}, false
}

// readNumericDMY reads the rest of dd/mm/yyyy or dd/mm/yy after the day.
func readNumericDMY(s string, start, j, day int) (date, bool) {
	sep := s[j]
	m, k := readNumber(s, j+1, 2)
	if k == j+1 || k >= len(s) || s[k] != sep {
		return date{}, false
	}
	y, e := readNumber(s, k+1, 4)
	switch e - (k + 1) {
	case 4:
		return validDate(s, date{start: start, end: e, y: y, m: time.Month(m), d: day})
	case 2:
		return validDate(s, date{start: start, end: e, y: y, m: time.Month(m), d: day, shortYear: true})
	}
	return date{}, false
}

// readDayMonthName reads "12 March 1950", "12th of Mar. 1950".
func readDayMonthName(s string, start, j, day int) (date, bool) {
	j = skipOrdinal(s, j)
	j = skipSpaces(s, j)
	if strings.HasPrefix(strings.ToLower(s[j:]), "of ") {
		j = skipSpaces(s, j+3)
	}
	m, k, ok := readMonthName(s, j)
	if !ok || k == j {
		return date{}, false
	}
	y, e, ok := readYearAfter(s, k)
	if !ok {
		return date{}, false
	}
	return validDate(s, date{start: start, end: e, y: y, m: m, d: day})
}

// readMonthFirst reads "March 12, 1950" and "Mar 12th 1950".
func readMonthFirst(s string, i int) (date, bool) {
	m, j, ok := readMonthName(s, i)
	if !ok {
		return date{}, false
	}
	j = skipSpaces(s, j)
	d, k := readNumber(s, j, 2)
	if k == j {
		return date{}, false
	}
	k = skipOrdinal(s, k)
	y, e, ok := readYearAfter(s, k)
	if !ok {
		return date{}, false
	}
	return validDate(s, date{start: i, end: e, y: y, m: m, d: d})
}

// readYearAfter reads an optional comma, at least one space and a
// four-digit year.
func readYearAfter(s string, k int) (int, int, bool) {
	if k < len(s) && s[k] == ',' {
		k++
	}
	j := skipSpaces(s, k)
	if j == k {
		return 0, 0, false
	}
	y, e := readNumber(s, j, 4)
	return y, e, e-j == 4
}

func readMonthName(s string, i int) (time.Month, int, bool) {
	j := i
	for j < len(s) && isLetter(s[j]) && j-i < 10 {
		j++
	}
	m, ok := months[strings.ToLower(s[i:j])]
	if !ok || !boundaryAfter(s, j) {
		return 0, 0, false
	}
	if j < len(s) && s[j] == '.' {
		j++
	}
	return m, j, true
}

// readNumber reads up to max digits at i and returns their value and the
// position after them.
func readNumber(s string, i, max int) (int, int) {
	n, j := 0, i
	for j < len(s) && isDigit(s[j]) && j-i < max {
		n = n*10 + int(s[j]-'0')
		j++
	}
	if j < len(s) && isDigit(s[j]) {
		return 0, i // longer than max: not this form
	}
	return n, j
}

func skipOrdinal(s string, j int) int {
	if j+2 <= len(s) {
		switch strings.ToLower(s[j : j+2]) {
		case "st", "nd", "rd", "th":
			if boundaryAfter(s, j+2) {
				return j + 2
			}
		}
	}
	return j
}

func skipSpaces(s string, j int) int {
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j
}

// validDate checks that the candidate ends at a word boundary and names a
// real calendar day. Two-digit years stay as read; plausibleBirth
// resolves them.
func validDate(s string, dt date) (date, bool) {
	if !boundaryAfter(s, dt.end) || dt.m < 1 || dt.m > 12 || dt.d < 1 || dt.d > 31 {
		return date{}, false
	}
	y := dt.y
	if dt.shortYear {
		y += 2000 // plausibleBirth checks the day again in the right century
	}
	t := time.Date(y, dt.m, dt.d, 0, 0, 0, 0, time.UTC)
	if t.Day() != dt.d || t.Month() != dt.m {
		return date{}, false
	}
	return dt, true
}

// plausibleBirth decides whether a real date is a date of birth: any past
// date within a lifetime when a word such as "DOB" comes just before it,
// otherwise only a date at least recentYears ago.
func plausibleBirth(s string, dt date, now time.Time) bool {
	y := dt.y
	if dt.shortYear {
		y += 2000
		if y > now.Year() {
			y -= 100
		}
	}
	t := time.Date(y, dt.m, dt.d, 0, 0, 0, 0, time.UTC)
	if t.Day() != dt.d || t.After(now) || y < now.Year()-oldestAge {
		return false
	}
	if hasDOBContext(s, dt.start) {
		return true
	}
	return y >= 1900 && y <= now.Year()-recentYears
}

func hasDOBContext(s string, start int) bool {
	before := strings.ToLower(s[max(0, start-contextWindow):start])
	for _, w := range dobWords {
		if strings.Contains(before, w) {
			return true
		}
	}
	return false
}
