// board.ts follows an incident's roll-call board with the server's long
// poll: each request waits until the board moves past the version the page
// has, then brings only the answers that changed (and the whole tallies).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, seg } from '../api';
import type { Answer, Board } from './types.gen';

/** WAIT is how long, in seconds, each request asks the server to wait. */
const WAIT = 25;

/** Followed is what useBoard returns: the board as it stands, a sentence
 * when it cannot be read, and whether the page is catching up after a
 * dropped connection. */
export interface Followed {
  board: Board | null;
  error: string;
  reconnecting: boolean;
  /** patch applies this person's own answer at once, before the server's
   * next version arrives. */
  patch: (a: Answer) => void;
}

const key = (a: Answer) => a.person.id || a.person.email;

/** useBoard follows the board of incident id while the page is open; the
 * loop ends when the page closes or the incident closes. */
export function useBoard(id: string): Followed {
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState('');
  const [reconnecting, setReconnecting] = useState(false);

  useEffect(() => {
    const stop = new AbortController();
    const answers = new Map<string, Answer>();
    let version = 0;
    (async () => {
      let pause = 0;
      while (!stop.signal.aborted) {
        try {
          const wait = version ? WAIT : 0;
          const b = await get<Board>(`/api/incidents/${seg(id)}/board?after=${version}&wait=${wait}`, {
            signal: stop.signal,
          });
          if (stop.signal.aborted) return;
          for (const a of b.answers) answers.set(key(a), a);
          version = b.version;
          setBoard({ ...b, answers: [...answers.values()] });
          setError('');
          setReconnecting(false);
          pause = 0;
          if (b.incident.closed_at) return; // nothing changes after closing
        } catch (e) {
          if (stop.signal.aborted) return;
          if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
            setError(e.message);
            return;
          }
          setReconnecting(true);
          pause = Math.min(30, pause ? pause * 2 : 2);
          await sleep(pause * 1000, stop.signal);
        }
      }
    })();
    return () => stop.abort();
  }, [id]);

  const patch = (a: Answer) =>
    setBoard((b) => (b ? { ...b, answers: b.answers.map((x) => (key(x) === key(a) ? { ...x, ...a } : x)) } : b));
  return { board, error, reconnecting, patch };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
