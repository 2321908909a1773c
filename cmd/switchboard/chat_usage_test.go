package main

import (
	"errors"
	"flag"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChatUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"chat", "--profile", "p"},
		{"chat", "--profile", "p", "frobnicate"},
		{"chat", "--profile", "p", "send", "only-a-conversation"},
		{"chat", "--profile", "p", "read"},
		{"chat", "--profile", "p", "list", "extra"},
		{"chat", "--profile", "p", "add", "conversation"},
		{"chat", "--profile", "p", "read", "c", "--bogus"},
		{"login", "--server", "http://127.0.0.1:1", "--email", "a@example.nhs.uk", "--totp", "123456", "--profile", "p"},
		{"login", "--email", "a@example.nhs.uk", "--password-stdin", "--totp", "123456", "--profile", "p"},
	} {
		_, _, err := cli(t, "", args...)
		if !errors.Is(err, errUsage) || exitCode(err) != 2 {
			t.Errorf("%q = %v; want a usage error (exit 2)", args, err)
		}
	}
}

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		json bool
	}{
		{[]string{"c", "--json"}, []string{"c"}, true},
		{[]string{"--json", "c"}, []string{"c"}, true},
		{[]string{"c", "text"}, []string{"c", "text"}, false},
		{[]string{"c", "-"}, []string{"c", "-"}, false},
		{[]string{"c", "--", "--json"}, []string{"c", "--json"}, false},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		asJSON := fs.Bool("json", false, "")
		pos, err := parseInterspersed(fs, tc.args)
		if err != nil || *asJSON != tc.json {
			t.Errorf("parseInterspersed(%q) = %v, json %v; want json %v", tc.args, err, *asJSON, tc.json)
		}
		if diff := cmp.Diff(tc.pos, pos); diff != "" {
			t.Errorf("parseInterspersed(%q) positional (-want +got):\n%s", tc.args, diff)
		}
	}
}
