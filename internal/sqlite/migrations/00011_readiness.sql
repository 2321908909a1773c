-- +goose Up
-- The readiness probe writes here (a row with a few pages of padding,
-- removed in the same transaction), so that /readyz fails when the
-- database cannot take a write: a full disk, a read-only file.
CREATE TABLE readiness (
	id  INTEGER PRIMARY KEY,
	at  INTEGER NOT NULL,
	pad BLOB NOT NULL
) STRICT;

-- +goose Down
DROP TABLE readiness;
