package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// chain makes n chained entries, alternating between two organisations.
func chain(n int) []Entry {
	var out []Entry
	prev := Genesis
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		ev := Event{At: t0.Add(time.Duration(i) * time.Second), OrgID: []string{"o1", "o2"}[i%2], Actor: "u1", Action: "breach.view",
			Target: "b1", Detail: map[string]string{"n": "x"}}
		h := Chain(prev, int64(i), ev)
		out = append(out, Entry{Event: ev, Seq: int64(i), PrevHash: prev, Hash: h})
		prev = h
	}
	return out
}

func exportOf(es []Entry) Export {
	x := Export{Format: ExportFormat, Organisation: "RXX", Verified: true, HeadSeq: es[len(es)-1].Seq}
	for _, e := range es {
		x.Chain = append(x.Chain, ItemOf(e, e.OrgID == "o1"))
	}
	x.HeadHash = x.Chain[len(x.Chain)-1].Hash
	return x
}

func verify(t *testing.T, x Export) (ExportResult, error) {
	t.Helper()
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return VerifyExport(bytes.NewReader(b))
}

func TestVerifyExport(t *testing.T) {
	es := chain(9)
	res, err := verify(t, exportOf(es))
	if err != nil || res.Entries != 4 || res.Links != 5 || res.First != 1 || res.Last != 9 {
		t.Fatalf("VerifyExport(whole) = %+v, %v; want 4 entries and 5 links from 1 to 9", res, err)
	}
	if res, err := verify(t, exportOf(es[3:7])); err != nil || res.First != 4 {
		t.Errorf("VerifyExport(4..7) = %+v, %v; want it verified", res, err)
	}
	for _, c := range []struct {
		name string
		edit func(*Export)
		want string
	}{
		{"altered", func(x *Export) { x.Chain[1].Action = "breach.closed" }, "audit entry 2: its contents were altered"},
		{"detail altered", func(x *Export) { x.Chain[3].Detail["n"] = "y" }, "audit entry 4: its contents were altered"},
		{"removed", func(x *Export) { x.Chain = append(x.Chain[:4], x.Chain[5:]...) }, "audit entry 6: expected entry 5 here"},
		{"reordered", func(x *Export) { x.Chain[2], x.Chain[3] = x.Chain[3], x.Chain[2] }, "audit entry 4: expected entry 3 here"},
		{"relinked", func(x *Export) { x.Chain[4].Hash = x.Chain[3].Hash }, "audit entry 6: does not follow entry 5"},
		{"not genesis", func(x *Export) { x.Chain[0].PrevHash = x.Chain[0].Hash }, "audit entry 1: does not start from the genesis hash"},
		{"other format", func(x *Export) { x.Format = "csv" }, "this is not an audit export"},
	} {
		x := exportOf(chain(9))
		c.edit(&x)
		if _, err := verify(t, x); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: VerifyExport = %v; want %q", c.name, err, c.want)
		}
	}
}
