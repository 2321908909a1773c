-- +goose Up
-- How many messages were sent after a patient-data warning, per
-- organisation, UK day and kind of data: counts only, never who, where
-- or what.
CREATE TABLE pid_overrides (
	org_id TEXT    NOT NULL REFERENCES orgs(id),
	day    TEXT    NOT NULL, -- YYYY-MM-DD, Europe/London
	kind   TEXT    NOT NULL,
	count  INTEGER NOT NULL,
	PRIMARY KEY (org_id, day, kind)
) STRICT;

-- +goose Down
DROP TABLE pid_overrides;
