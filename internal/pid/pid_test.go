package pid

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// found returns the matched text and kind of each match.
func found(text string) [][2]string {
	var out [][2]string
	for _, m := range Find(text, testNow) {
		out = append(out, [2]string{string(m.Kind), text[m.Start:m.End]})
	}
	return out
}

func TestValidNHSNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"9434765919", true},  // NHS Digital's published example
		{"4010232137", true},  // check digit 7
		{"9434765870", true},  // check digit 0 (remainder 0 → 11 → 0)
		{"9434765918", false}, // wrong check digit
		{"1234567890", false}, // check digit would be 10: never issued
		{"943476591", false},  // nine digits
		{"94347659190", false},
		{"94347a5919", false},
	} {
		if got := ValidNHSNumber(tc.in); got != tc.want {
			t.Errorf("ValidNHSNumber(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}

func TestFind(t *testing.T) {
	const (
		nhs   = string(NHSNumber)
		dob   = string(DateOfBirth)
		pc    = string(Postcode)
		phone = string(Phone)
	)
	for _, tc := range []struct {
		name string
		in   string
		want [][2]string
	}{
		{"nothing", "Bed 4 needs review after the ward round at 10:30.", nil},
		{"nhs plain", "NHS no 9434765919 please", [][2]string{{nhs, "9434765919"}}},
		{"nhs spaced", "pt 943 476 5919 seen", [][2]string{{nhs, "943 476 5919"}}},
		{"nhs dashed", "943-476-5919", [][2]string{{nhs, "943-476-5919"}}},
		{"nhs mixed separators", "943 476-5919", nil},
		{"nhs invalid check digit", "9434765918 is a typo", nil},
		{"nhs inside longer number", "ref 194347659190", nil},
		{"nhs glued to letters", "ID9434765919X", nil},
		{"dob context", "DOB 12/03/2019, on the ward", [][2]string{{dob, "12/03/2019"}}},
		{"dob born text", "born 3rd of March 2021", [][2]string{{dob, "3rd of March 2021"}}},
		{"dob old date no context", "seen 14.07.1948 originally", [][2]string{{dob, "14.07.1948"}}},
		{"dob month first", "Mrs X, March 12, 1950", [][2]string{{dob, "March 12, 1950"}}},
		{"dob abbreviated", "12 Sept 1961", [][2]string{{dob, "12 Sept 1961"}}},
		{"dob iso", "1950-03-12", [][2]string{{dob, "1950-03-12"}}},
		{"dob short year", "d.o.b. 01/02/85", [][2]string{{dob, "01/02/85"}}},
		{"recent date without context", "clinic on 12/03/2025", nil},
		{"future date with context", "DOB 12/03/2030", nil},
		{"impossible date", "DOB 31/02/1950", nil},
		{"not a date", "dose 12/30 then 1/2", nil},
		{"too old", "DOB 01/01/1850", nil},
		{"postcode", "lives at SW1A 1AA now", [][2]string{{pc, "SW1A 1AA"}}},
		{"postcode no space", "LS14AP", [][2]string{{pc, "LS14AP"}}},
		{"postcode lower", "m1 1ae", [][2]string{{pc, "m1 1ae"}}},
		{"postcode A9A", "W1A 0AX", [][2]string{{pc, "W1A 0AX"}}},
		{"postcode AA99", "CR11 2AB", [][2]string{{pc, "CR11 2AB"}}},
		{"postcode GIR", "GIR 0AA", [][2]string{{pc, "GIR 0AA"}}},
		{"postcode bad first letter", "QA1 1AA", nil},
		{"postcode bad inward letter", "SW1A 1AC", nil},
		{"postcode mixed case", "Ls1 4aP", nil},
		{"postcode in word", "XSW1A 1AA", nil},
		{"mobile", "call 07700 900123 now", [][2]string{{phone, "07700 900123"}}},
		{"mobile plain", "07700900123", [][2]string{{phone, "07700900123"}}},
		{"mobile intl", "+44 7700 900123", [][2]string{{phone, "+44 7700 900123"}}},
		{"mobile intl trunk", "+44 (0)7700 900 123", [][2]string{{phone, "+44 (0)7700 900 123"}}},
		{"london", "020 7946 0958", [][2]string{{phone, "020 7946 0958"}}},
		{"landline brackets", "(0113) 496 0000", [][2]string{{phone, "(0113) 496 0000"}}},
		{"landline dashes", "0113-496-0000", [][2]string{{phone, "0113-496-0000"}}},
		{"freephone", "0800 123 456", [][2]string{{phone, "0800 123 456"}}},
		{"phone then number", "07700 900123 5 times", [][2]string{{phone, "07700 900123"}}},
		{"too short", "0113 496", nil},
		{"too long", "077009001234567", nil},
		{"not uk", "+33 1 23 45 67 89", nil},
		{"bleep", "bleep 4455", nil},
		{"several", "Pt 943 476 5919, DOB 12/03/1950, LS1 4AP, 07700 900123",
			[][2]string{{nhs, "943 476 5919"}, {dob, "12/03/1950"}, {pc, "LS1 4AP"}, {phone, "07700 900123"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, found(tc.in)); diff != "" {
				t.Errorf("Find(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	got := Kinds(Find("07700 900123 and 9434765919 and 07700 900124", testNow))
	want := []Kind{Phone, NHSNumber}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Kinds (-want +got):\n%s", diff)
	}
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{"943 476 5919", "DOB 12/03/1950", "GIR 0AA", "+44 (0)7700 900 123",
		"12th of March 1950", "SW1A1AA", "(0113) 496 0000", "1950-03-12", "+44", "0", "12 Sept"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms := Find(s, testNow)
		end := 0
		for _, m := range ms {
			if m.Start < end || m.End <= m.Start || m.End > len(s) {
				t.Fatalf("Find(%q): bad span %+v after %d", s, m, end)
			}
			end = m.End
			if m.Kind == NHSNumber {
				d := []byte{}
				for _, c := range []byte(s[m.Start:m.End]) {
					if isDigit(c) {
						d = append(d, c)
					}
				}
				if !ValidNHSNumber(string(d)) {
					t.Fatalf("Find(%q) flagged %q, which fails the check digit", s, s[m.Start:m.End])
				}
			}
		}
	})
}
