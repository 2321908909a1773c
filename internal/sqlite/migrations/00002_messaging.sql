-- +goose Up
-- Messaging: the MLS delivery and authentication service. The server keeps
-- ciphertext and the metadata listed in internal/messaging/doc.go, nothing
-- else. Times are microseconds since the Unix epoch.

ALTER TABLE orgs ADD COLUMN read_receipts TEXT NOT NULL DEFAULT 'on';

-- The server's own keys, shared by every node: the authentication
-- service's Ed25519 key (also the groups' external sender) and the VAPID
-- key for Web Push.
CREATE TABLE service_keys (
	id           INTEGER PRIMARY KEY CHECK (id = 1),
	signing_seed BLOB NOT NULL,
	vapid_public TEXT NOT NULL,
	vapid_private TEXT NOT NULL,
	created_at   INTEGER NOT NULL
) STRICT;

-- The credential the authentication service issued to each device.
CREATE TABLE mls_credentials (
	device_id     TEXT PRIMARY KEY REFERENCES devices(id),
	signature_key BLOB NOT NULL,
	identity      BLOB NOT NULL,
	created_at    INTEGER NOT NULL
) STRICT;

-- KeyPackages by KeyPackageRef. A claimed one keeps its row (so that an
-- Add naming it can be traced to its device) but loses its bytes.
CREATE TABLE key_packages (
	ref         BLOB PRIMARY KEY,
	device_id   TEXT NOT NULL REFERENCES devices(id),
	last_resort INTEGER NOT NULL DEFAULT 0,
	data        BLOB,
	created_at  INTEGER NOT NULL,
	claimed_at  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX key_packages_stock ON key_packages(device_id, last_resort, claimed_at);

CREATE TABLE conversations (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	epoch      INTEGER NOT NULL,
	last_seq   INTEGER NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

-- Current members: which device sits at which leaf, from which sequence
-- number it may read, and how far it has acknowledged delivery.
CREATE TABLE members (
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	device_id       TEXT NOT NULL REFERENCES devices(id),
	leaf            INTEGER NOT NULL,
	joined_seq      INTEGER NOT NULL,
	cursor          INTEGER NOT NULL,
	PRIMARY KEY (conversation_id, device_id)
) STRICT;
CREATE UNIQUE INDEX members_leaf ON members(conversation_id, leaf);
CREATE INDEX members_device ON members(device_id);

-- The stream: opaque MLSMessages numbered per conversation. device_id is
-- empty for proposals the server sends as external sender.
CREATE TABLE messages (
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	seq             INTEGER NOT NULL,
	kind            TEXT NOT NULL,
	device_id       TEXT NOT NULL,
	client_id       TEXT NOT NULL,
	epoch           INTEGER NOT NULL,
	sent_at         INTEGER NOT NULL,
	data            BLOB NOT NULL,
	PRIMARY KEY (conversation_id, seq)
) STRICT;
CREATE UNIQUE INDEX messages_client_id ON messages(conversation_id, device_id, client_id) WHERE client_id <> '';

-- Proposals in the stream that a commit may name by reference.
CREATE TABLE proposals (
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	ref             BLOB NOT NULL,
	epoch           INTEGER NOT NULL,
	removed_leaf    INTEGER NOT NULL,
	seq             INTEGER NOT NULL,
	PRIMARY KEY (conversation_id, ref)
) STRICT;

-- A commit's Welcome is stored once; each new device has a row naming it.
CREATE TABLE welcome_messages (
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	seq             INTEGER NOT NULL,
	welcome         BLOB NOT NULL,
	ratchet_tree    BLOB NOT NULL,
	PRIMARY KEY (conversation_id, seq)
) STRICT;

CREATE TABLE welcomes (
	id              TEXT PRIMARY KEY,
	device_id       TEXT NOT NULL REFERENCES devices(id),
	conversation_id TEXT NOT NULL,
	seq             INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	FOREIGN KEY (conversation_id, seq) REFERENCES welcome_messages(conversation_id, seq)
) STRICT;
CREATE INDEX welcomes_device ON welcomes(device_id);

CREATE TABLE attachments (
	id              TEXT PRIMARY KEY,
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	device_id       TEXT NOT NULL,
	size            INTEGER NOT NULL,
	data            BLOB NOT NULL,
	created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE push_subscriptions (
	device_id  TEXT PRIMARY KEY REFERENCES devices(id),
	endpoint   TEXT NOT NULL,
	p256dh     TEXT NOT NULL,
	auth       TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

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
