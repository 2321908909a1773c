-- +goose Up
-- Mirrors internal/sqlite's 00014_records.sql column for column. Records
-- rules: each conversation's kind, how long each kind is kept, messages
-- filed to the record and their deletion receipts, and legal holds.
-- Never a message, a filing's "where" or a hold's reason beyond its case
-- reference. Times are microseconds since the Unix epoch; ages seconds.
ALTER TABLE conversations ADD COLUMN kind text NOT NULL DEFAULT 'clinical';
ALTER TABLE orgs ADD COLUMN filed_grace_s bigint NOT NULL DEFAULT 86400;

-- The longest a kind of conversation is kept in an organisation; max_age_s
-- 0 keeps it, for the reason given.
CREATE TABLE retention_rules (
	org_id     text NOT NULL REFERENCES orgs(id),
	kind       text NOT NULL,
	max_age_s  bigint NOT NULL,
	reason     text NOT NULL DEFAULT '',
	updated_at bigint NOT NULL,
	PRIMARY KEY (org_id, kind)
);

-- A legal hold on one conversation, one person's conversations, or a
-- period (from_at to to_at) of every conversation of the organisation.
CREATE TABLE legal_holds (
	id              text PRIMARY KEY,
	org_id          text NOT NULL REFERENCES orgs(id),
	conversation_id text NOT NULL DEFAULT '',
	user_id         text NOT NULL DEFAULT '',
	from_at         bigint NOT NULL DEFAULT 0,
	to_at           bigint NOT NULL DEFAULT 0,
	case_ref        text NOT NULL,
	placed_by       text NOT NULL,
	placed_at       bigint NOT NULL,
	released_at     bigint NOT NULL DEFAULT 0,
	released_by     text NOT NULL DEFAULT ''
);
CREATE INDEX legal_holds_org ON legal_holds(org_id, released_at);

-- Messages (stream sequence numbers) a member filed to the record, to be
-- deleted everywhere once due_at passes and no hold applies.
CREATE TABLE filings (
	id              text PRIMARY KEY,
	org_id          text NOT NULL REFERENCES orgs(id),
	conversation_id text NOT NULL REFERENCES conversations(id),
	device_id       text NOT NULL,
	user_id         text NOT NULL,
	seqs            text NOT NULL,
	attachments     text NOT NULL DEFAULT '',
	first_sent      bigint NOT NULL,
	last_sent       bigint NOT NULL,
	filed_at        bigint NOT NULL,
	due_at          bigint NOT NULL,
	deleted_at      bigint NOT NULL DEFAULT 0,
	deletion_seq    bigint NOT NULL DEFAULT 0
);
CREATE INDEX filings_due ON filings(deleted_at, due_at);

-- The devices told to delete a filing's messages, and when each said it
-- had.
CREATE TABLE filing_devices (
	filing_id    text NOT NULL REFERENCES filings(id),
	device_id    text NOT NULL,
	confirmed_at bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (filing_id, device_id)
);

CREATE INDEX messages_sent ON messages(conversation_id, sent_at);
CREATE INDEX attachments_created ON attachments(conversation_id, created_at);

-- +goose Down
DROP INDEX attachments_created;
DROP INDEX messages_sent;
DROP TABLE filing_devices;
DROP TABLE filings;
DROP TABLE legal_holds;
DROP TABLE retention_rules;
ALTER TABLE orgs DROP COLUMN filed_grace_s;
ALTER TABLE conversations DROP COLUMN kind;
