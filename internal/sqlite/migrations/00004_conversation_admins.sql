-- +goose Up
-- Who may add and remove other people in a conversation, and which
-- devices have asked to leave (the server proposes their removal until a
-- member commits it).
CREATE TABLE conversation_admins (
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	user_id         TEXT NOT NULL REFERENCES users(id),
	PRIMARY KEY (conversation_id, user_id)
) STRICT;

-- Conversations made before admins existed let every member add and
-- remove, so every current member keeps that right.
INSERT INTO conversation_admins(conversation_id, user_id)
	SELECT DISTINCT m.conversation_id, d.user_id FROM members m JOIN devices d ON d.id = m.device_id;

ALTER TABLE members ADD COLUMN leaving INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE members DROP COLUMN leaving;
DROP TABLE conversation_admins;
