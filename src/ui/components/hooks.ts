import { useEffect, useReducer, useState } from 'preact/hooks';

/** The current time, re-read every `periodMs`: what TTL countdowns are drawn against. */
export function useNow(periodMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [periodMs]);
  return now;
}

/** Calls `load` now and every `periodMs` after the previous call settled; the latest result wins. */
export function useRefreshed<T>(load: () => Promise<T>, periodMs: number): { value: T | undefined; error: string | undefined } {
  const [state, setState] = useState<{ value: T | undefined; error: string | undefined }>({ value: undefined, error: undefined });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      try {
        const value = await load();
        if (!stopped) setState({ value, error: undefined });
      } catch (error) {
        if (!stopped) setState((s) => ({ value: s.value, error: String((error as Error).message ?? error) }));
      }
      if (!stopped) timer = setTimeout(() => void tick(), periodMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [load, periodMs]);
  return state;
}

/** Where a live tree stands: its watch is live, it is (re)loading, the user may not read it, or loading failed (retried). */
export type TreeState = 'loading' | 'live' | 'reloading' | 'no access' | 'failed';

/** What a live tree's opener is given: to report changed keys, that the watch is live, that its history is lost. */
export interface TreeCallbacks {
  changed(keys: readonly string[]): void;
  live(): void;
  lost(): void;
}

/** Loads a tree and starts its watch; resolves with the tree and the watch's stop. */
export type OpenTree<T> = (callbacks: TreeCallbacks) => Promise<{ tree: T; stop: () => void }>;

const RETRY_MS = 1_000;

/**
 * A keyspace loaded once and then followed by its watch (no polling): redrawn on every change,
 * the changed keys remembered for highlighting, loaded again when the watch's history is lost,
 * retried each second while loading fails. A refusal for want of permission is a state, not an
 * error: the user sees "no access".
 */
export function useLiveTree<T>(open: OpenTree<T>, isNoAccess: (error: unknown) => boolean) {
  const [tree, setTree] = useState<T | undefined>(undefined);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const [recent] = useState(() => new Map<string, number>());
  const [state, setState] = useState<TreeState>('loading');
  const [error, setError] = useState<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const start = async (): Promise<void> => {
      try {
        const opened = await open({
          changed: (keys) => {
            const now = Date.now();
            for (const key of keys) recent.set(key, now);
            redraw(undefined);
          },
          live: () => {
            if (!cancelled) setState('live');
          },
          lost: () => {
            stop?.();
            if (cancelled) return;
            setState('reloading');
            void start();
          },
        });
        if (cancelled) {
          opened.stop();
          return;
        }
        stop = opened.stop;
        setTree(opened.tree);
        setError(undefined);
      } catch (e) {
        if (cancelled) return;
        if (isNoAccess(e)) {
          setTree(undefined);
          setState('no access');
          return;
        }
        setError(`loading the keys failed: ${(e as Error).message}`);
        setState('failed');
        retry = setTimeout(() => void start(), RETRY_MS);
      }
    };
    setState('loading');
    void start();
    return () => {
      cancelled = true;
      stop?.();
      if (retry !== undefined) clearTimeout(retry);
    };
  }, [open, generation]);

  return { tree, state, error, recent, reload: () => setGeneration((g) => g + 1) };
}
