package identity_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-nhs/switchboard/internal/identity"
)

func TestDirectory(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, secret := f.user(t, "ann@example.nhs.uk", "clinician", "admin")
	f.user(t, "bob@example.nhs.uk", "clinician")
	f.user(t, "dee@example.nhs.uk", "dpo")
	gone, _ := f.user(t, "gone@example.nhs.uk", "clinician")
	si := f.signIn(t, "ann@example.nhs.uk", secret)
	p, err := f.ids.Authenticate(ctx, si.Token)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if _, err := f.ids.DisableUser(ctx, p, gone.ID); err != nil {
		t.Fatalf("DisableUser: %v", err)
	}
	emails := func(us []*identity.User) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.Email)
		}
		return out
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", []string{"ann@example.nhs.uk", "bob@example.nhs.uk", "dee@example.nhs.uk"}},
		{"BOB", []string{"bob@example.nhs.uk"}},
		{"dpo", []string{"dee@example.nhs.uk"}},
		{"nobody", nil},
		{"gone", nil}, // disabled
	} {
		us, err := f.ids.Directory(ctx, p, tc.q)
		if err != nil {
			t.Fatalf("Directory(%q) = %v", tc.q, err)
		}
		if diff := cmp.Diff(tc.want, emails(us)); diff != "" {
			t.Errorf("Directory(%q) (-want +got):\n%s", tc.q, diff)
		}
	}
}
