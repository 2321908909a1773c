const dateTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** when shows a server timestamp the way NHS services write dates, for
 * example "22 Nov 2026, 09:15"; an empty or missing time shows a dash. */
export function when(ts: string | null | undefined): string {
  if (!ts) return '–';
  const d = new Date(ts);
  if (isNaN(d.getTime())) return ts;
  return realTime(ts) ? dateTime.format(d) : '–';
}

const hourMinute = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });

/** until shows when something ends: the time alone if it is today, for
 * example "09:15", otherwise with the day, "09:15 on 23 Nov". */
export function until(ts: string): string {
  const d = new Date(ts);
  if (isNaN(d.getTime())) return ts;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? hourMinute.format(d) : `${hourMinute.format(d)} on ${dayMonth.format(d)}`;
}

/** count writes a number of things in words people read without
 * stumbling: "1 message", "2 messages", "No messages". plural defaults to
 * the noun with an "s". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  if (n === 0) return `No ${plural}`;
  return `${n.toLocaleString('en-GB')} ${n === 1 ? noun : plural}`;
}

/** realTime reports whether ts is a time that happened: not empty and not
 * the zero time ("0001-01-01") a server sends for "never". */
export function realTime(ts: string | null | undefined): ts is string {
  if (!ts) return false;
  const d = new Date(ts);
  return !isNaN(d.getTime()) && d.getUTCFullYear() > 1970;
}

/** localRetry rewrites the clock time in a server sentence such as "Try
 * again after 14:05 UTC (in 15 minutes)" into the person's own time zone,
 * worked out from the Retry-After seconds; other sentences are kept. */
export function localRetry(msg: string, retryAfter: number, now = Date.now()): string {
  if (!retryAfter) return msg;
  return msg.replace(/\b\d{2}:\d{2} UTC\b/, hourMinute.format(new Date(now + retryAfter * 1000)));
}

/** registration names the register a professional registration number is
 * on, as people quote them: "GMC 1234567", "NMC 12A3456B", "HCPC
 * PA12345". The number's shape says which register it is. */
export function registration(reg: string | null | undefined): string {
  const r = (reg ?? '').trim().toUpperCase();
  if (/^[0-9]{7}$/.test(r)) return `GMC ${r}`;
  if (/^[0-9]{2}[A-Z][0-9]{4}[A-Z]$/.test(r)) return `NMC ${r}`;
  if (/^[A-Z]{2}[0-9]{5,6}$/.test(r)) return `HCPC ${r}`;
  return r;
}
