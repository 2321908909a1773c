package tsgen

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type inner struct {
	A string `json:"a"`
}

type base struct {
	ID string `json:"id"`
}

type sample struct {
	base
	Name    string            `json:"name"`
	Count   uint64            `json:"count,omitempty"`
	At      time.Time         `json:"at"`
	Blob    []byte            `json:"blob"`
	Tags    []string          `json:"tags"`
	Next    *inner            `json:"next"`
	Inline  struct{ B bool }  `json:"inline"`
	ByName  map[string]int    `json:"by_name"`
	Kind    string            `json:"kind" ts:"'a' | 'b'"`
	Skipped string            `json:"-"`
	Any     map[string]any    `json:"any,omitempty"`
	Inners  []*inner          `json:"inners"`
	Raw     map[string][]byte `json:"raw"`
}

func TestGenerate(t *testing.T) {
	got, err := Generate("// header\n", []Type{Of[sample]("Sample", "Sample is a test."), Of[inner]("Inner", "Inner is named.")})
	if err != nil {
		t.Fatal(err)
	}
	want := `// header

/** Sample is a test. */
export interface Sample {
  id: string;
  name: string;
  count?: number;
  at: string;
  blob: string;
  tags: string[];
  next: Inner | null;
  inline: {
    B: boolean;
  };
  by_name: Record<string, number>;
  kind: 'a' | 'b';
  any?: Record<string, unknown>;
  inners: (Inner | null)[];
  raw: Record<string, string>;
}

/** Inner is named. */
export interface Inner {
  a: string;
}
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Generate differs (-want +got):\n%s", diff)
	}
	if _, err := Generate("", []Type{{Name: "C", Go: reflect.TypeOf(struct{ C chan int }{})}}); err == nil {
		t.Error("Generate accepted a channel field")
	}
}
