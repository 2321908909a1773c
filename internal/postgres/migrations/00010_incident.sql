-- +goose Up
-- Mirrors internal/sqlite's 00010_incident.sql column for column: duty
-- roles and their rota, call-in lists, urgent messages and major
-- incidents; never a message, METHANE report or handover note.
CREATE TABLE duty_roles (
	id               text PRIMARY KEY,
	org_id           text NOT NULL REFERENCES orgs(id),
	name             text NOT NULL,
	name_key         text NOT NULL,
	escalate_role    text NOT NULL DEFAULT '',
	escalate_user    text NOT NULL DEFAULT '',
	escalate_after_s bigint NOT NULL,
	may_declare      boolean NOT NULL DEFAULT false,
	holder_id        text NOT NULL DEFAULT '',
	created_at       bigint NOT NULL,
	UNIQUE (org_id, name_key)
);

CREATE TABLE duty_shifts (
	id         text PRIMARY KEY,
	role_id    text NOT NULL REFERENCES duty_roles(id),
	user_id    text NOT NULL REFERENCES users(id),
	starts_at  bigint NOT NULL,
	ends_at    bigint NOT NULL DEFAULT 0,
	created_at bigint NOT NULL
);
CREATE INDEX duty_shifts_role ON duty_shifts(role_id, starts_at);

CREATE TABLE duty_conversations (
	conversation_id text PRIMARY KEY REFERENCES conversations(id),
	role_id         text NOT NULL REFERENCES duty_roles(id),
	caller_id       text NOT NULL REFERENCES users(id)
);
CREATE INDEX duty_conversations_role ON duty_conversations(role_id, caller_id);

CREATE TABLE call_lists (
	id         text PRIMARY KEY,
	org_id     text NOT NULL REFERENCES orgs(id),
	name       text NOT NULL,
	name_key   text NOT NULL,
	created_at bigint NOT NULL,
	UNIQUE (org_id, name_key)
);
CREATE TABLE call_list_members (
	list_id text NOT NULL REFERENCES call_lists(id),
	user_id text NOT NULL REFERENCES users(id),
	PRIMARY KEY (list_id, user_id)
);

CREATE TABLE urgent_messages (
	conversation_id  text NOT NULL REFERENCES conversations(id),
	client_id        text NOT NULL,
	latest_id        text NOT NULL,
	seq              bigint NOT NULL,
	sender_id        text NOT NULL REFERENCES users(id),
	sender_device    text NOT NULL,
	role_id          text NOT NULL DEFAULT '',
	escalate_after_s bigint NOT NULL,
	sent_at          bigint NOT NULL,
	notified_at      bigint NOT NULL,
	escalated_at     bigint NOT NULL DEFAULT 0,
	escalated_to     text NOT NULL DEFAULT '',
	closed_at        bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (conversation_id, client_id)
);
CREATE INDEX urgent_messages_open ON urgent_messages(closed_at, notified_at);
CREATE INDEX urgent_messages_latest ON urgent_messages(conversation_id, latest_id);

CREATE TABLE urgent_recipients (
	conversation_id text NOT NULL,
	client_id       text NOT NULL,
	user_id         text NOT NULL REFERENCES users(id),
	via             text NOT NULL DEFAULT '',
	added_at        bigint NOT NULL,
	acked_at        bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (conversation_id, client_id, user_id),
	FOREIGN KEY (conversation_id, client_id) REFERENCES urgent_messages(conversation_id, client_id)
);

CREATE TABLE incidents (
	id              text PRIMARY KEY,
	org_id          text NOT NULL REFERENCES orgs(id),
	number          bigint NOT NULL,
	kind            text NOT NULL,
	exercise        boolean NOT NULL DEFAULT false,
	conversation_id text NOT NULL REFERENCES conversations(id),
	declared_by     text NOT NULL REFERENCES users(id),
	commander_id    text NOT NULL REFERENCES users(id),
	declared_at     bigint NOT NULL,
	closed_at       bigint NOT NULL DEFAULT 0,
	version         bigint NOT NULL,
	UNIQUE (org_id, number)
);
CREATE INDEX incidents_org ON incidents(org_id, closed_at);

CREATE TABLE incident_lists (
	incident_id   text NOT NULL REFERENCES incidents(id),
	list_id       text NOT NULL REFERENCES call_lists(id),
	name          text NOT NULL,
	stood_down_at bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (incident_id, list_id)
);

CREATE TABLE incident_people (
	incident_id   text NOT NULL REFERENCES incidents(id),
	user_id       text NOT NULL REFERENCES users(id),
	lists         text NOT NULL,
	alerted_at    bigint NOT NULL,
	state         text NOT NULL DEFAULT '',
	eta_minutes   bigint NOT NULL DEFAULT 0,
	answered_at   bigint NOT NULL DEFAULT 0,
	stood_down_at bigint NOT NULL DEFAULT 0,
	version       bigint NOT NULL,
	PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX incident_people_user ON incident_people(user_id, incident_id);
CREATE INDEX incident_people_version ON incident_people(incident_id, version);

CREATE TABLE incident_events (
	seq         bigserial PRIMARY KEY,
	incident_id text NOT NULL REFERENCES incidents(id),
	at          bigint NOT NULL,
	kind        text NOT NULL,
	actor_id    text NOT NULL DEFAULT '',
	subject_id  text NOT NULL DEFAULT '',
	detail      text NOT NULL DEFAULT ''
);
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
