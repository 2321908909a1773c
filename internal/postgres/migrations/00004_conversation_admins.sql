-- +goose Up
-- Mirrors internal/sqlite's 00004_conversation_admins.sql: who may add and
-- remove other people in a conversation, and which devices have asked to
-- leave.
CREATE TABLE conversation_admins (
	conversation_id text NOT NULL REFERENCES conversations(id),
	user_id         text NOT NULL REFERENCES users(id),
	PRIMARY KEY (conversation_id, user_id)
);

-- Conversations made before admins existed let every member add and
-- remove, so every current member keeps that right.
INSERT INTO conversation_admins(conversation_id, user_id)
	SELECT DISTINCT m.conversation_id, d.user_id FROM members m JOIN devices d ON d.id = m.device_id;

ALTER TABLE members ADD COLUMN leaving boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE members DROP COLUMN leaving;
DROP TABLE conversation_admins;
