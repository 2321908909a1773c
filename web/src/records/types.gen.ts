// Code generated from the Go types of internal/wire by `go generate ./web`; DO NOT EDIT.
// The records API (retention, filing receipts, legal holds) answers with these, as JSON.

/** DeletionReceipt is one device's confirmation of a deletion. */
export interface DeletionReceipt {
  device: string;
  email: string;
  device_name: string;
  confirmed_at?: string | null;
}

/** Filing is a filing to the record as the server keeps it, with its deletion receipt. */
export interface Filing {
  id: string;
  conversation: string;
  filed_by: string;
  seqs: number[];
  filed_at: string;
  due_at: string;
  deleted_at?: string | null;
  held: boolean;
  devices: DeletionReceipt[];
}

/** RetentionRule is how long an organisation keeps one kind of conversation. */
export interface RetentionRule {
  kind: 'clinical' | 'team' | 'incident';
  max_age_seconds: number;
  keep: boolean;
  reason?: string;
  set: boolean;
}

/** Retention is the answer of GET /api/admin/retention. */
export interface Retention {
  filed_grace_seconds: number;
  rules: RetentionRule[];
}

/** Hold is a legal hold as the DPO sees it. */
export interface Hold {
  id: string;
  conversation?: string;
  email?: string;
  from?: string | null;
  to?: string | null;
  case: string;
  placed_by: string;
  placed_at: string;
  released_at?: string | null;
}

/** NewHold is the body of POST /api/dpo/holds. */
export interface NewHold {
  conversation?: string;
  email?: string;
  from?: string;
  to?: string;
  case: string;
}
