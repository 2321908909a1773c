package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/postgres"
	"github.com/switchboard-nhs/switchboard/internal/sqlite"
)

// tableFigures is what the migration found for one table on each side.
type tableFigures struct {
	name               string
	srcRows, dstRows   int64
	srcSum, dstSum     []byte
	genesisOnlyAtStart bool // audit_head: SQLite had no row, PostgreSQL keeps its starting row
}

// runMigrateToPostgres copies every table of a SQLite installation into an
// empty PostgreSQL database in one transaction, checks each table's row
// count and checksum on both sides before committing, and then verifies
// the audit chain on PostgreSQL.
func runMigrateToPostgres(ctx context.Context, args []string, data, dbURL, keyFile string, stdout, stderr io.Writer) error {
	fs := newFlags("admin migrate-to-postgres", stderr)
	fs.StringVar(&data, "data", data, "data directory of the SQLite installation to copy")
	fs.StringVar(&dbURL, "database-url", dbURL, "the empty PostgreSQL database to copy into")
	if err := parseFlags(fs, args, func(string) string { return "" }); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if dbURL == "" {
		return fmt.Errorf("%w: give --database-url, the empty PostgreSQL database to copy into", errUsage)
	}
	if err := checkDatabaseURL(dbURL); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(data, sqlite.FileName)); err != nil {
		return fault.Wrap(fault.Invalid, "There is no Switchboard database in "+data+"; check --data.", err)
	}
	// The secrets are copied sealed: PostgreSQL is opened with the same
	// key file as the SQLite installation.
	keys, _, _, err := loadKeys(data, keyFile)
	if err != nil {
		return err
	}
	src, err := sqlite.Open(ctx, data, keys)
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := src.VerifyAudit(ctx); err != nil {
		return fault.Wrap(fault.Conflict, "The audit log in "+data+" does not verify ("+err.Error()+"); nothing was copied. "+
			"Investigate with 'switchboard admin audit verify' first.", err)
	}
	dst, err := postgres.Open(ctx, dbURL, keys)
	if err != nil {
		return err
	}
	defer dst.Close()
	figures, err := copyAll(ctx, src.SQL(), dst.SQL())
	if err != nil {
		return err
	}
	n, err := dst.VerifyAudit(ctx)
	if err != nil {
		return fault.Wrap(fault.Internal, "The data was copied, but the audit chain does not verify on PostgreSQL: "+err.Error()+".", err)
	}
	printFigures(stdout, data, figures, n)
	return nil
}

// copyAll copies and verifies every table inside one PostgreSQL
// transaction, reading SQLite from one snapshot; on any error nothing is
// committed.
func copyAll(ctx context.Context, srcDB, dstDB *sql.DB) ([]tableFigures, error) {
	fail := func(err error) error {
		return fault.Wrap(fault.Internal, "The copy to PostgreSQL failed and nothing was changed: "+err.Error()+".", err)
	}
	stx, err := srcDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fail(err)
	}
	defer stx.Rollback()
	dtx, err := dstDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fail(err)
	}
	defer dtx.Rollback()
	// Holding the audit head keeps any node that is (wrongly) already
	// running against this database from appending meanwhile.
	var headSeq int64
	if err := dtx.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&headSeq); err != nil {
		return nil, fail(err)
	}
	tables, err := sqliteTables(ctx, stx)
	if err != nil {
		return nil, fail(err)
	}
	if err := matchPostgres(ctx, dtx, tables); err != nil {
		return nil, fail(err)
	}
	for _, t := range tables {
		var busy bool
		q := `SELECT EXISTS (SELECT 1 FROM ` + quote(t.name) + `)`
		if t.name == "audit_head" {
			busy = headSeq != 0
		} else if err := dtx.QueryRowContext(ctx, q).Scan(&busy); err != nil {
			return nil, fail(err)
		}
		if busy {
			return nil, fault.New(fault.Conflict, "The PostgreSQL database is not empty: table "+t.name+" has rows. "+
				"migrate-to-postgres copies only into an empty database, so nothing was changed.")
		}
	}
	if _, err := dtx.ExecContext(ctx, `DELETE FROM audit_head`); err != nil {
		return nil, fail(err)
	}
	var figures []tableFigures
	for _, t := range tables {
		if _, err := copyTable(ctx, stx, dtx, t); err != nil {
			return nil, fail(fmt.Errorf("table %s: %w", t.name, err))
		}
		if err := advanceSequences(ctx, dtx, t); err != nil {
			return nil, fail(fmt.Errorf("table %s: %w", t.name, err))
		}
		f := tableFigures{name: t.name}
		if f.srcRows, f.srcSum, err = tableSum(ctx, stx, t); err != nil {
			return nil, fail(err)
		}
		if t.name == "audit_head" && f.srcRows == 0 {
			// An installation that never recorded anything: PostgreSQL's
			// store needs its head row at the start of the chain.
			if _, err := dtx.ExecContext(ctx, `INSERT INTO audit_head(id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'))`); err != nil {
				return nil, fail(err)
			}
			f.genesisOnlyAtStart = true
		}
		if f.dstRows, f.dstSum, err = tableSum(ctx, dtx, t); err != nil {
			return nil, fail(err)
		}
		match := f.srcRows == f.dstRows && bytes.Equal(f.srcSum, f.dstSum)
		if f.genesisOnlyAtStart {
			match = f.dstRows == 1
		}
		if !match {
			return nil, fault.New(fault.Internal, fmt.Sprintf("The copy of table %s does not match (SQLite: %d rows, checksum %s; PostgreSQL: %d rows, checksum %s), so nothing was changed.",
				t.name, f.srcRows, short(f.srcSum), f.dstRows, short(f.dstSum)))
		}
		figures = append(figures, f)
	}
	if err := dtx.Commit(); err != nil {
		return nil, fail(err)
	}
	return figures, nil
}

// advanceSequences moves each identity or serial column's sequence past
// the copied rows, so that the next row PostgreSQL numbers does not collide
// with one copied from SQLite (where AUTOINCREMENT numbered it).
func advanceSequences(ctx context.Context, dtx *sql.Tx, t table) error {
	cols, err := queryStrings(ctx, dtx, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()
		AND table_name = $1 AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`, t.name)
	if err != nil {
		return err
	}
	for _, c := range cols {
		q := `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(` + quote(c) + `), 0) + 1, false) FROM ` + quote(t.name)
		if _, err := dtx.ExecContext(ctx, q, quote(t.name), c); err != nil {
			return err
		}
	}
	return nil
}

func short(sum []byte) string { return hex.EncodeToString(sum)[:16] }

func printFigures(w io.Writer, data string, figures []tableFigures, auditEntries int64) {
	fmt.Fprintf(w, "Copied the SQLite database in %s to PostgreSQL in one transaction.\n\n", data)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "table\tSQLite rows\tPostgreSQL rows\tchecksum (SHA-256, first 8 bytes)\t")
	var total int64
	for _, f := range figures {
		sum := short(f.dstSum)
		if f.genesisOnlyAtStart {
			sum = "(start of chain)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t\n", f.name, f.srcRows, f.dstRows, sum)
		total += f.srcRows
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRow counts and checksums match in all %d tables (%d rows).\n", len(figures), total)
	fmt.Fprintf(w, "The audit chain verifies on PostgreSQL: %d entries.\n", auditEntries)
	fmt.Fprintln(w, "Start switchboard serve with --database-url to use it; the SQLite data directory is unchanged.")
}
