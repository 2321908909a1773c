// Code generated from the Go types of internal/wire by `go generate ./web`; DO NOT EDIT.
// The data protection officer's API answers with these, as JSON.

/** BreachEvent is one line of an entry's history. */
export interface BreachEvent {
  at: string;
  actor: string;
  action: string;
  note: string;
}

/** Breach is one entry of the breach and complaint log. */
export interface Breach {
  id: string;
  kind: string;
  category: string;
  summary: string;
  affected: number;
  actions: string;
  reportable: boolean;
  aware_at: string;
  opened_at: string;
  opened_by: string;
  reported_at?: string;
  closed_at?: string;
  deadline?: string;
  clocked: boolean;
  reminded_hours: number;
  device?: string;
  version: number;
  history?: BreachEvent[];
}

/** BreachLog is the answer of GET /api/dpo/breaches. */
export interface BreachLog {
  breaches: Breach[];
  now: string;
  kinds: string[];
  categories: string[];
  can_change: boolean;
}

/** NewBreach is the body of POST /api/dpo/breaches. */
export interface NewBreach {
  kind?: string;
  category: string;
  summary: string;
  affected?: number;
  actions?: string;
  reportable?: boolean;
  aware_at?: string;
}

/** BreachChange is the body of POST /api/dpo/breaches/{id}. */
export interface BreachChange {
  version: number;
  summary?: string | null;
  affected?: number | null;
  actions?: string | null;
  reportable?: boolean | null;
  reported?: boolean;
  close?: boolean;
  reopen?: boolean;
}

/** LostDevice is the answer of POST /api/me/devices/{id}/lost. */
export interface LostDevice {
  device: string;
  breach: string;
}

/** RegisterQuestion is one question of the ICO's DPIA screening checklist. */
export interface RegisterQuestion {
  id: string;
  text: string;
  required: boolean;
}

/** Organisation names the organisation a document is about. */
export interface Organisation {
  ods: string;
  name: string;
}

/** RegisterEntry is one tool of the software register with its light DPIA. */
export interface RegisterEntry {
  id: string;
  name: string;
  supplier: string;
  purpose: string;
  data_categories: string;
  lawful_basis: string;
  hosting: string;
  encryption: string;
  retention: string;
  sub_processors: string;
  status: string;
  approved_on?: string;
  approver?: string;
  next_review: string;
  overdue: boolean;
  screening: Record<string, boolean>;
  full_dpia_needed: boolean;
  builtin: boolean;
  updated_at: string;
  updated_by: string;
  version: number;
}

/** RegisterChange is one line of the register's change history. */
export interface RegisterChange {
  at: string;
  entry: string;
  actor: string;
  note: string;
}

/** SoftwareRegister is the published register (GET /register.json). */
export interface SoftwareRegister {
  organisation: Organisation;
  generated_at: string;
  screening_questions: RegisterQuestion[];
  lawful_bases: string[];
  statuses: string[];
  entries: RegisterEntry[];
  changes: RegisterChange[];
}

/** RegisterInput is the body of POST /api/dpo/register and PUT /api/dpo/register/{id}. */
export interface RegisterInput {
  version: number;
  name: string;
  supplier: string;
  purpose: string;
  data_categories: string;
  lawful_basis: string;
  hosting: string;
  encryption: string;
  retention: string;
  sub_processors: string;
  status: string;
  approved_on?: string;
  approver?: string;
  next_review: string;
  screening: Record<string, boolean>;
}
