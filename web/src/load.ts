import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';

/** Loaded is what useLoad returns: the data once it has arrived, the
 * server's sentence if it failed, and a way to ask again. */
export interface Loaded<T> {
  data: T | null;
  error: string;
  reload: () => Promise<void>;
}

/** useLoad fetches data for a page when it opens. */
export function useLoad<T>(fetcher: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(fetcher, deps);
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError('');
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, [load]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, reload };
}

/** message turns a caught error into a sentence for the page. */
export const message = (e: unknown) => (e instanceof ApiError ? e.message : String(e));
