// RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30-second steps), as an
// authenticator app computes it from the setup key on the enrolment page.
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

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

/** freshCode returns a code from a step later than lastStep, waiting for
 * the next window if need be: the server accepts each step's code once. */
export async function freshCode(secret, lastStep = -1) {
  let step = stepAt();
  while (step <= lastStep) {
    await sleep((lastStep + 1) * STEP_SECONDS * 1000 - Date.now() + 250);
    step = stepAt();
  }
  return { code: totp(secret, step), step };
}
