import { useEffect, useState } from 'preact/hooks';

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
