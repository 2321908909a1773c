package sqlite

import "database/sql"

// SQL returns the pool of read-only connections, for copying the database
// elsewhere (`switchboard admin migrate-to-postgres`) and for tests. A
// transaction on it reads one consistent snapshot, even while the server
// writes.
func (db *DB) SQL() *sql.DB { return db.read }
