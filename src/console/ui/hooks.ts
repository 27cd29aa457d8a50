/** Small Preact hooks the pages share: polling an admin API read, and a one-shot action's state. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export interface Polled<T> {
  data: T | null;
  error: string | null;
  /** Loads again now (after a change the page made). */
  refresh(): void;
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (HTTP ${err.status})`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Calls `load` now and every `intervalMs` while the component is mounted and the tab is visible; a
 * call never overlaps the previous one (a slow gateway is not piled onto). The last good data stays
 * shown when a call fails.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const running = useRef(false);
  const run = useCallback(() => {
    // A hidden tab does not poll: an operator's forgotten console costs the gateway nothing.
    if (running.current || document.hidden) return;
    running.current = true;
    loadRef
      .current()
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => (running.current = false));
  }, []);
  useEffect(() => {
    run();
    const timer = setInterval(run, intervalMs);
    // Back in view: fresh data at once rather than at the next tick.
    const onVisible = () => document.hidden || run();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [run, intervalMs]);
  return { data, error, refresh: run };
}

export interface Action<A extends unknown[], R> {
  run(...args: A): Promise<R | undefined>;
  busy: boolean;
  error: string | null;
  result: R | null;
  clear(): void;
}

/** A button's action: busy while it runs, its error or result kept for the page to show. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<R | null>(null);
  const run = async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      const r = await fn(...args);
      setResult(r);
      return r;
    } catch (err) {
      setError(errorText(err));
      setResult(null);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, result, clear: () => (setError(null), setResult(null)) };
}
