-- +goose Up
-- A person's team (such as "Ward 7" or "Cardiology on call"), which the
-- directory searches when picking whom to message; empty if not given.
ALTER TABLE users ADD COLUMN team TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN team;
