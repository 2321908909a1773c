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
