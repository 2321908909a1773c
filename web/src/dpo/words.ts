// words.ts: how the breach log's codes read on the page, and the 72-hour
// ICO clock run from the server's time.
import { useEffect, useState } from 'preact/hooks';

/** kindNames are the labels of the kinds of entry. */
export const kindNames: Record<string, string> = {
  breach: 'Breach',
  'near-miss': 'Near miss',
  complaint: 'Complaint',
};

/** categoryNames are the labels of the categories. */
export const categoryNames: Record<string, string> = {
  'lost-or-stolen-device': 'Lost or stolen device',
  'unauthorised-disclosure': 'Unauthorised disclosure',
  'misdirected-message': 'Message or document sent to the wrong person',
  'unauthorised-access': 'Unauthorised access',
  'loss-of-availability': 'Records unavailable',
  'data-altered': 'Records altered or destroyed',
  complaint: 'Complaint',
  other: 'Other',
};

export const kindName = (k: string) => kindNames[k] ?? k;
export const categoryName = (c: string) => categoryNames[c] ?? c;

/** useServerNow returns the server's time now, ticking each second: the
 * page's clock set to the server's when the page loaded, so that the ICO
 * clock counts down from the server's idea of now. */
export function useServerNow(serverNow: string | undefined): number {
  const [offset, setOffset] = useState(0);
  const [, setTick] = useState(0);
  useEffect(() => {
    if (serverNow) setOffset(new Date(serverNow).getTime() - Date.now());
  }, [serverNow]);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  return Date.now() + offset;
}

/** left writes the time left on the ICO clock: "41 hours 12 minutes
 * left", or how long ago the deadline passed. */
export function left(deadline: string, now: number): { text: string; overdue: boolean; hours: number } {
  const ms = new Date(deadline).getTime() - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const span = `${h} ${h === 1 ? 'hour' : 'hours'} ${m} ${m === 1 ? 'minute' : 'minutes'}`;
  return ms >= 0
    ? { text: `${span} left to report to the ICO`, overdue: false, hours: ms / 3_600_000 }
    : { text: `Overdue by ${span}: the ICO should have been told`, overdue: true, hours: ms / 3_600_000 };
}
