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

-- The software register (G12): each tool the organisation uses to
-- communicate, with its light DPIA (the ICO screening answers, as JSON).
-- Switchboard's own entry (builtin) takes its technical fields from the
-- running configuration; what the DPO decides is stored here.
CREATE TABLE register_entries (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	name            TEXT NOT NULL,
	supplier        TEXT NOT NULL,
	purpose         TEXT NOT NULL,
	data_categories TEXT NOT NULL,
	lawful_basis    TEXT NOT NULL,
	hosting         TEXT NOT NULL,
	encryption      TEXT NOT NULL,
	retention       TEXT NOT NULL,
	sub_processors  TEXT NOT NULL,
	status          TEXT NOT NULL,
	approved_on     INTEGER NOT NULL DEFAULT 0,
	approver        TEXT NOT NULL DEFAULT '',
	next_review     INTEGER NOT NULL,
	screening       TEXT NOT NULL,
	builtin         INTEGER NOT NULL DEFAULT 0,
	updated_at      INTEGER NOT NULL,
	updated_by      TEXT NOT NULL,
	version         INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX register_entries_org ON register_entries(org_id, name);

-- What changed in the register, and who changed it.
CREATE TABLE register_changes (
	org_id   TEXT NOT NULL REFERENCES orgs(id),
	entry_id TEXT NOT NULL REFERENCES register_entries(id),
	at       INTEGER NOT NULL,
	actor    TEXT NOT NULL,
	note     TEXT NOT NULL
) STRICT;
CREATE INDEX register_changes_org ON register_changes(org_id, at);

-- +goose Down
DROP TABLE register_changes;
DROP TABLE register_entries;
DROP TABLE breach_events;
DROP TABLE breaches;
