package pid

// maxPhoneLen bounds how far a phone number candidate is read.
const maxPhoneLen = 24

// findPhones finds UK telephone numbers in national (0…) or international
// (+44…) form, with spaces, dashes or brackets between digit groups.
func findPhones(s string) []Match {
	var out []Match
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c != '+' && c != '0' && c != '(') || (i > 0 && (isAlnum(s[i-1]) || s[i-1] == '+')) {
			continue
		}
		if end, ok := readPhone(s, i); ok {
			out = append(out, Match{Kind: Phone, Start: i, End: end})
			i = end - 1
		}
	}
	return out
}

// readPhone reads the longest valid UK number starting at i and returns
// where it ends.
func readPhone(s string, i int) (int, bool) {
	j := i
	var digits []byte
	var ends []int   // positions just after a digit
	var counts []int // digits read at each of those positions
	international := false
	if s[j] == '+' {
		if j+3 > len(s) || s[j+1:j+3] != "44" {
			return 0, false
		}
		international = true
		j += 3
		// "+44 (0)20 …": the bracketed trunk zero is not dialled.
		k := j
		for k < len(s) && s[k] == ' ' {
			k++
		}
		if k+3 <= len(s) && s[k:k+3] == "(0)" {
			j = k + 3
		}
	}
	prevSep := false
scan:
	for ; j < len(s) && j-i < maxPhoneLen; j++ {
		switch c := s[j]; {
		case isDigit(c):
			digits = append(digits, c)
			ends = append(ends, j+1)
			counts = append(counts, len(digits))
			prevSep = false
		case c == ' ' || c == '-' || c == '(' || c == ')':
			// Two separators in a row end the number, except around brackets.
			if prevSep && c != '(' && s[j-1] != ')' {
				break scan
			}
			prevSep = true
		default:
			break scan
		}
	}
	for k := len(ends) - 1; k >= 0; k-- {
		if !boundaryAfter(s, ends[k]) {
			continue
		}
		national := string(digits[:counts[k]])
		if international {
			national = "0" + national
		}
		if validUKNumber(national) {
			return ends[k], true
		}
	}
	return 0, false
}

// validUKNumber reports whether digits is a dialable UK national number:
// eleven digits for geographic (01, 02), non-geographic (03), mobile
// (07) and special (05, 08, 09) ranges, or ten for the older 01 and
// 0800 numbers.
func validUKNumber(d string) bool {
	if len(d) < 10 || d[0] != '0' {
		return false
	}
	switch len(d) {
	case 11:
		switch d[1] {
		case '1', '2', '3', '5', '7', '8', '9':
			return true
		}
	case 10:
		return d[1] == '1' || d[:4] == "0800"
	}
	return false
}
