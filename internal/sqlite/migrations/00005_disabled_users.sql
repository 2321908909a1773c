-- +goose Up
-- An admin disables the account of someone who has left or is suspended:
-- they cannot sign in until an admin enables it again. Microseconds since
-- the Unix epoch, 0 while the account is enabled, as for the other times.
ALTER TABLE users ADD COLUMN disabled_at INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN disabled_at;
