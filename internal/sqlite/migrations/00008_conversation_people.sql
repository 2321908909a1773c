-- +goose Up
-- The people of a conversation: users who belong in it whichever devices
-- they have now. The server proposes adding any device of theirs that is
-- not a member (a new phone, or the browser they signed in to again), so
-- signing out of one device never drops a person from a conversation.
-- Leaving, or being removed by an admin, ends it.
CREATE TABLE conversation_people (
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	user_id         TEXT NOT NULL REFERENCES users(id),
	PRIMARY KEY (conversation_id, user_id)
) STRICT;
CREATE INDEX conversation_people_user ON conversation_people(user_id);

INSERT INTO conversation_people(conversation_id, user_id)
	SELECT DISTINCT m.conversation_id, d.user_id FROM members m JOIN devices d ON d.id = m.device_id
	WHERE m.leaving = 0;

-- The server's Add proposals: the device it proposes and the KeyPackage it
-- claimed for it (removed_leaf is unused for them).
ALTER TABLE proposals ADD COLUMN added_device TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN key_package_ref BLOB NOT NULL DEFAULT x'';

-- +goose Down
ALTER TABLE proposals DROP COLUMN key_package_ref;
ALTER TABLE proposals DROP COLUMN added_device;
DROP TABLE conversation_people;
