// core.ts loads the messaging client core (Go compiled to WebAssembly,
// with Go's wasm_exec.js; both built by scripts/wasm.mjs and given hashed
// names under /assets/ by Vite) on first use and gives the pages a typed,
// promise-based view of it. Nothing here keeps message content: that
// lives in the core's encrypted store and in the pages that show it.
import coreURL from '../../wasm/switchboard.wasm?url';
import execURL from '../../wasm/wasm_exec.js?url';
import { keep } from '../offline';

// The core's answers, generated from its Go types (go generate ./web). A
// message may be urgent (it waits for its recipients' acknowledgement), and
// a major incident's conversation opens with its METHANE report (type
// "methane").
export type { Filed, Member, Message, Person, Records, Summary } from './types.gen';
import type { Filed, Message, Person, Summary } from './types.gen';
import type { Filing } from '../records/types.gen';
import type { Incident, IncidentLog } from '../incident/types.gen';

/** IncidentKind is what a declaration declares: a major incident, or a
 * standby alert. */
export type IncidentKind = 'major' | 'standby';

/** ConversationKind sets how long a conversation's messages are kept. */
export type ConversationKind = 'clinical' | 'team' | 'incident';

export interface PIDMatch {
  kind: string;
  start: number;
  end: number;
  text: string;
}

export type CoreEvent =
  | { type: 'message'; message: Message }
  // A conversation was joined, or its name or members changed.
  | { type: 'conversation'; id: string }
  | { type: 'policy' }
  // An urgent message (id: its first copy) changed: sent to me, or one I
  // sent was delivered, acknowledged or escalated.
  | { type: 'urgent'; conversation: string; id: string }
  // An incident that alerted me was declared or changed.
  | { type: 'incident'; id: string }
  | { type: 'closed'; error?: string; kind?: string };

interface Raw {
  status(): Promise<string>;
  unlock(req: string): Promise<string>;
  lock(): Promise<string>;
  erase(): Promise<string>;
  setCSRF(token: string): Promise<string>;
  watch(cb: (ev: string) => void): Promise<string>;
  summaries(): Promise<string>;
  history(id: string): Promise<string>;
  messages(id: string): Promise<string>;
  send(id: string, text: string): Promise<string>;
  sendAttachment(id: string, meta: string): Promise<string>;
  create(name: string, emails: string, kind: string): Promise<string>;
  file(id: string, ids: string, where: string): Promise<string>;
  receipt(filing: string): Promise<string>;
  add(id: string, email: string): Promise<string>;
  remove(id: string, email: string): Promise<string>;
  leave(id: string): Promise<string>;
  makeAdmin(id: string, email: string): Promise<string>;
  people(id: string): Promise<string>;
  safetyCode(id: string, email: string): Promise<string>;
  verify(id: string, email: string): Promise<string>;
  markRead(id: string, seq: number): Promise<string>;
  receiptPolicy(): Promise<string>;
  sendReceipt(id: string, msgID: string): Promise<string>;
  readBy(id: string): Promise<string>;
  pid(text: string): string;
  bleep(role: string, text: string, urgent: string): Promise<string>;
  acknowledge(conversation: string, messageID: string): Promise<string>;
  declare(kind: string, exercise: string, lists: string, methane: string): Promise<string>;
  incidentLog(id: string): Promise<string>;
  handover(role: string, email: string, note: string): Promise<string>;
}

/** CoreError is a failure from the core: message is a sentence for the
 * user, kind the fault kind (such as "unauthenticated" or "forbidden"). */
export class CoreError extends Error {
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super(message);
  }
}

async function call<T>(p: Promise<string>): Promise<T> {
  try {
    return JSON.parse(await p) as T;
  } catch (e) {
    if (e instanceof SyntaxError) throw new CoreError('Secure messaging gave an answer it could not read.', 'internal');
    const err = e as { message?: string; kind?: string };
    throw new CoreError(err.message ?? 'Secure messaging failed. Try again.', err.kind ?? 'internal');
  }
}

/** Core is the messaging client core, loaded. */
export class Core {
  constructor(private readonly raw: Raw) {}
  status = () => call<{ store: boolean; unlocked: boolean }>(this.raw.status());
  unlock = (pin: string, csrf: string) =>
    call<{ email: string; device: string }>(this.raw.unlock(JSON.stringify({ pin, csrf })));
  lock = () => call<boolean>(this.raw.lock());
  erase = () => call<boolean>(this.raw.erase());
  setCSRF = (token: string) => call<boolean>(this.raw.setCSRF(token));
  watch = (cb: (ev: CoreEvent) => void) => call<boolean>(this.raw.watch((s) => cb(JSON.parse(s) as CoreEvent)));
  summaries = async () => (await call<Summary[] | null>(this.raw.summaries())) ?? [];
  history = async (id: string) => (await call<Message[] | null>(this.raw.history(id))) ?? [];
  messages = async (id: string) => (await call<Message[] | null>(this.raw.messages(id))) ?? [];
  send = (id: string, text: string) => call<string>(this.raw.send(id, text));
  sendAttachment = (id: string, meta: string) => call<string>(this.raw.sendAttachment(id, meta));
  create = (name: string, emails: string[], kind: ConversationKind = 'clinical') =>
    call<string>(this.raw.create(name, JSON.stringify(emails), kind));
  /** file marks messages (by ID) as filed to the record at where: they are
   * deleted everywhere after the organisation's grace period. */
  file = (id: string, ids: string[], where: string) => call<Filed>(this.raw.file(id, JSON.stringify(ids), where));
  /** receipt is a filing's deletion receipt from the server. */
  receipt = (filing: string) => call<Filing>(this.raw.receipt(filing));
  add = (id: string, email: string) => call<boolean>(this.raw.add(id, email));
  remove = (id: string, email: string) => call<boolean>(this.raw.remove(id, email));
  leave = (id: string) => call<boolean>(this.raw.leave(id));
  makeAdmin = (id: string, email: string) => call<boolean>(this.raw.makeAdmin(id, email));
  people = async (id: string) => (await call<Person[] | null>(this.raw.people(id))) ?? [];
  safetyCode = (id: string, email: string) => call<string>(this.raw.safetyCode(id, email));
  verify = (id: string, email: string) => call<boolean>(this.raw.verify(id, email));
  markRead = (id: string, seq: number) => call<boolean>(this.raw.markRead(id, seq));
  receiptPolicy = () => call<'on' | 'off' | 'forced'>(this.raw.receiptPolicy());
  sendReceipt = (id: string, msgID: string) => call<boolean>(this.raw.sendReceipt(id, msgID));
  readBy = async (id: string) =>
    (await call<Record<string, { email: string; device: string; at: string }[]> | null>(this.raw.readBy(id))) ?? {};
  pid = (text: string) => JSON.parse(this.raw.pid(text)) as PIDMatch[];
  /** bleep messages whoever holds the duty role now, in the role's
   * conversation with the caller, made if need be. */
  bleep = (role: string, text: string, urgent: boolean) =>
    call<{ conversation: string; message: string }>(this.raw.bleep(role, text, urgent ? 'true' : 'false'));
  acknowledge = (conversation: string, messageID: string) =>
    call<boolean>(this.raw.acknowledge(conversation, messageID));
  /** handover hands a duty role to someone now; a note goes to them end
   * to end encrypted, in a conversation of the two of them, whose ID it
   * answers ("" without a note). */
  handover = (role: string, email: string, note: string) => call<string>(this.raw.handover(role, email, note));
  /** declare makes the incident's conversation, sends the METHANE report
   * into it and alerts the call-in lists. */
  declare = (kind: IncidentKind, exercise: boolean, lists: string[], methane: string) =>
    call<Incident>(this.raw.declare(kind, exercise ? 'true' : 'false', JSON.stringify(lists), methane));
  /** incidentLog is the server's log of an incident with the messages of
   * its conversation, decrypted here. */
  incidentLog = async (id: string) => {
    const log = await call<{ server: IncidentLog; messages: Message[] | null }>(this.raw.incidentLog(id));
    return { server: log.server, messages: log.messages ?? [] };
  };
}

interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

let loading: Promise<Core> | null = null;
let loaded: Core | null = null;

/** loadedCore returns the core if it has been loaded, without loading it. */
export function loadedCore(): Core | null {
  return loaded;
}

/** loadCore loads the core once and returns it. The download and the
 * compilation overlap (instantiateStreaming compiles as bytes arrive),
 * and both start before Go's glue script has loaded. */
export function loadCore(): Promise<Core> {
  loading ??= (async () => {
    const wasm = fetch(coreURL);
    wasm.catch(() => {}); // reported by instantiateStreaming below
    await loadScript(execURL);
    const G = (globalThis as unknown as { Go: new () => GoRuntime }).Go;
    const go = new G();
    const ready = new Promise<void>((resolve) =>
      window.addEventListener('switchboard-core-ready', () => resolve(), { once: true }),
    );
    const res = await WebAssembly.instantiateStreaming(wasm, go.importObject);
    void go.run(res.instance);
    await ready;
    keep([coreURL, execURL]); // if fetched before the service worker was in control
    loaded = new Core((globalThis as unknown as { switchboardCore: Raw }).switchboardCore);
    return loaded;
  })().catch((e: unknown) => {
    loading = null;
    throw e instanceof CoreError
      ? e
      : new CoreError('Secure messaging could not start in this browser. Reload the page to try again.', 'unavailable');
  });
  return loading;
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(s);
  });
}

/** eraseStore deletes the device's store from IndexedDB: on sign-out,
 * nothing of the conversations stays in the browser. */
export async function eraseStore(): Promise<void> {
  if (loaded) {
    try {
      await loaded.lock(); // closes the database so it can be deleted
    } catch {
      // already locked
    }
  }
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.deleteDatabase('switchboard');
    req.onsuccess = () => resolve();
    req.onerror = () => reject(new Error('The messages on this device could not be erased. Close other Switchboard tabs and sign out again.'));
    // Open connections are asked to close (the core's do); give them time.
    req.onblocked = () => setTimeout(() => reject(new Error('The messages on this device could not be erased. Close other Switchboard tabs and sign out again.')), 5000);
  });
}
