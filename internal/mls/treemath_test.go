package mls

import (
	"slices"
	"testing"
)

type treeMathVector struct {
	NLeaves uint32    `json:"n_leaves"`
	NNodes  uint32    `json:"n_nodes"`
	Root    uint32    `json:"root"`
	Left    []*uint32 `json:"left"`
	Right   []*uint32 `json:"right"`
	Parent  []*uint32 `json:"parent"`
	Sibling []*uint32 `json:"sibling"`
}

func checkOpt(t *testing.T, what string, n uint32, i int, got nodeIndex, ok bool, want *uint32) {
	t.Helper()
	switch {
	case want == nil && ok:
		t.Errorf("n=%d: %s(%d) = %d; want none", n, what, i, got)
	case want != nil && !ok:
		t.Errorf("n=%d: %s(%d) = none; want %d", n, what, i, *want)
	case want != nil && uint32(got) != *want:
		t.Errorf("n=%d: %s(%d) = %d; want %d", n, what, i, got, *want)
	}
}

func TestTreeMathVectors(t *testing.T) {
	var vs []treeMathVector
	loadVectors(t, "tree-math.json", &vs)
	vc := newVectorCount(t, "tree-math.json")
	for i, v := range vs {
		// Tree math does not depend on the cipher suite.
		vc.run(i, uint16(CipherSuiteMLS128X25519), func(t *testing.T) {
			n := v.NLeaves
			if got := nodeWidth(n); got != v.NNodes {
				t.Errorf("nodeWidth(%d) = %d; want %d", n, got, v.NNodes)
			}
			if got := root(n); uint32(got) != v.Root {
				t.Errorf("root(%d) = %d; want %d", n, got, v.Root)
			}
			for i := range v.Left {
				x := nodeIndex(i)
				l, ok := left(x)
				checkOpt(t, "left", n, i, l, ok, v.Left[i])
				r, ok := right(x)
				checkOpt(t, "right", n, i, r, ok, v.Right[i])
				p, ok := parent(x, n)
				checkOpt(t, "parent", n, i, p, ok, v.Parent[i])
				s, ok := sibling(x, n)
				checkOpt(t, "sibling", n, i, s, ok, v.Sibling[i])
			}
		})
	}
}

func TestTreeMathPaths(t *testing.T) {
	// Eight leaves: the tree of RFC 9420 §4.1.
	const n = 8
	tests := []struct {
		x      nodeIndex
		direct []nodeIndex
		co     []nodeIndex
	}{
		{0, []nodeIndex{1, 3, 7}, []nodeIndex{2, 5, 11}},
		{6, []nodeIndex{5, 3, 7}, []nodeIndex{4, 1, 11}},
		{10, []nodeIndex{9, 11, 7}, []nodeIndex{8, 13, 3}},
		{7, nil, nil},
	}
	for _, tt := range tests {
		d, err := directPath(tt.x, n)
		if err != nil || !slices.Equal(d, tt.direct) {
			t.Errorf("directPath(%d) = %v, %v; want %v", tt.x, d, err, tt.direct)
		}
		c, err := copath(tt.x, n)
		if err != nil || !slices.Equal(c, tt.co) {
			t.Errorf("copath(%d) = %v, %v; want %v", tt.x, c, err, tt.co)
		}
	}
	if _, err := directPath(15, n); err == nil {
		t.Errorf("directPath(15) with 8 leaves succeeded; want an error")
	}
	if _, err := copath(1<<31, n); err == nil {
		t.Errorf("copath(2^31) with 8 leaves succeeded; want an error")
	}
	if _, ok := parent(7, n); ok {
		t.Errorf("parent(root) reported a parent")
	}
	if _, ok := parent(^nodeIndex(0), n); ok {
		t.Errorf("parent(2^32-1) reported a parent")
	}
}

func TestCommonAncestor(t *testing.T) {
	// Compare the direct formula with the definition on every pair of a
	// 32-leaf tree.
	const n = 32
	for x := nodeIndex(0); x < nodeIndex(nodeWidth(n)); x++ {
		dx, _ := directPath(x, n)
		dx = append([]nodeIndex{x}, dx...)
		for y := nodeIndex(0); y < nodeIndex(nodeWidth(n)); y++ {
			dy, _ := directPath(y, n)
			dy = append([]nodeIndex{y}, dy...)
			var want nodeIndex
			for _, a := range dx {
				if slices.Contains(dy, a) {
					want = a
					break
				}
			}
			if got := commonAncestor(x, y); got != want {
				t.Fatalf("commonAncestor(%d, %d) = %d; want %d", x, y, got, want)
			}
		}
	}
}
