// words.ts writes the duty-role and incident API's values the way people
// read them.
import { until } from '../format';
import type { Answer, DutyRole } from './types.gen';

/** holderLine says who holds a role now: "now: Dr B Khan, until 20:00". */
export function holderLine(r: DutyRole, myEmail: string): string {
  if (!r.holder) return 'Nobody holds this role now';
  const who = r.holder.email.toLowerCase() === myEmail.toLowerCase() ? 'you' : r.holder.name;
  return `now: ${who}${r.until ? `, until ${until(r.until)}` : ''}`;
}

/** minutes writes a number of seconds as whole minutes. */
export function minutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

/** stateNames are the roll-call answers as the buttons and board say them. */
export const stateNames: Record<string, string> = {
  available: 'Available now',
  'en-route': 'On my way',
  unavailable: 'Unavailable',
  '': 'No answer yet',
};

/** answerText is one person's answer on the board, with the ETA. */
export function answerText(a: Answer): string {
  const s = stateNames[a.state ?? ''] ?? a.state ?? '';
  const said = a.state === 'en-route' && a.eta_minutes ? `${s}, ETA ${a.eta_minutes} min` : s;
  if (!a.stood_down_at) return said;
  return a.state ? `${said} (stood down)` : 'Stood down';
}

/** ETA_MAX is the longest ETA the server takes, in minutes (a day). */
export const ETA_MAX = 1440;

/** etaError checks an ETA in minutes, typed as text; "" when it is fine. */
export function etaError(v: string): string {
  const t = v.trim();
  if (!t) return 'Enter how many minutes until you arrive';
  const n = Number(t);
  if (!/^\d+$/.test(t) || !Number.isInteger(n) || n < 1 || n > ETA_MAX) {
    return `Enter your ETA as a whole number of minutes from 1 to ${ETA_MAX}`;
  }
  return '';
}
