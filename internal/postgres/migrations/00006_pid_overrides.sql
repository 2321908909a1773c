-- +goose Up
-- Mirrors internal/sqlite's 00006_pid_overrides.sql: messages sent after a
-- patient-data warning, counted per organisation, UK day and kind.
CREATE TABLE pid_overrides (
	org_id TEXT   NOT NULL REFERENCES orgs(id),
	day    TEXT   NOT NULL,
	kind   TEXT   NOT NULL,
	count  BIGINT NOT NULL,
	PRIMARY KEY (org_id, day, kind)
);

-- +goose Down
DROP TABLE pid_overrides;
