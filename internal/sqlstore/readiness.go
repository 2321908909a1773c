package sqlstore

import (
	"context"
	"time"
)

// CannotSave is the sentence for a write the storage refused (a full
// disk, a failing one): nothing was saved, and nothing else was lost.
const CannotSave = "Switchboard cannot save right now: its storage is full or failing. Nothing was lost; try again later, and tell your IT team."

// probePad is how much the readiness probe writes: a few pages, so that a
// database that cannot grow fails it.
const probePad = 16 << 10

// Probe writes and removes a row in one transaction, and so reports
// whether the database takes writes now.
func (db *Store) Probe(ctx context.Context, at time.Time) error {
	return db.tx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `INSERT INTO readiness(id, at, pad) VALUES (1, ?, ?)`, micros(at), make([]byte, probePad)); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM readiness WHERE id = 1`)
		return err
	})
}
