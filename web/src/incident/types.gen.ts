// Code generated from the Go types of internal/wire by `go generate ./web`; DO NOT EDIT.
// The duty-role, urgent-message and major-incident API answers with these, as JSON.

/** Colleague is someone in the organisation, as the directory shows them. */
export interface Colleague {
  id: string;
  email: string;
  name: string;
  team?: string;
}

/** DutyRole is a duty role with whoever holds it now. */
export interface DutyRole {
  id: string;
  name: string;
  holder?: Colleague | null;
  until?: string;
  escalate_to?: string;
  escalate_after_seconds: number;
  may_declare: boolean;
}

/** DutyRoles is the answer of GET /api/duty. */
export interface DutyRoles {
  roles: DutyRole[];
}

/** Shift is one entry of a role's rota. */
export interface Shift {
  id: string;
  person: Colleague;
  from: string;
  until?: string;
}

/** Rota is the answer of GET /api/duty/{id}/rota. */
export interface Rota {
  role: DutyRole;
  shifts: Shift[];
}

/** CallList is a call-in list. */
export interface CallList {
  id: string;
  name: string;
  members: Colleague[];
}

/** CallLists is the answer of GET /api/calllists. */
export interface CallLists {
  lists: CallList[];
}

/** Recipient is someone who must acknowledge an urgent message. */
export interface Recipient {
  person: Colleague;
  via?: string;
  delivered: boolean;
  acknowledged?: string;
}

/** Urgent is an urgent message's state. */
export interface Urgent {
  conversation: string;
  message: string;
  latest: string;
  seq: number;
  sender: Colleague;
  sent_at: string;
  open: boolean;
  escalated_at?: string;
  escalated_to?: Colleague | null;
  recipients: Recipient[];
}

/** UrgentList lists urgent messages. */
export interface UrgentList {
  urgent: Urgent[];
}

/** IncidentList is a call-in list an incident alerted. */
export interface IncidentList {
  name: string;
  stood_down_at?: string;
}

/** Incident is a major incident or standby alert. */
export interface Incident {
  id: string;
  name: string;
  kind: string;
  exercise: boolean;
  conversation: string;
  commander: Colleague;
  declared_at: string;
  closed_at?: string;
  lists: IncidentList[];
  alerted?: Colleague[];
}

/** Incidents is the answer of GET /api/incidents. */
export interface Incidents {
  incidents: Incident[];
}

/** Answer is one person's line on the roll-call board. */
export interface Answer {
  person: Colleague;
  lists: string[];
  roles?: string[];
  state?: string;
  eta_minutes?: number;
  alerted_at: string;
  answered_at?: string;
  stood_down_at?: string;
}

/** Tally counts the answers of one group on the board. */
export interface Tally {
  by: string;
  name: string;
  alerted: number;
  answered: number;
  available: number;
  en_route: number;
  unavailable: number;
  no_answer: number;
  stood_down: number;
  first_answer_seconds?: number | null;
  median_seconds?: number | null;
  p90_seconds?: number | null;
}

/** Board is the live roll-call board. */
export interface Board {
  incident: Incident;
  version: number;
  answers: Answer[];
  tallies: Tally[];
}

/** LogEntry is one line of an incident's timeline. */
export interface LogEntry {
  at: string;
  event: string;
  actor?: Colleague | null;
  subject?: Colleague | null;
  detail?: string;
}

/** IncidentLog is what the server holds of an incident. */
export interface IncidentLog {
  incident: Incident;
  timeline: LogEntry[];
  board: Board;
}
