-- +goose Up
-- Mirrors internal/sqlite's 00015_dpo.sql column for column: the data
-- protection officer's breach and complaint log and its history.
CREATE TABLE breaches (
	id          text PRIMARY KEY,
	org_id      text NOT NULL REFERENCES orgs(id),
	kind        text NOT NULL,
	category    text NOT NULL,
	summary     text NOT NULL,
	affected    bigint NOT NULL DEFAULT 0,
	actions     text NOT NULL DEFAULT '',
	reportable  boolean NOT NULL DEFAULT false,
	aware_at    bigint NOT NULL,
	opened_at   bigint NOT NULL,
	opened_by   text NOT NULL,
	reported_at bigint NOT NULL DEFAULT 0,
	closed_at   bigint NOT NULL DEFAULT 0,
	reminded_h  bigint NOT NULL DEFAULT 0,
	device_id   text NOT NULL DEFAULT '',
	version     bigint NOT NULL DEFAULT 1
);
CREATE INDEX breaches_org ON breaches(org_id, opened_at);
CREATE INDEX breaches_clock ON breaches(closed_at, reportable, reported_at);

CREATE TABLE breach_events (
	breach_id text NOT NULL REFERENCES breaches(id),
	seq       bigint NOT NULL,
	at        bigint NOT NULL,
	actor     text NOT NULL,
	action    text NOT NULL,
	note      text NOT NULL DEFAULT '',
	PRIMARY KEY (breach_id, seq)
);

-- The software register and its change history, as in internal/sqlite.
CREATE TABLE register_entries (
	id              text PRIMARY KEY,
	org_id          text NOT NULL REFERENCES orgs(id),
	name            text NOT NULL,
	supplier        text NOT NULL,
	purpose         text NOT NULL,
	data_categories text NOT NULL,
	lawful_basis    text NOT NULL,
	hosting         text NOT NULL,
	encryption      text NOT NULL,
	retention       text NOT NULL,
	sub_processors  text NOT NULL,
	status          text NOT NULL,
	approved_on     bigint NOT NULL DEFAULT 0,
	approver        text NOT NULL DEFAULT '',
	next_review     bigint NOT NULL,
	screening       text NOT NULL,
	builtin         boolean NOT NULL DEFAULT false,
	updated_at      bigint NOT NULL,
	updated_by      text NOT NULL,
	version         bigint NOT NULL DEFAULT 1
);
CREATE INDEX register_entries_org ON register_entries(org_id, name);

-- What changed in the register, and who changed it.
CREATE TABLE register_changes (
	org_id   text NOT NULL REFERENCES orgs(id),
	entry_id text NOT NULL REFERENCES register_entries(id),
	at       bigint NOT NULL,
	actor    text NOT NULL,
	note     text NOT NULL
);
CREATE INDEX register_changes_org ON register_changes(org_id, at);

-- +goose Down
DROP TABLE register_changes;
DROP TABLE register_entries;
DROP TABLE breach_events;
DROP TABLE breaches;
