// session.ts: who is signed in, shared by the app shell and the pages.
import { del, get, setCsrfToken, type Me, type User } from './api';
import { rememberDevice } from './device';

/** SignInResult is the body of a successful sign-in or enrolment. */
export interface SignInResult {
  user: User;
  device_id: string;
  csrf_token: string;
  idle_timeout_seconds: number;
}

/** loadMe asks the server who is signed in; a 401 goes to sign-in. */
export async function loadMe(): Promise<Me> {
  const me = await get<Me>('/api/me');
  setCsrfToken(me.csrf_token);
  markSession();
  return me;
}

// LIVE marks, for this tab only, that someone was signed in, so that a
// lost session can be told apart from a first visit. It says nothing about
// who.
const LIVE = 'switchboard.live';

function markSession(): void {
  try {
    sessionStorage.setItem(LIVE, '1');
  } catch {
    // Storage off: a lost session then reads as a first visit.
  }
}

/** endSession forgets that this tab was signed in and reports whether it
 * was, so the sign-in page says a session ended only when one did. */
export function endSession(): boolean {
  try {
    const was = sessionStorage.getItem(LIVE) !== null;
    sessionStorage.removeItem(LIVE);
    return was;
  } catch {
    return false;
  }
}

/** signedIn records a sign-in response so the next requests carry CSRF. */
export function signedIn(r: SignInResult): Me {
  setCsrfToken(r.csrf_token);
  rememberDevice(r.device_id);
  markSession();
  return r;
}

/** signOut ends this session on the server; it is done even if the server
 * says the session had already ended. With retire, this device is signed
 * out for good (its messages are erased here): it leaves its conversations,
 * and the next sign-in in this browser is a new device that joins them. */
export async function signOut(retire = false): Promise<void> {
  try {
    await del(retire ? '/api/session?device=retire' : '/api/session');
  } catch {
    // Already signed out (401) or offline: either way the page forgets.
  }
  setCsrfToken('');
}

/** safeNext keeps a post-sign-in destination on this site. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/signin')) return '/';
  return next;
}
