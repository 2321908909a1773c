// types.ts describes the consultation API's replies (see docs/api.md).
import type { CheckResult } from './check';
import type { IceServer } from './mesh';

export interface Checklist {
  identity_method: string;
  identity_detail: string;
  private_space: boolean;
  others_present: string;
  fallback_phone: string;
  completed_at: string;
}

export interface Consultation {
  id: string;
  practice: string;
  patient_name: string;
  patient_phone: string;
  patient_email: string;
  reason: string;
  starts_at: string;
  slot_minutes: number;
  status: 'scheduled' | 'live' | 'ended' | 'cancelled';
  mode: 'video' | 'audio' | 'telephone';
  checklist: Checklist | null;
  outcome: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface Participant {
  id: string;
  role: string;
  label: string;
  state: 'invited' | 'waiting' | 'admitted';
  connected: boolean;
  check: CheckResult | null;
  entered_at: string | null;
  admitted_at: string | null;
}

export interface TimelineRecord {
  seq: number;
  at: string;
  kind: string;
  participant_id: string;
  detail: Record<string, string>;
}

export interface Detail {
  consultation: Consultation;
  participants: Participant[];
  records: TimelineRecord[];
  ice_servers: IceServer[];
}

export interface Invite {
  participant_id: string;
  role: string;
  link: string;
  sent: string[];
  failed: string[];
}

/** when formats a time as a clinician reads it, UK time. */
export function when(iso: string | null): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString('en-GB', {
    timeZone: 'Europe/London',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export const statusNames: Record<string, string> = {
  scheduled: 'Booked',
  live: 'In progress',
  ended: 'Ended',
  cancelled: 'Cancelled',
};

/** identityMethods are the ways a clinician confirms a patient's identity
 * at the outset, as the opening checklist offers them. */
export const identityMethods = [
  { value: 'name-dob', label: 'Full name and date of birth confirmed' },
  { value: 'known', label: 'Known to me' },
  { value: 'other', label: 'Another way' },
];

const methodText: Record<string, string> = {
  'name-dob': 'full name and date of birth confirmed',
  known: 'known to the clinician',
  other: 'another way',
};

/** identityMethod says how identity was checked, as a record reads it. */
export const identityMethod = (code: string) => methodText[code] ?? code;
