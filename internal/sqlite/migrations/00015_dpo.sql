-- +goose Up
-- The data protection officer's breach and complaint log. An entry keeps
-- a summary written by the DPO (checked for NHS numbers before it is
-- stored, and never logged), counts, and the times of the 72-hour ICO
-- clock; its history is kept in breach_events, closed or not.
CREATE TABLE breaches (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES orgs(id),
	kind        TEXT NOT NULL,
	category    TEXT NOT NULL,
	summary     TEXT NOT NULL,
	affected    INTEGER NOT NULL DEFAULT 0,
	actions     TEXT NOT NULL DEFAULT '',
	reportable  INTEGER NOT NULL DEFAULT 0,
	aware_at    INTEGER NOT NULL,
	opened_at   INTEGER NOT NULL,
	opened_by   TEXT NOT NULL,
	reported_at INTEGER NOT NULL DEFAULT 0,
	closed_at   INTEGER NOT NULL DEFAULT 0,
	reminded_h  INTEGER NOT NULL DEFAULT 0,
	device_id   TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX breaches_org ON breaches(org_id, opened_at);
CREATE INDEX breaches_clock ON breaches(closed_at, reportable, reported_at);

-- What happened to an entry, in order: opened, changed, reminded, closed.
CREATE TABLE breach_events (
	breach_id TEXT NOT NULL REFERENCES breaches(id),
	seq       INTEGER NOT NULL,
	at        INTEGER NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	note      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (breach_id, seq)
) STRICT;

-- +goose Down
DROP TABLE breach_events;
DROP TABLE breaches;
