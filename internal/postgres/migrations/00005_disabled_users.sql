-- +goose Up
-- Mirrors internal/sqlite's 00005_disabled_users.sql: when an admin
-- disabled the account, in microseconds since the Unix epoch; 0 while it
-- is enabled.
ALTER TABLE users ADD COLUMN disabled_at bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN disabled_at;
