import type { DeviceInfo } from './api';

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

/** thisDevice is what sign-in and enrolment send to register the browser. */
export function thisDevice(): DeviceInfo {
  return { name: deviceName(), kind: 'web' };
}
