-- +goose Up
-- Columns mirror internal/sqlite's 00001_identity.sql one for one: times are
-- microseconds since the Unix epoch in bigint (0 while unset), so both
-- stores round-trip a time identically and migrate-to-postgres copies rows
-- unchanged. Booleans are boolean here and 0/1 in SQLite.
CREATE TABLE orgs (
	id             text PRIMARY KEY,
	ods            text NOT NULL UNIQUE,
	name           text NOT NULL,
	idle_timeout_s bigint NOT NULL,
	created_at     bigint NOT NULL
);

CREATE TABLE users (
	id                text PRIMARY KEY,
	org_id            text NOT NULL REFERENCES orgs(id),
	email             text NOT NULL UNIQUE,
	name              text NOT NULL,
	registration      text NOT NULL DEFAULT '',
	roles             text NOT NULL,
	created_at        bigint NOT NULL,
	password_hash     text NOT NULL DEFAULT '',
	totp_secret       text NOT NULL DEFAULT '',
	totp_confirmed    boolean NOT NULL DEFAULT false,
	totp_last_counter bigint NOT NULL DEFAULT 0,
	failed_signins    bigint NOT NULL DEFAULT 0,
	locked_until      bigint NOT NULL DEFAULT 0
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE devices (
	id           text PRIMARY KEY,
	user_id      text NOT NULL REFERENCES users(id),
	name         text NOT NULL,
	kind         text NOT NULL,
	created_at   bigint NOT NULL,
	last_seen_at bigint NOT NULL,
	revoked_at   bigint NOT NULL DEFAULT 0
);
CREATE INDEX devices_user ON devices(user_id);

CREATE TABLE sessions (
	id           text PRIMARY KEY,
	token_hash   text NOT NULL UNIQUE,
	user_id      text NOT NULL REFERENCES users(id),
	device_id    text NOT NULL REFERENCES devices(id),
	csrf         text NOT NULL,
	addr         text NOT NULL,
	created_at   bigint NOT NULL,
	last_seen_at bigint NOT NULL,
	expires_at   bigint NOT NULL,
	ended_at     bigint NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_device ON sessions(device_id);

CREATE TABLE enrolments (
	token_hash text PRIMARY KEY,
	kind       text NOT NULL,
	user_id    text REFERENCES users(id),
	expires_at bigint NOT NULL
);

CREATE TABLE audit (
	seq       bigint PRIMARY KEY,
	at        bigint NOT NULL,
	org_id    text NOT NULL,
	actor     text NOT NULL,
	action    text NOT NULL,
	target    text NOT NULL,
	addr      text NOT NULL,
	detail    text NOT NULL,
	prev_hash bytea NOT NULL,
	hash      bytea NOT NULL
);
CREATE INDEX audit_org ON audit(org_id, seq);

-- The head of the chain, kept apart so that removing the newest entries is
-- detected too. Unlike SQLite's, its row exists from the start: every append
-- locks it (SELECT … FOR UPDATE), which serialises appends across
-- transactions and across nodes.
CREATE TABLE audit_head (
	id   integer PRIMARY KEY CHECK (id = 1),
	seq  bigint NOT NULL,
	hash bytea NOT NULL
);
INSERT INTO audit_head(id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit;
DROP FUNCTION audit_append_only();
DROP TABLE enrolments;
DROP TABLE sessions;
DROP TABLE devices;
DROP TABLE users;
DROP TABLE orgs;
