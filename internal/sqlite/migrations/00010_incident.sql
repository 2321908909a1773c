-- +goose Up
-- Duty roles, their rota, call-in lists, urgent messages and major
-- incidents. The server keeps who holds which role, who was alerted and
-- who acknowledged or answered, and when; never a message, a METHANE
-- report or a handover note, which travel end to end encrypted.

-- A duty role of an organisation ("Medical registrar on call"). Urgent
-- messages to its holder escalate after escalate_after_s to another
-- duty role or a person. holder_id is the holder its conversations
-- follow now: the server moves them when the rota changes holder.
CREATE TABLE duty_roles (
	id               TEXT PRIMARY KEY,
	org_id           TEXT NOT NULL REFERENCES orgs(id),
	name             TEXT NOT NULL,
	name_key         TEXT NOT NULL,
	escalate_role    TEXT NOT NULL DEFAULT '',
	escalate_user    TEXT NOT NULL DEFAULT '',
	escalate_after_s INTEGER NOT NULL,
	may_declare      INTEGER NOT NULL DEFAULT 0,
	holder_id        TEXT NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	UNIQUE (org_id, name_key)
) STRICT;

-- The rota: who holds a role from when until when (0: open-ended). At any
-- moment the shift that started last among those running holds the role,
-- so a handover is a new shift from now.
CREATE TABLE duty_shifts (
	id         TEXT PRIMARY KEY,
	role_id    TEXT NOT NULL REFERENCES duty_roles(id),
	user_id    TEXT NOT NULL REFERENCES users(id),
	starts_at  INTEGER NOT NULL,
	ends_at    INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX duty_shifts_role ON duty_shifts(role_id, starts_at);

-- A conversation with a duty role: its caller, and whoever holds the role.
CREATE TABLE duty_conversations (
	conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
	role_id         TEXT NOT NULL REFERENCES duty_roles(id),
	caller_id       TEXT NOT NULL REFERENCES users(id)
) STRICT;
CREATE INDEX duty_conversations_role ON duty_conversations(role_id, caller_id);

-- Call-in lists: the people a major incident alerts ("ED consultants").
CREATE TABLE call_lists (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	name       TEXT NOT NULL,
	name_key   TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (org_id, name_key)
) STRICT;
CREATE TABLE call_list_members (
	list_id TEXT NOT NULL REFERENCES call_lists(id),
	user_id TEXT NOT NULL REFERENCES users(id),
	PRIMARY KEY (list_id, user_id)
) STRICT;

-- Urgent messages, by the client ID of the message first sent; latest_id
-- is the client ID of its latest copy (a sender's device sends it again
-- when someone joins who cannot read the first). Open until every
-- recipient acknowledged it.
CREATE TABLE urgent_messages (
	conversation_id  TEXT NOT NULL REFERENCES conversations(id),
	client_id        TEXT NOT NULL,
	latest_id        TEXT NOT NULL,
	seq              INTEGER NOT NULL,
	sender_id        TEXT NOT NULL REFERENCES users(id),
	sender_device    TEXT NOT NULL,
	role_id          TEXT NOT NULL DEFAULT '',
	escalate_after_s INTEGER NOT NULL,
	sent_at          INTEGER NOT NULL,
	notified_at      INTEGER NOT NULL,
	escalated_at     INTEGER NOT NULL DEFAULT 0,
	escalated_to     TEXT NOT NULL DEFAULT '',
	closed_at        INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (conversation_id, client_id)
) STRICT;
CREATE INDEX urgent_messages_open ON urgent_messages(closed_at, notified_at);
CREATE INDEX urgent_messages_latest ON urgent_messages(conversation_id, latest_id);

-- Who must acknowledge an urgent message, and when they did (0: not yet).
-- via says why they became a recipient: '' (in the conversation when it
-- was sent), 'escalation' or 'handover'.
CREATE TABLE urgent_recipients (
	conversation_id TEXT NOT NULL,
	client_id       TEXT NOT NULL,
	user_id         TEXT NOT NULL REFERENCES users(id),
	via             TEXT NOT NULL DEFAULT '',
	added_at        INTEGER NOT NULL,
	acked_at        INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (conversation_id, client_id, user_id),
	FOREIGN KEY (conversation_id, client_id) REFERENCES urgent_messages(conversation_id, client_id)
) STRICT;

-- Major incidents and standby alerts. number counts an organisation's
-- incidents, so that two open at once are named apart. version counts
-- changes, so that a board can ask for what changed since it last looked.
CREATE TABLE incidents (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	number          INTEGER NOT NULL,
	kind            TEXT NOT NULL,
	exercise        INTEGER NOT NULL DEFAULT 0,
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	declared_by     TEXT NOT NULL REFERENCES users(id),
	commander_id    TEXT NOT NULL REFERENCES users(id),
	declared_at     INTEGER NOT NULL,
	closed_at       INTEGER NOT NULL DEFAULT 0,
	version         INTEGER NOT NULL,
	UNIQUE (org_id, number)
) STRICT;
CREATE INDEX incidents_org ON incidents(org_id, closed_at);

-- The call-in lists an incident alerted, named as they were then.
CREATE TABLE incident_lists (
	incident_id   TEXT NOT NULL REFERENCES incidents(id),
	list_id       TEXT NOT NULL REFERENCES call_lists(id),
	name          TEXT NOT NULL,
	stood_down_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (incident_id, list_id)
) STRICT;

-- Everyone an incident alerted, their roll-call answer and when. lists
-- holds the IDs of the incident's lists they are on, comma-separated.
CREATE TABLE incident_people (
	incident_id   TEXT NOT NULL REFERENCES incidents(id),
	user_id       TEXT NOT NULL REFERENCES users(id),
	lists         TEXT NOT NULL,
	alerted_at    INTEGER NOT NULL,
	state         TEXT NOT NULL DEFAULT '',
	eta_minutes   INTEGER NOT NULL DEFAULT 0,
	answered_at   INTEGER NOT NULL DEFAULT 0,
	stood_down_at INTEGER NOT NULL DEFAULT 0,
	version       INTEGER NOT NULL,
	PRIMARY KEY (incident_id, user_id)
) STRICT;
CREATE INDEX incident_people_user ON incident_people(user_id, incident_id);
CREATE INDEX incident_people_version ON incident_people(incident_id, version);

-- An incident's timeline, for the debrief: declared, answered, stood
-- down, commander changed, closed. Rows are appended only.
CREATE TABLE incident_events (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id TEXT NOT NULL REFERENCES incidents(id),
	at          INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	actor_id    TEXT NOT NULL DEFAULT '',
	subject_id  TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX incident_events_incident ON incident_events(incident_id, seq);

-- +goose Down
DROP TABLE incident_events;
DROP TABLE incident_people;
DROP TABLE incident_lists;
DROP TABLE incidents;
DROP TABLE urgent_recipients;
DROP TABLE urgent_messages;
DROP TABLE call_list_members;
DROP TABLE call_lists;
DROP TABLE duty_conversations;
DROP TABLE duty_shifts;
DROP TABLE duty_roles;
