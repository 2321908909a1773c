-- +goose Up
-- Mirrors internal/sqlite's 00008_conversation_people.sql: the users who
-- belong in each conversation whichever devices they have now, and the
-- server's Add proposals.
CREATE TABLE conversation_people (
	conversation_id text NOT NULL REFERENCES conversations(id),
	user_id         text NOT NULL REFERENCES users(id),
	PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_people_user ON conversation_people(user_id);

INSERT INTO conversation_people(conversation_id, user_id)
	SELECT DISTINCT m.conversation_id, d.user_id FROM members m JOIN devices d ON d.id = m.device_id
	WHERE NOT m.leaving;

ALTER TABLE proposals ADD COLUMN added_device text NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN key_package_ref bytea NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE proposals DROP COLUMN key_package_ref;
ALTER TABLE proposals DROP COLUMN added_device;
DROP TABLE conversation_people;
