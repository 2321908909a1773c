// pinguard.ts slows down guessing of the messaging PIN on this device:
// after 3 wrong PINs in a row each try waits twice as long as the last,
// and at the organisation's limit the device erases its messages. The
// count is kept in localStorage so reloading the page does not reset it;
// it holds numbers only, and is removed at sign-out.

/** pinFailuresKey names the localStorage entry holding the count. */
export const pinFailuresKey = 'switchboard.pin-failures';

interface Failures {
  n: number; // wrong PINs in a row
  until: number; // no try before this time (ms since the epoch)
}

// FREE is how many wrong PINs are allowed before tries are slowed down;
// MAX_WAIT caps the wait in seconds.
const FREE = 2;
const MAX_WAIT = 300;

function read(): Failures {
  try {
    const f = JSON.parse(localStorage.getItem(pinFailuresKey) ?? '') as Failures;
    if (Number.isInteger(f.n) && typeof f.until === 'number') return f;
  } catch {
    // none yet, or unreadable: start again
  }
  return { n: 0, until: 0 };
}

function write(f: Failures): void {
  try {
    localStorage.setItem(pinFailuresKey, JSON.stringify(f));
  } catch {
    // Storage off: the count lasts as long as the page.
  }
}

/** pinWait returns how many seconds must pass before the next try, or 0. */
export function pinWait(now = Date.now()): number {
  return Math.max(0, Math.ceil((read().until - now) / 1000));
}

/** pinFailed counts a wrong PIN. It returns how many tries are left before
 * the limit, 0 meaning the device must erase its messages now, and how
 * many seconds the next try must wait. */
export function pinFailed(limit: number, now = Date.now()): { left: number; wait: number } {
  const n = read().n + 1;
  const wait = n > FREE ? Math.min(2 ** (n - FREE), MAX_WAIT) : 0;
  write({ n, until: now + wait * 1000 });
  return { left: Math.max(0, limit - n), wait };
}

/** pinSucceeded forgets the wrong PINs once the right one is entered. */
export function pinSucceeded(): void {
  try {
    localStorage.removeItem(pinFailuresKey);
  } catch {
    // nothing kept
  }
}
