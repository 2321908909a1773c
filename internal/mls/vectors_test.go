package mls

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// vectorDir finds ../shared/mls-test-vectors beside the repository root
// (the directory holding go.mod).
func vectorDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "mls-test-vectors")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// vectorFiles are the vector files the tests below read, each in full.
var vectorFiles = []string{
	"crypto-basics.json", "deserialization.json", "key-schedule.json", "message-protection.json", "messages.json",
	"passive-client-handling-commit.json", "passive-client-random.json", "passive-client-welcome.json",
	"psk_secret.json", "secret-tree.json", "transcript-hashes.json", "tree-math.json", "tree-operations.json",
	"tree-validation.json", "treekem.json", "welcome.json",
}

// TestEveryVectorFileRuns fails when the vector directory holds a file no
// test reads (a new suite of vectors would otherwise be ignored), or lacks
// one they do.
func TestEveryVectorFileRuns(t *testing.T) {
	es, err := os.ReadDir(vectorDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ".json") {
			found = append(found, e.Name())
		}
	}
	want := slices.Sorted(slices.Values(vectorFiles))
	if !slices.Equal(found, want) {
		t.Errorf("vector files = %v; the tests read %v", found, want)
	}
}

// loadVectors reads the named test-vector file into cases. A missing or
// unreadable file fails the test: vectors are never silently skipped.
func loadVectors(t *testing.T, name string, cases any) {
	t.Helper()
	if !slices.Contains(vectorFiles, name) {
		t.Fatalf("%s is not listed in vectorFiles", name)
	}
	b, err := os.ReadFile(filepath.Join(vectorDir(t), name))
	if err != nil {
		t.Fatalf("read test vectors: %v", err)
	}
	if err := json.Unmarshal(b, cases); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
}

// vectorCount tallies passed and skipped cases of one vector file and logs
// "FILE: N passed, M skipped (other suites)" at the end of the test.
type vectorCount struct {
	t       *testing.T
	name    string
	passed  int
	skipped int
}

func newVectorCount(t *testing.T, name string) *vectorCount {
	c := &vectorCount{t: t, name: name}
	t.Cleanup(func() {
		t.Logf("%s: %d passed, %d skipped (other suites)", c.name, c.passed, c.skipped)
		if c.passed == 0 && !t.Failed() {
			t.Errorf("%s: no suite-1 case ran", c.name)
		}
	})
	return c
}

// run runs one case as a subtest unless its suite is not suite 1.
func (c *vectorCount) run(i int, suite uint16, f func(t *testing.T)) {
	if CipherSuite(suite) != CipherSuiteMLS128X25519 {
		c.skipped++
		return
	}
	if c.t.Run(fmt.Sprintf("case%d", i), f) {
		c.passed++
	}
}

func mustEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %x; want %x", what, got, want)
	}
}

func TestVectorsDeserialization(t *testing.T) {
	var cases []struct {
		Header hexBytes `json:"vlbytes_header"`
		Length int      `json:"length"`
	}
	loadVectors(t, "deserialization.json", &cases)
	vc := newVectorCount(t, "deserialization.json")
	for i, tc := range cases {
		vc.run(i, 1, func(t *testing.T) {
			d := NewDecoder(tc.Header)
			if got := d.Varint(); got != tc.Length || d.Finish() != nil {
				t.Errorf("Varint(%x) = %d, %v; want %d", tc.Header, got, d.Err(), tc.Length)
			}
			var e Encoder
			e.Varint(tc.Length)
			mustEqual(t, "Varint encoding", e.Bytes(), tc.Header)
		})
	}
}

func TestVectorsCryptoBasics(t *testing.T) {
	var cases []struct {
		CipherSuite uint16 `json:"cipher_suite"`
		RefHash     struct {
			Label string   `json:"label"`
			Value hexBytes `json:"value"`
			Out   hexBytes `json:"out"`
		} `json:"ref_hash"`
		ExpandWithLabel struct {
			Secret  hexBytes `json:"secret"`
			Label   string   `json:"label"`
			Context hexBytes `json:"context"`
			Length  int      `json:"length"`
			Out     hexBytes `json:"out"`
		} `json:"expand_with_label"`
		DeriveSecret struct {
			Secret hexBytes `json:"secret"`
			Label  string   `json:"label"`
			Out    hexBytes `json:"out"`
		} `json:"derive_secret"`
		DeriveTreeSecret struct {
			Secret     hexBytes `json:"secret"`
			Label      string   `json:"label"`
			Generation uint32   `json:"generation"`
			Length     int      `json:"length"`
			Out        hexBytes `json:"out"`
		} `json:"derive_tree_secret"`
		SignWithLabel struct {
			Priv      hexBytes `json:"priv"`
			Pub       hexBytes `json:"pub"`
			Content   hexBytes `json:"content"`
			Label     string   `json:"label"`
			Signature hexBytes `json:"signature"`
		} `json:"sign_with_label"`
		EncryptWithLabel struct {
			Priv       hexBytes `json:"priv"`
			Pub        hexBytes `json:"pub"`
			Label      string   `json:"label"`
			Context    hexBytes `json:"context"`
			Plaintext  hexBytes `json:"plaintext"`
			KEMOutput  hexBytes `json:"kem_output"`
			Ciphertext hexBytes `json:"ciphertext"`
		} `json:"encrypt_with_label"`
	}
	loadVectors(t, "crypto-basics.json", &cases)
	vc := newVectorCount(t, "crypto-basics.json")
	for i, tc := range cases {
		vc.run(i, tc.CipherSuite, func(t *testing.T) {
			mustEqual(t, "RefHash", RefHash(tc.RefHash.Label, tc.RefHash.Value), tc.RefHash.Out)

			x := tc.ExpandWithLabel
			out, err := ExpandWithLabel(x.Secret, x.Label, x.Context, x.Length)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "ExpandWithLabel", out, x.Out)

			ds := tc.DeriveSecret
			out, err = DeriveSecret(ds.Secret, ds.Label)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "DeriveSecret", out, ds.Out)

			dt := tc.DeriveTreeSecret
			out, err = DeriveTreeSecret(dt.Secret, dt.Label, dt.Generation, dt.Length)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "DeriveTreeSecret", out, dt.Out)

			s := tc.SignWithLabel
			if err := VerifyWithLabel(s.Pub, s.Label, s.Content, s.Signature); err != nil {
				t.Errorf("VerifyWithLabel(vector signature) = %v", err)
			}
			sig, err := SignWithLabel(s.Priv, s.Label, s.Content)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyWithLabel(s.Pub, s.Label, s.Content, sig); err != nil {
				t.Errorf("VerifyWithLabel(own signature) = %v", err)
			}
			if err := VerifyWithLabel(s.Pub, s.Label+"x", s.Content, sig); err == nil {
				t.Error("VerifyWithLabel accepted a signature under another label")
			}

			en := tc.EncryptWithLabel
			pt, err := DecryptWithLabel(en.Priv, en.Label, en.Context, en.KEMOutput, en.Ciphertext)
			if err != nil {
				t.Fatalf("DecryptWithLabel(vector) = %v", err)
			}
			mustEqual(t, "DecryptWithLabel", pt, en.Plaintext)
			kem, ct, err := EncryptWithLabel(en.Pub, en.Label, en.Context, en.Plaintext)
			if err != nil {
				t.Fatal(err)
			}
			pt, err = DecryptWithLabel(en.Priv, en.Label, en.Context, kem, ct)
			if err != nil {
				t.Fatalf("DecryptWithLabel(own) = %v", err)
			}
			mustEqual(t, "DecryptWithLabel(own)", pt, en.Plaintext)
		})
	}
}
