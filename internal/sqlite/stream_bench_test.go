package sqlite

import (
	"context"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/storetest"
)

// BenchmarkAppendMessages stores batches of 32 sends of 300 bytes, one
// durable transaction per batch, as the stream writer does under load.
func BenchmarkAppendMessages(b *testing.B) {
	db, err := Open(context.Background(), b.TempDir(), testKeys)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchmarkAppendMessages(b, db)
}
