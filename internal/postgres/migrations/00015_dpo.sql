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

-- +goose Down
DROP TABLE breach_events;
DROP TABLE breaches;
