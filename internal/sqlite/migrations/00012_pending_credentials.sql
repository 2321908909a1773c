-- +goose Up
-- A password and authenticator chosen through an enrolment link wait here
-- until confirmed with a code from that authenticator; only then do they
-- replace the person's own. Whoever holds a reissued link cannot lock the
-- person out by merely opening it.
ALTER TABLE enrolments ADD COLUMN pending_password TEXT NOT NULL DEFAULT '';
ALTER TABLE enrolments ADD COLUMN pending_totp TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE enrolments DROP COLUMN pending_totp;
ALTER TABLE enrolments DROP COLUMN pending_password;
