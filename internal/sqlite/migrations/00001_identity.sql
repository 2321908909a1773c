-- +goose Up
CREATE TABLE orgs (
	id             TEXT PRIMARY KEY,
	ods            TEXT NOT NULL UNIQUE,
	name           TEXT NOT NULL,
	idle_timeout_s INTEGER NOT NULL,
	created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
	id                TEXT PRIMARY KEY,
	org_id            TEXT NOT NULL REFERENCES orgs(id),
	email             TEXT NOT NULL UNIQUE,
	name              TEXT NOT NULL,
	registration      TEXT NOT NULL DEFAULT '',
	roles             TEXT NOT NULL,
	created_at        INTEGER NOT NULL,
	password_hash     TEXT NOT NULL DEFAULT '',
	totp_secret       TEXT NOT NULL DEFAULT '',
	totp_confirmed    INTEGER NOT NULL DEFAULT 0,
	totp_last_counter INTEGER NOT NULL DEFAULT 0,
	failed_signins    INTEGER NOT NULL DEFAULT 0,
	locked_until      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX users_org ON users(org_id);

CREATE TABLE devices (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users(id),
	name         TEXT NOT NULL,
	kind         TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	revoked_at   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX devices_user ON devices(user_id);

CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,
	token_hash   TEXT NOT NULL UNIQUE,
	user_id      TEXT NOT NULL REFERENCES users(id),
	device_id    TEXT NOT NULL REFERENCES devices(id),
	csrf         TEXT NOT NULL,
	addr         TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	ended_at     INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_device ON sessions(device_id);

CREATE TABLE enrolments (
	token_hash TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	user_id    TEXT REFERENCES users(id),
	expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit (
	seq       INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	org_id    TEXT NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	target    TEXT NOT NULL,
	addr      TEXT NOT NULL,
	detail    TEXT NOT NULL,
	prev_hash BLOB NOT NULL,
	hash      BLOB NOT NULL
) STRICT;
CREATE INDEX audit_org ON audit(org_id, seq);

-- The head of the chain, kept apart so that removing the newest entries is
-- detected too.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash BLOB NOT NULL
) STRICT;

-- +goose StatementBegin
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit;
DROP TABLE enrolments;
DROP TABLE sessions;
DROP TABLE devices;
DROP TABLE users;
DROP TABLE orgs;
