-- +goose Up
-- How many wrong PINs in a row a device allows before it erases its
-- messages and signs its person out; the organisation sets it.
ALTER TABLE orgs ADD COLUMN pin_attempts INTEGER NOT NULL DEFAULT 10;

-- +goose Down
ALTER TABLE orgs DROP COLUMN pin_attempts;
