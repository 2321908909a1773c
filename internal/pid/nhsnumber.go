package pid

// findNHSNumbers finds ten-digit NHS numbers, written together or grouped
// 3-3-4 with spaces or dashes, whose modulus-11 check digit is valid.
func findNHSNumbers(s string) []Match {
	var out []Match
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || !boundaryBefore(s, i) {
			continue
		}
		digits, end, ok := readNHSDigits(s, i)
		if ok && boundaryAfter(s, end) && ValidNHSNumber(digits) {
			out = append(out, Match{Kind: NHSNumber, Start: i, End: end})
			i = end
			continue
		}
		for i+1 < len(s) && isDigit(s[i+1]) {
			i++
		}
	}
	return out
}

// readNHSDigits reads ten digits at i, either contiguous or as 3-3-4
// groups separated by one space or one dash (the same both times).
func readNHSDigits(s string, i int) (string, int, bool) {
	if i+10 <= len(s) && allDigits(s[i:i+10]) {
		return s[i : i+10], i + 10, true
	}
	if i+12 > len(s) {
		return "", 0, false
	}
	sep := s[i+3]
	if (sep != ' ' && sep != '-') || s[i+7] != sep {
		return "", 0, false
	}
	a, b, c := s[i:i+3], s[i+4:i+7], s[i+8:i+12]
	if !allDigits(a) || !allDigits(b) || !allDigits(c) {
		return "", 0, false
	}
	return a + b + c, i + 12, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// ValidNHSNumber reports whether digits is ten digits whose last is the
// modulus-11 check digit of the first nine (NHS Data Dictionary): weights
// 10 down to 2, check = 11 - (sum mod 11), 11 becomes 0 and 10 is never
// issued.
func ValidNHSNumber(digits string) bool {
	if len(digits) != 10 || !allDigits(digits) {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(digits[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 {
		return false
	}
	return int(digits[9]-'0') == check
}
