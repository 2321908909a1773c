// state.ts holds whether secure messaging is unlocked in this page and
// passes live messages from the core to whichever page is listening. The
// app locks it after the organisation's idle limit; the pages then show
// only the PIN form, so nothing of the conversations stays in the DOM.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { type CoreEvent, type Message, loadCore, loadedCore } from './core';

let unlocked = false;
let signingOut = false;

/** setSigningOut marks a sign-out under way: the PIN page, shown as the
 * store locks, must not open (and so re-create) the store being erased. */
export function setSigningOut(v: boolean): void {
  signingOut = v;
}

/** isSigningOut reports whether a sign-out is under way. */
export function isSigningOut(): boolean {
  return signingOut;
}
const stateListeners = new Set<() => void>();
const messageListeners = new Set<(m: Message) => void>();
const conversationListeners = new Set<(id: string) => void>();
const urgentListeners = new Set<(conversation: string, id: string) => void>();

function notify(): void {
  for (const l of stateListeners) l();
}

/** isUnlocked reports whether the store is open in this page. */
export function isUnlocked(): boolean {
  return unlocked;
}

/** useUnlocked re-renders when messaging locks or unlocks. */
export function useUnlocked(): boolean {
  const [u, setU] = useState(unlocked);
  useEffect(() => {
    const l = () => setU(unlocked);
    stateListeners.add(l);
    l();
    return () => void stateListeners.delete(l);
  }, []);
  return u;
}

/** onMessage calls fn with each message that arrives live; it returns
 * the function that stops it. */
export function onMessage(fn: (m: Message) => void): () => void {
  messageListeners.add(fn);
  return () => void messageListeners.delete(fn);
}

// releaseTab gives up this tab's hold on the store (see holdStore).
let releaseTab: (() => void) | null = null;

/** holdStore takes the browser-wide lock on the store, so that two tabs
 * never advance the same conversations' keys from one starting point. */
async function holdStore(): Promise<void> {
  if (releaseTab || !navigator.locks) return;
  await new Promise<void>((resolve, reject) => {
    void navigator.locks.request('switchboard-store', { ifAvailable: true }, (l) => {
      if (!l) {
        reject(new Error('Secure messaging is open in another tab or window. Use that one, or close it and try again.'));
        return;
      }
      return new Promise<void>((release) => {
        releaseTab = () => {
          releaseTab = null;
          release();
        };
        resolve();
      });
    });
  });
}

/** unlock opens the store with the PIN, then follows the server's
 * stream for live messages. */
export async function unlock(pin: string, csrf: string): Promise<void> {
  const core = await loadCore();
  await holdStore();
  try {
    await core.unlock(pin, csrf);
  } catch (e) {
    releaseTab?.();
    throw e;
  }
  unlocked = true;
  notify();
  await core.watch(onEvent);
  registerServiceWorker();
}

/** followNew reconnects the live stream so that it includes a
 * conversation this device has just created: the server joins an open
 * socket to new conversations through Welcomes, which the creator does
 * not get. */
export async function followNew(): Promise<void> {
  const core = await loadCore();
  await core.watch(onEvent);
}

/** onConversation calls fn with the ID of each conversation joined, or
 * whose name or members changed; it returns the function that stops it. */
export function onConversation(fn: (id: string) => void): () => void {
  conversationListeners.add(fn);
  return () => void conversationListeners.delete(fn);
}

/** onUrgent calls fn with the conversation and first-copy ID of each
 * urgent message that changes (sent to this person, or one they sent
 * delivered, acknowledged or escalated); it returns the function that
 * stops it. */
export function onUrgent(fn: (conversation: string, id: string) => void): () => void {
  urgentListeners.add(fn);
  return () => void urgentListeners.delete(fn);
}

/** incidentEvent is the window event fired when an incident that
 * alerted this person is declared or changes; its detail is the ID. */
export const incidentEvent = 'switchboard:incident';

/** urgentEvent is the window event fired when an urgent message to or
 * from this person changes, for the pages and the shell's banner. */
export const urgentEvent = 'switchboard:urgent';

function onEvent(ev: CoreEvent): void {
  if (ev.type === 'urgent') {
    for (const l of urgentListeners) l(ev.conversation, ev.id);
    window.dispatchEvent(new CustomEvent(urgentEvent, { detail: ev.conversation }));
    return;
  }
  if (ev.type === 'incident') {
    window.dispatchEvent(new CustomEvent(incidentEvent, { detail: ev.id }));
    return;
  }
  if (ev.type === 'message') {
    for (const l of messageListeners) l(ev.message);
    return;
  }
  if (ev.type === 'conversation') {
    for (const l of conversationListeners) l(ev.id);
    return;
  }
  if (ev.type === 'policy') {
    // The organisation's policy changed: the shell reads it again.
    window.dispatchEvent(new Event(policyEvent));
    return;
  }
  // Following stopped: the session ended (a 401 sends the app to the
  // sign-in page) or the device was revoked and its store erased.
  void lock();
  get('/api/me').catch(() => {});
}

/** policyEvent is the window event fired when the server says the
 * organisation's policy changed. */
export const policyEvent = 'switchboard:policy';

/** pinLimitEvent is the window event fired when the wrong-PIN limit is
 * reached: the shell erases the store and signs out. */
export const pinLimitEvent = 'switchboard:pin-limit';

/** lock forgets the unlocked store and everything it held in memory. */
export async function lock(): Promise<void> {
  const core = loadedCore();
  if (core) await core.lock().catch(() => {});
  releaseTab?.();
  if (unlocked) {
    unlocked = false;
    notify();
  }
}

function registerServiceWorker(): void {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
  }
}
