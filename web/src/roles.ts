import type { Me } from './api';

/** roleNames are the labels people see for the server's role codes. */
export const roleNames: Record<string, string> = {
  clinician: 'Clinician',
  admin: 'Administrator',
  dpo: 'Data protection officer',
};

export const roleLabel = (r: string) => roleNames[r] ?? r;

const has = (me: Me | null, role: string) => !!me?.user.roles.includes(role);

/** canAdmin reports whether the person may manage users and devices. */
export const canAdmin = (me: Me | null) => has(me, 'admin');

/** canAudit reports whether the person may read the audit log. */
export const canAudit = (me: Me | null) => has(me, 'admin') || has(me, 'dpo');

/** canConsult reports whether the person may run video consultations. */
export const canConsult = (me: Me | null) => has(me, 'clinician');

/** canReview reports whether the person may read every consultation's
 * record (the data protection officer). */
export const canReview = (me: Me | null) => has(me, 'dpo');

/** canBreachLog reports whether the person may read the breach and
 * complaint log: the DPO, who keeps it, and administrators. */
export const canBreachLog = (me: Me | null) => has(me, 'dpo') || has(me, 'admin');
