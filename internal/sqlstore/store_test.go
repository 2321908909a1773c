package sqlstore

import "testing"

func TestNumbered(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ?`, `SELECT a FROM t WHERE b = $1`},
		{`UPDATE t SET c = ? WHERE id = ? AND c < ?`, `UPDATE t SET c = $1 WHERE id = $2 AND c < $3`},
		{`WHERE id IN (` + placeholders(3) + `)`, `WHERE id IN ($1,$2,$3)`},
	}
	for _, tt := range tests {
		if got := Numbered(tt.in); got != tt.want {
			t.Errorf("Numbered(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
