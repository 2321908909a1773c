package main

import (
	"reflect"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/postgres"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// TestBackendsHaveTheSameMethods catches a store method added to one
// backend only, including optional ones the services look for by type
// assertion, which the store interface would not name.
func TestBackendsHaveTheSameMethods(t *testing.T) {
	own := map[string]bool{"Path": true} // the SQLite file's path
	types := []reflect.Type{reflect.TypeFor[*sqlite.DB](), reflect.TypeFor[*postgres.DB]()}
	for i, a := range types {
		b := types[1-i]
		for m := range a.Methods() {
			if _, ok := b.MethodByName(m.Name); !ok && !own[m.Name] {
				t.Errorf("%v has %s but %v does not; keep both stores in step", a, m.Name, b)
			}
		}
	}
}
