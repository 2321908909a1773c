package pid

// outwardForms are the shapes of a postcode's outward code: A a letter,
// 9 a digit.
var outwardForms = [...]string{"AA9A", "AA99", "A9A", "AA9", "A99", "A9"}

// findPostcodes finds UK postcodes (including GIR 0AA), with or without
// the space before the inward code, in upper or lower case.
func findPostcodes(s string) []Match {
	var out []Match
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) || !boundaryBefore(s, i) {
			continue
		}
		if end, ok := readPostcode(s, i); ok {
			out = append(out, Match{Kind: Postcode, Start: i, End: end})
			i = end - 1
		}
	}
	return out
}

func readPostcode(s string, i int) (int, bool) {
	if upperEq(s[i:min(i+3, len(s))], "GIR") {
		if end, ok := readInward(s, i+3, true); ok && sameCase(s[i:end]) {
			return end, true
		}
	}
	for _, form := range outwardForms {
		if !outwardMatches(s, i, form) {
			continue
		}
		if end, ok := readInward(s, i+len(form), false); ok && sameCase(s[i:end]) {
			return end, true
		}
	}
	return 0, false
}

// outwardMatches checks s[i:] against form and the letters each position
// allows.
func outwardMatches(s string, i int, form string) bool {
	if i+len(form) > len(s) {
		return false
	}
	for k := 0; k < len(form); k++ {
		c := s[i+k]
		if form[k] == '9' {
			if !isDigit(c) {
				return false
			}
			continue
		}
		if !isLetter(c) {
			return false
		}
		u := c &^ 0x20
		var bad, allowed string
		switch {
		case k == 0:
			bad = "QVX"
		case k == 1:
			bad = "IJZ"
		case k == 2: // A9A
			allowed = "ABCDEFGHJKPSTUW"
		case k == 3: // AA9A
			allowed = "ABEHMNPRVWXY"
		}
		if bad != "" && contains(bad, u) || allowed != "" && !contains(allowed, u) {
			return false
		}
	}
	return true
}

// readInward reads an optional space and the inward code 9AA at j. When
// gir is set the caller has matched GIR, whose only inward code is 0AA.
func readInward(s string, j int, gir bool) (int, bool) {
	if j < len(s) && s[j] == ' ' {
		j++
	}
	if j+3 > len(s) || !isDigit(s[j]) || !isLetter(s[j+1]) || !isLetter(s[j+2]) || !boundaryAfter(s, j+3) {
		return 0, false
	}
	if gir {
		return j + 3, upperEq(s[j:j+3], "0AA")
	}
	for _, c := range []byte{s[j+1], s[j+2]} {
		if contains("CIKMOV", c&^0x20) {
			return 0, false
		}
	}
	return j + 3, true
}

// sameCase accepts a postcode written all in capitals or all in small
// letters, which keeps ordinary mixed-case words out.
func sameCase(s string) bool {
	upper, lower := false, false
	for k := 0; k < len(s); k++ {
		c := s[k]
		upper = upper || c >= 'A' && c <= 'Z'
		lower = lower || c >= 'a' && c <= 'z'
	}
	return !(upper && lower)
}

func upperEq(s, want string) bool {
	if len(s) != len(want) {
		return false
	}
	for k := 0; k < len(s); k++ {
		c := s[k]
		if isLetter(c) {
			c &^= 0x20
		}
		if c != want[k] {
			return false
		}
	}
	return true
}

func contains(set string, c byte) bool {
	for k := 0; k < len(set); k++ {
		if set[k] == c {
			return true
		}
	}
	return false
}
