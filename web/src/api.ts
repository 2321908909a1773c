// api.ts is the one place the pages talk to the server: JSON in and out,
// the CSRF header on every state-changing request, and a 401 from a
// signed-in call sending the user to the sign-in page.

export interface Org {
  ods: string;
  name: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  roles: string[];
  registration?: string;
  org?: Org;
}

export interface Me {
  user: User;
  device_id: string;
  csrf_token: string;
  idle_timeout_seconds: number;
  /** pin_attempts is how many wrong PINs in a row this device allows
   * before it erases its messages and signs out. */
  pin_attempts?: number;
}

export interface DeviceInfo {
  id?: string;
  name: string;
  kind: 'web';
}

/** ApiError carries the server's sentence, safe to show to the user. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** retryAfter is the server's Retry-After in seconds, or 0. */
    readonly retryAfter = 0,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onUnauthorized: (code: string) => void = () => {};

/** setCsrfToken stores the token from /api/me or a sign-in response. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** handleUnauthorized sets what happens when a signed-in call gets 401;
 * fn is given the server's code for why, such as "device_revoked", or "". */
export function handleUnauthorized(fn: (code: string) => void): void {
  onUnauthorized = fn;
}

interface Options {
  /** public marks calls made before signing in: a 401 is then an answer
   * for the page (wrong password), not a lost session. */
  public?: boolean;
  /** signal ends a long wait (the incident board's) when a page closes. */
  signal?: AbortSignal;
}

const fallback: Record<number, string> = {
  400: 'Check the details you entered and try again.',
  401: 'You need to sign in again.',
  403: 'You do not have permission to do that.',
  404: 'The page or item could not be found.',
  409: 'That conflicts with something that already exists.',
  429: 'Too many attempts. Wait a few minutes and try again.',
  503: 'The service is not available at the moment. Try again later.',
};

/** request sends one JSON request and returns the decoded body. */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: Options = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: opts.signal,
    });
  } catch {
    throw new ApiError(0, 'Could not reach Switchboard. Check your connection and try again.');
  }
  const data = await readJSON(res);
  if (res.ok) return data as T;
  if (res.status === 401 && !opts.public) {
    csrfToken = '';
    const code = data && typeof data === 'object' ? (data as { code?: unknown }).code : '';
    onUnauthorized(typeof code === 'string' ? code : '');
  }
  const msg =
    data && typeof data === 'object' && typeof (data as { error?: unknown }).error === 'string'
      ? (data as { error: string }).error
      : (fallback[res.status] ?? 'Something went wrong. Try again later.');
  const retry = Number(res.headers.get('Retry-After') ?? 0);
  throw new ApiError(res.status, msg, Number.isFinite(retry) && retry > 0 ? retry : 0);
}

async function readJSON(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

export const get = <T>(path: string, opts?: Options) => request<T>('GET', path, undefined, opts);
export const post = <T>(path: string, body?: unknown, opts?: Options) =>
  request<T>('POST', path, body ?? {}, opts);
export const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);

/** seg escapes one path segment taken from a URL or an ID. */
export const seg = (s: string) => encodeURIComponent(s);
