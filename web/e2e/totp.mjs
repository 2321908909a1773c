// RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30-second steps), as an
// authenticator app computes it from the setup key on the enrolment page.
import { createHmac } from 'node:crypto';

const STEP_SECONDS = 30;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** base32Decode decodes RFC 4648 base32, ignoring spaces, padding and case. */
export function base32Decode(text) {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${JSON.stringify(ch)}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** hotp is RFC 4226's code for one counter value. */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const sum = createHmac('sha1', key).update(msg).digest();
  const off = sum[sum.length - 1] & 0x0f;
  const v = sum.readUInt32BE(off) & 0x7fffffff;
  return String(v % 10 ** digits).padStart(digits, '0');
}

/** stepAt is the 30-second time step containing ms. */
export const stepAt = (ms = Date.now()) => Math.floor(ms / 1000 / STEP_SECONDS);

/** totp is the code for a base32 secret in the given step. */
export const totp = (secret, step = stepAt()) => hotp(base32Decode(secret), step);

// The Go test that runs these files serves the server's clock at
// SWITCHBOARD_CLOCK_URL (see serveControl in cmd/switchboard), so that a
// test needing the next TOTP step moves the server on to it instead of
// waiting up to 30 seconds.
const clockURL = () => process.env.SWITCHBOARD_CLOCK_URL;

async function clockCall(method, path) {
  const base = clockURL();
  if (!base) throw new Error('SWITCHBOARD_CLOCK_URL is not set: run the browser tests through go test ./cmd/switchboard');
  const res = await fetch(base + path, { method });
  if (!res.ok) throw new Error(`${method} ${path} on the test clock: ${res.status} ${await res.text()}`);
  return (await res.json()).ms;
}

/** serverNow is the server's time in Unix milliseconds. */
export const serverNow = () => clockCall('GET', '/now');

/** advanceServer moves the server's clock ms forward and returns its new time. */
export const advanceServer = (ms) => clockCall('POST', `/advance?ms=${Math.max(0, Math.ceil(ms))}`);

/** freshCode returns the code of the server's current step if it is later
 * than lastStep, the step whose code was last used; otherwise it moves the
 * server's clock into the step after lastStep, as the server accepts each
 * step's code once. */
export async function freshCode(secret, lastStep = -1) {
  let now = await serverNow();
  if (stepAt(now) <= lastStep) {
    now = await advanceServer((lastStep + 1) * STEP_SECONDS * 1000 + 1000 - now);
  }
  const step = stepAt(now);
  return { code: totp(secret, step), step };
}

/** serverCode is the code for the server's current step, without regard
 * to whether it has been used. */
export const serverCode = async (secret) => totp(secret, stepAt(await serverNow()));
