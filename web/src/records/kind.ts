import type { ConversationKind, Records } from '../messaging/core';
import type { RadioOption } from '../components/Radios';

/** kinds are the kinds of conversation, as people choose them. */
export const kinds: RadioOption<ConversationKind>[] = [
  { value: 'clinical', label: 'Clinical', hint: 'About patients and their care. The default.' },
  { value: 'team', label: 'Team', hint: 'Rotas, logistics and other team business: no patient details.' },
  { value: 'incident', label: 'Incident', hint: 'A major or serious incident.' },
];

export const kindLabel = (k: string) => kinds.find((x) => x.value === k)?.label ?? k;

/** age says a retention period in days, or hours where it is not whole days. */
export function age(seconds: number): string {
  const days = seconds / 86400;
  if (Number.isInteger(days)) return days === 1 ? '1 day' : `${days} days`;
  const hours = Math.round(seconds / 3600);
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

/** keptLine says, in a line above a conversation, its kind and how long
 * its messages are kept. */
export function keptLine(r: Records): string {
  const kind = kindLabel(r.kind);
  if (r.held) return `${kind} · a legal hold applies`;
  if (r.max_age_seconds > 0) return `${kind} · messages deleted after ${age(r.max_age_seconds)}`;
  if (r.set) return `${kind} · messages kept`;
  return `${kind} · no deletion period set`;
}
