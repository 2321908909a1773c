package identity

import (
	"context"
	"slices"
	"strings"
)

// maxDirectory bounds one directory search's answer.
const maxDirectory = 25

// Directory finds the people of the caller's organisation whose name,
// email, role or team contains query (case-insensitive), for picking whom to
// message. Any signed-in member of the organisation may search it; people
// who have not finished enrolment are left out, as they cannot be
// messaged yet, and so are people whose accounts are disabled. An empty
// query lists the first people by name.
func (s *Service) Directory(ctx context.Context, p *Principal, query string) ([]*User, error) {
	us, err := s.store.ListUsers(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	q := strings.ToLower(strings.TrimSpace(query))
	var out []*User
	for _, u := range us {
		if !u.Enrolled() || u.Disabled() || !matchesPerson(u, q) {
			continue
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *User) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Email, b.Email)
	})
	if len(out) > maxDirectory {
		out = out[:maxDirectory]
	}
	return out, nil
}

func matchesPerson(u *User, q string) bool {
	if q == "" || strings.Contains(strings.ToLower(u.Name), q) || strings.Contains(u.Email, q) ||
		strings.Contains(strings.ToLower(u.Team), q) {
		return true
	}
	for _, r := range u.Roles {
		if strings.Contains(string(r), q) {
			return true
		}
	}
	return false
}
