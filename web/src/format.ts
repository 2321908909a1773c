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
  return isNaN(d.getTime()) ? ts : dateTime.format(d);
}
