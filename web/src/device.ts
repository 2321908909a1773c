import type { DeviceInfo } from './api';
import { pinFailuresKey } from './messaging/pinguard';

/** deviceName names this browser the way a person would recognise it in a
 * list of their devices, for example "Chrome on Linux". */
export function deviceName(ua: string = navigator.userAgent): string {
  return `${browser(ua)} on ${platform(ua)}`;
}

function browser(ua: string): string {
  if (/Edg\//.test(ua)) return 'Edge';
  if (/OPR\//.test(ua)) return 'Opera';
  if (/Firefox\//.test(ua)) return 'Firefox';
  if (/Chrom(e|ium)\//.test(ua)) return 'Chrome';
  if (/Safari\//.test(ua)) return 'Safari';
  return 'Browser';
}

function platform(ua: string): string {
  if (/iPhone|iPad|iPod/.test(ua)) return 'iOS';
  if (/Android/.test(ua)) return 'Android';
  if (/CrOS/.test(ua)) return 'ChromeOS';
  if (/Windows/.test(ua)) return 'Windows';
  if (/Mac OS X|Macintosh/.test(ua)) return 'macOS';
  if (/Linux/.test(ua)) return 'Linux';
  return 'unknown system';
}

const KEY = 'switchboard.device';

/** thisDevice is what sign-in and enrolment send to register the browser.
 * It carries the ID the server gave this browser last time, so signing in
 * again reuses that device instead of listing a new one; the server ignores
 * an ID that is revoked or belongs to someone else. */
export function thisDevice(): DeviceInfo {
  const id = storedDeviceID();
  return id ? { id, name: deviceName(), kind: 'web' } : { name: deviceName(), kind: 'web' };
}

/** rememberDevice keeps the device ID from a successful sign-in. */
export function rememberDevice(id: string): void {
  try {
    localStorage.setItem(KEY, id);
  } catch {
    // Storage can be off (private browsing); the next sign-in then
    // registers a new device, which is safe.
  }
}

/** storeOwnerKey names the localStorage entry saying whose messaging
 * store this browser holds (a user ID, nothing more). */
export const storeOwnerKey = 'switchboard-store-owner';

/** forgetThisBrowser removes everything that ties this browser to the
 * person who signed out: the device ID and whose store it held. A later
 * sign-in registers the browser as a new device. */
export function forgetThisBrowser(): void {
  try {
    localStorage.removeItem(KEY);
    localStorage.removeItem(storeOwnerKey);
    localStorage.removeItem(pinFailuresKey);
  } catch {
    // Storage off: nothing was kept.
  }
}

function storedDeviceID(): string {
  try {
    return localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}
