-- +goose Up
-- Mirrors internal/sqlite's 00011_readiness.sql: the readiness probe's
-- write.
CREATE TABLE readiness (
	id  bigint PRIMARY KEY,
	at  bigint NOT NULL,
	pad bytea NOT NULL
);

-- +goose Down
DROP TABLE readiness;
