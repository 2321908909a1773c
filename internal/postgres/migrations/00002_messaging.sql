-- +goose Up
-- Messaging: the MLS delivery and authentication service, mirroring
-- internal/sqlite's 00002_messaging.sql column for column. The server keeps
-- ciphertext and the metadata listed in internal/messaging/doc.go, nothing
-- else. Times are microseconds since the Unix epoch.

ALTER TABLE orgs ADD COLUMN read_receipts text NOT NULL DEFAULT 'on';

CREATE TABLE service_keys (
	id            integer PRIMARY KEY CHECK (id = 1),
	signing_seed  bytea NOT NULL,
	vapid_public  text NOT NULL,
	vapid_private text NOT NULL,
	created_at    bigint NOT NULL
);

CREATE TABLE mls_credentials (
	device_id     text PRIMARY KEY REFERENCES devices(id),
	signature_key bytea NOT NULL,
	identity      bytea NOT NULL,
	created_at    bigint NOT NULL
);

CREATE TABLE key_packages (
	ref         bytea PRIMARY KEY,
	device_id   text NOT NULL REFERENCES devices(id),
	last_resort boolean NOT NULL DEFAULT false,
	data        bytea,
	created_at  bigint NOT NULL,
	claimed_at  bigint NOT NULL DEFAULT 0
);
CREATE INDEX key_packages_stock ON key_packages(device_id, last_resort, claimed_at);

CREATE TABLE conversations (
	id         text PRIMARY KEY,
	org_id     text NOT NULL REFERENCES orgs(id),
	epoch      bigint NOT NULL,
	last_seq   bigint NOT NULL,
	created_at bigint NOT NULL
);

CREATE TABLE members (
	conversation_id text NOT NULL REFERENCES conversations(id),
	device_id       text NOT NULL REFERENCES devices(id),
	leaf            bigint NOT NULL,
	joined_seq      bigint NOT NULL,
	cursor          bigint NOT NULL,
	PRIMARY KEY (conversation_id, device_id)
);
CREATE UNIQUE INDEX members_leaf ON members(conversation_id, leaf);
CREATE INDEX members_device ON members(device_id);

CREATE TABLE messages (
	conversation_id text NOT NULL REFERENCES conversations(id),
	seq             bigint NOT NULL,
	kind            text NOT NULL,
	device_id       text NOT NULL,
	client_id       text NOT NULL,
	epoch           bigint NOT NULL,
	sent_at         bigint NOT NULL,
	data            bytea NOT NULL,
	PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages(conversation_id, device_id, client_id) WHERE client_id <> '';

CREATE TABLE proposals (
	conversation_id text NOT NULL REFERENCES conversations(id),
	ref             bytea NOT NULL,
	epoch           bigint NOT NULL,
	removed_leaf    bigint NOT NULL,
	seq             bigint NOT NULL,
	PRIMARY KEY (conversation_id, ref)
);

-- A commit's Welcome is stored once; each new device has a row naming it.
CREATE TABLE welcome_messages (
	conversation_id text NOT NULL REFERENCES conversations(id),
	seq             bigint NOT NULL,
	welcome         bytea NOT NULL,
	ratchet_tree    bytea NOT NULL,
	PRIMARY KEY (conversation_id, seq)
);

CREATE TABLE welcomes (
	id              text PRIMARY KEY,
	device_id       text NOT NULL REFERENCES devices(id),
	conversation_id text NOT NULL,
	seq             bigint NOT NULL,
	created_at      bigint NOT NULL,
	FOREIGN KEY (conversation_id, seq) REFERENCES welcome_messages(conversation_id, seq)
);
CREATE INDEX welcomes_device ON welcomes(device_id);

CREATE TABLE attachments (
	id              text PRIMARY KEY,
	conversation_id text NOT NULL REFERENCES conversations(id),
	device_id       text NOT NULL,
	size            bigint NOT NULL,
	data            bytea NOT NULL,
	created_at      bigint NOT NULL
);

CREATE TABLE push_subscriptions (
	device_id  text PRIMARY KEY REFERENCES devices(id),
	endpoint   text NOT NULL,
	p256dh     text NOT NULL,
	auth       text NOT NULL,
	created_at bigint NOT NULL
);

-- +goose Down
DROP TABLE push_subscriptions;
DROP TABLE attachments;
DROP TABLE welcomes;
DROP TABLE welcome_messages;
DROP TABLE proposals;
DROP TABLE messages;
DROP TABLE members;
DROP TABLE conversations;
DROP TABLE key_packages;
DROP TABLE mls_credentials;
DROP TABLE service_keys;
ALTER TABLE orgs DROP COLUMN read_receipts;
