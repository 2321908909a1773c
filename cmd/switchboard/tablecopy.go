package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
)

// table is one table to copy: its name, its columns in order, and each
// column's PostgreSQL type, which decides how a SQLite value is converted
// and how both sides' values are checksummed.
type table struct {
	name    string
	columns []string
	pgTypes []string
}

// quote quotes an SQL identifier; both dialects agree on double quotes.
func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

func (t table) columnList() string {
	q := make([]string, len(t.columns))
	for i, c := range t.columns {
		q[i] = quote(c)
	}
	return strings.Join(q, ", ")
}

// sqliteTables lists the SQLite tables to copy, parents before children
// (by foreign key), so that every reference exists when its row arrives.
func sqliteTables(ctx context.Context, src *sql.Tx) ([]table, error) {
	names, err := queryStrings(ctx, src, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	parents := map[string][]string{}
	for _, n := range names {
		ps, err := queryStrings(ctx, src, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, n)
		if err != nil {
			return nil, err
		}
		parents[n] = ps
	}
	var order []table
	done := map[string]bool{}
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		if done[n] {
			return nil
		}
		if slices.Contains(path, n) {
			return fmt.Errorf("tables %s refer to each other in a cycle", strings.Join(append(path, n), " → "))
		}
		for _, p := range parents[n] {
			if p != n { // no table refers to itself today; one that did would need its rows ordered
				if err := visit(p, append(path, n)); err != nil {
					return err
				}
			}
		}
		cols, err := queryStrings(ctx, src, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, n)
		if err != nil {
			return err
		}
		done[n] = true
		order = append(order, table{name: n, columns: cols})
		return nil
	}
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// matchPostgres fills in each table's PostgreSQL column types, and fails
// if the PostgreSQL schema does not have the same tables and columns.
func matchPostgres(ctx context.Context, dst *sql.Tx, tables []table) error {
	for i, t := range tables {
		rows, err := dst.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, t.name)
		if err != nil {
			return err
		}
		types := map[string]string{}
		for rows.Next() {
			var c, ty string
			if err := rows.Scan(&c, &ty); err != nil {
				rows.Close()
				return err
			}
			types[c] = ty
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(types) != len(t.columns) {
			return fmt.Errorf("table %s has %d columns in SQLite but %d in PostgreSQL", t.name, len(t.columns), len(types))
		}
		for _, c := range t.columns {
			ty, ok := types[c]
			if !ok {
				return fmt.Errorf("column %s.%s is missing from PostgreSQL", t.name, c)
			}
			tables[i].pgTypes = append(tables[i].pgTypes, ty)
		}
	}
	return nil
}

// pgValue converts a value read from SQLite for a PostgreSQL column.
func pgValue(v any, pgType string) any {
	switch x := v.(type) {
	case int64:
		if pgType == "boolean" {
			return x != 0
		}
	case []byte:
		if pgType != "bytea" {
			return string(x)
		}
	case string:
		if pgType == "bytea" {
			return []byte(x)
		}
	}
	return v
}

// copyTable copies every row of t from src to dst in batches.
func copyTable(ctx context.Context, src, dst *sql.Tx, t table) (int64, error) {
	rows, err := src.QueryContext(ctx, `SELECT `+t.columnList()+` FROM `+quote(t.name))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	perBatch := min(500, 65535/len(t.columns))
	var n int64
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		var b strings.Builder
		fmt.Fprintf(&b, `INSERT INTO %s (%s) VALUES `, quote(t.name), t.columnList())
		for r := 0; r < len(args)/len(t.columns); r++ {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for c := range t.columns {
				if c > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", r*len(t.columns)+c+1)
			}
			b.WriteByte(')')
		}
		_, err := dst.ExecContext(ctx, b.String(), args...)
		args = args[:0]
		return err
	}
	for rows.Next() {
		vals := make([]any, len(t.columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, v := range vals {
			args = append(args, pgValue(v, t.pgTypes[i]))
		}
		n++
		if n%int64(perBatch) == 0 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

// tableSum counts a table's rows and computes a checksum of their contents
// that does not depend on row order or on which database holds them: the
// SHA-256 of the sorted SHA-256 digests of each row's canonical encoding.
func tableSum(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, t table) (int64, []byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+t.columnList()+` FROM `+quote(t.name))
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var digests [][]byte
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, nil, err
		}
		h := sha256.New()
		for i, v := range vals {
			canonical(h, v, t.pgTypes[i])
		}
		digests = append(digests, h.Sum(nil))
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	slices.SortFunc(digests, bytes.Compare)
	h := sha256.New()
	for _, d := range digests {
		h.Write(d)
	}
	return int64(len(digests)), h.Sum(nil), nil
}

// canonical writes one value, tagged by kind, in a form that is the same
// whether SQLite or PostgreSQL produced it.
func canonical(w interface{ Write([]byte) (int, error) }, v any, pgType string) {
	put := func(tag byte, b []byte) {
		var head [9]byte
		head[0] = tag
		binary.BigEndian.PutUint64(head[1:], uint64(len(b)))
		w.Write(head[:])
		w.Write(b)
	}
	num := func(tag byte, u uint64) { put(tag, binary.BigEndian.AppendUint64(nil, u)) }
	switch x := pgValue(v, pgType).(type) {
	case nil:
		put(0, nil)
	case bool:
		if x {
			num(1, 1)
		} else {
			num(1, 0)
		}
	case int64:
		num(1, uint64(x))
	case float64:
		num(2, math.Float64bits(x))
	case string:
		put(3, []byte(x))
	case []byte:
		put(4, x)
	default:
		put(5, fmt.Append(nil, x))
	}
}

func queryStrings(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
