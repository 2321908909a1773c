-- +goose Up
-- Video consultations. Patient names, contacts, reasons, checklists and
-- outcomes live here only, never in the audit log. Timestamps are
-- microseconds since the epoch (0 = not set), as in the other tables.
CREATE TABLE consultations (
	id             TEXT PRIMARY KEY,
	org_id         TEXT NOT NULL REFERENCES orgs(id),
	clinician_id   TEXT NOT NULL REFERENCES users(id),
	practice       TEXT NOT NULL,
	patient_name   TEXT NOT NULL,
	patient_phone  TEXT NOT NULL DEFAULT '',
	patient_email  TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL DEFAULT '',
	starts_at      INTEGER NOT NULL,
	slot_s         INTEGER NOT NULL,
	status         TEXT NOT NULL,
	mode           TEXT NOT NULL,
	checklist      TEXT NOT NULL DEFAULT '',
	outcome        TEXT NOT NULL DEFAULT '',
	started_at     INTEGER NOT NULL DEFAULT 0,
	ended_at       INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	version        INTEGER NOT NULL
) STRICT;
CREATE INDEX consultations_org_time ON consultations(org_id, starts_at);
CREATE INDEX consultations_clinician_time ON consultations(clinician_id, starts_at);

CREATE TABLE consult_participants (
	id              TEXT PRIMARY KEY,
	consult_id      TEXT NOT NULL REFERENCES consultations(id),
	role            TEXT NOT NULL,
	label           TEXT NOT NULL DEFAULT '',
	phone           TEXT NOT NULL DEFAULT '',
	email           TEXT NOT NULL DEFAULT '',
	token_hash      TEXT NOT NULL UNIQUE,
	expires_at      INTEGER NOT NULL,
	claim_hash      TEXT NOT NULL DEFAULT '',
	state           TEXT NOT NULL,
	device_check    TEXT NOT NULL DEFAULT '',
	consent_version TEXT NOT NULL DEFAULT '',
	entered_at      INTEGER NOT NULL DEFAULT 0,
	admitted_at     INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	version         INTEGER NOT NULL
) STRICT;
CREATE INDEX consult_participants_consult ON consult_participants(consult_id, created_at);

-- The timeline: consent events, admissions, checklist saves, mode changes.
-- Rows are appended and never changed or removed.
CREATE TABLE consult_records (
	seq            INTEGER PRIMARY KEY AUTOINCREMENT,
	consult_id     TEXT NOT NULL REFERENCES consultations(id),
	at             INTEGER NOT NULL,
	kind           TEXT NOT NULL,
	participant_id TEXT NOT NULL DEFAULT '',
	actor          TEXT NOT NULL,
	detail         TEXT NOT NULL
) STRICT;
CREATE INDEX consult_records_consult ON consult_records(consult_id, seq);

-- +goose StatementBegin
CREATE TRIGGER consult_records_no_update BEFORE UPDATE ON consult_records
BEGIN
	SELECT RAISE(ABORT, 'consultation records are immutable');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER consult_records_no_delete BEFORE DELETE ON consult_records
BEGIN
	SELECT RAISE(ABORT, 'consultation records are immutable');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER consult_records_no_delete;
DROP TRIGGER consult_records_no_update;
DROP TABLE consult_records;
DROP TABLE consult_participants;
DROP TABLE consultations;
