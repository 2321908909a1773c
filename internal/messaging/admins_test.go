package messaging

import (
	"slices"
	"testing"
)

func TestAdminsAfter(t *testing.T) {
	c := &Conversation{Admins: []string{"ann"}, Members: []Member{
		{Device: "a1", User: "ann", Leaf: 0, JoinedSeq: 1},
		{Device: "b1", User: "bob", Leaf: 1, JoinedSeq: 1},
		{Device: "c1", User: "cat", Leaf: 2, JoinedSeq: 5},
	}}
	for _, tc := range []struct {
		name    string
		removed []uint32
		added   []Member
		leaving []string
		want    []string // nil: unchanged
	}{
		{"nothing changes", nil, nil, nil, nil},
		{"another member goes", []uint32{2}, nil, nil, nil},
		{"the admin goes: the first to join takes over", []uint32{0}, nil, nil, []string{"bob"}},
		{"the admin and the first to join go", []uint32{0, 1}, nil, nil, []string{"cat"}},
		{"everyone already in goes: a device added at a freed leaf takes over", []uint32{0, 1, 2},
			[]Member{{Device: "d1", User: "dan", Leaf: 0}}, nil, []string{"dan"}},
		{"the admin is leaving: someone staying takes over before the removal", nil, nil, []string{"ann"}, []string{"ann", "bob"}},
		{"a leaving member is passed over", []uint32{0}, nil, []string{"bob"}, []string{"cat"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := *c
			cc.Members = slices.Clone(c.Members)
			for i := range cc.Members {
				cc.Members[i].Leaving = slices.Contains(tc.leaving, cc.Members[i].User)
			}
			if got := adminsAfter(&cc, tc.removed, tc.added, nil); !slices.Equal(got, tc.want) {
				t.Errorf("adminsAfter = %v; want %v", got, tc.want)
			}
		})
	}
}
