// Code generated from the Go types of internal/wire by `go generate ./web`; DO NOT EDIT.
// The duty-role, urgent-message and major-incident API speaks these, as JSON.

/** Person is someone in the organisation, as the directory shows them. */
export interface Person {
  id: string;
  email: string;
  name: string;
  team?: string;
}

/** DutyRole is a duty role with whoever holds it now. */
export interface DutyRole {
  id: string;
  name: string;
  holder?: Person | null;
  until?: string;
  escalate_to?: string;
  escalate_after_seconds: number;
  may_declare: boolean;
}

/** DutyRoles is the answer of GET /api/duty. */
export interface DutyRoles {
  roles: DutyRole[];
}

/** NewDutyRole is the body of POST /api/admin/duty. */
export interface NewDutyRole {
  name: string;
  escalate_to?: string;
  escalate_after_seconds?: number;
  may_declare?: boolean;
}

/** Shift is one entry of a role's rota. */
export interface Shift {
  id: string;
  person: Person;
  from: string;
  until?: string;
}

/** Rota is the answer of GET /api/duty/{id}/rota. */
export interface Rota {
  role: DutyRole;
  shifts: Shift[];
}

/** NewShift is the body of POST /api/admin/duty/{id}/rota. */
export interface NewShift {
  email: string;
  from?: string;
  until?: string;
}

/** CallList is a call-in list. */
export interface CallList {
  id: string;
  name: string;
  members: Person[];
}

/** CallLists is the answer of GET /api/calllists. */
export interface CallLists {
  lists: CallList[];
}

/** NewCallList is the body of POST /api/admin/calllists. */
export interface NewCallList {
  name: string;
  emails: string[];
}

/** Recipient is someone who must acknowledge an urgent message. */
export interface Recipient {
  person: Person;
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
  sender: Person;
  sent_at: string;
  open: boolean;
  escalated_at?: string;
  escalated_to?: Person | null;
  recipients: Recipient[];
}

/** UrgentList is the answer of GET /api/urgent and GET /api/conversations/{id}/urgent. */
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
  commander: Person;
  declared_at: string;
  closed_at?: string;
  lists: IncidentList[];
  alerted?: Person[];
}

/** Incidents is the answer of GET /api/incidents. */
export interface Incidents {
  incidents: Incident[];
}

/** Respond is the body of POST /api/incidents/{id}/response. */
export interface Respond {
  state: string;
  eta_minutes?: number;
}

/** Answer is one person's line on the roll-call board. */
export interface Answer {
  person: Person;
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

/** LogEntry is one line of an incident's server-held timeline. */
export interface LogEntry {
  at: string;
  event: string;
  actor?: Person | null;
  subject?: Person | null;
  detail?: string;
}

/** IncidentLog is what the server holds of an incident. */
export interface IncidentLog {
  incident: Incident;
  timeline: LogEntry[];
  board: Board;
}
