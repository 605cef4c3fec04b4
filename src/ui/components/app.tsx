import { useCallback, useEffect, useReducer, useState } from 'preact/hooks';
import { fetchCluster } from '../api/cluster.ts';
import type { Keyspace } from '../api/keyspace.ts';
import type { KeyTree } from '../model/key-tree.ts';
import { useNow, useRefreshed } from './hooks.ts';
import { KeyEditor } from './key-editor.tsx';
import { KeyTreeView } from './key-tree-view.tsx';
import { MembersPanel, StoreStatsPanel } from './members-panel.tsx';

interface Props {
  keyspace: Keyspace;
  /** Set by the worker (`CONSOLE_READ_ONLY`): no control can write, whatever the toggle says. */
  serverReadOnly: boolean;
}

const READ_ONLY_KEY = 'edgecd.console.readOnly';
const CLUSTER_REFRESH_MS = 1_000;

type WatchState = 'loading' | 'live' | 'reloading';

/**
 * The console: the keyspace, live (one watch, no polling), with an editor; the members and the
 * store's counters (refreshed each second from /metrics and the stats routes).
 */
export function App({ keyspace, serverReadOnly }: Props) {
  const [tree, setTree] = useState<KeyTree | undefined>(undefined);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const [recent] = useState(() => new Map<string, number>());
  const [selected, setSelected] = useState('/');
  const [watch, setWatch] = useState<WatchState>('loading');
  const [error, setError] = useState<string | undefined>(undefined);
  const [readOnlyChoice, setReadOnlyChoice] = useState(() => localStorage.getItem(READ_ONLY_KEY) === 'true' || new URLSearchParams(location.search).has('readonly'));
  const readOnly = serverReadOnly || readOnlyChoice;
  const now = useNow(250);
  const cluster = useRefreshed(useCallback(fetchCluster, []), CLUSTER_REFRESH_MS);

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    const start = async (): Promise<void> => {
      try {
        const loaded = await keyspace.load();
        if (cancelled) return;
        setTree(loaded);
        setWatch('live');
        stop = keyspace.watch(
          loaded.index + 1,
          (event) => {
            const now = Date.now();
            for (const key of loaded.apply(event, now)) recent.set(key, now);
            redraw(undefined);
          },
          () => {
            setWatch('reloading');
            void start();
          },
        );
      } catch (e) {
        setError(`loading the keys failed: ${(e as Error).message}`);
        if (!cancelled) setTimeout(() => void start(), 1_000);
      }
    };
    void start();
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [keyspace]);

  const chooseReadOnly = (on: boolean): void => {
    localStorage.setItem(READ_ONLY_KEY, String(on));
    setReadOnlyChoice(on);
  };

  return (
    <div class="console">
      <header>
        <h1>
          edgecd <span class="muted">console</span>
        </h1>
        <span class={`badge watch ${watch}`} data-watch={watch}>
          {watch === 'live' ? '● live' : watch}
        </span>
        <span class="spacer" />
        <label class="inline" title={serverReadOnly ? 'this console is read-only (CONSOLE_READ_ONLY)' : 'hide every control that writes'}>
          <input type="checkbox" name="read-only" checked={readOnly} disabled={serverReadOnly} onChange={(e) => chooseReadOnly(e.currentTarget.checked)} /> read-only
        </label>
        <span class="muted">keyspace: {keyspace.name}</span>
      </header>
      {error !== undefined && (
        <p class="error banner" onClick={() => setError(undefined)}>
          {error}
        </p>
      )}
      <main>
        <section class="panel keys">
          <h2>Keys</h2>
          {tree === undefined ? <p class="muted">loading…</p> : <KeyTreeView tree={tree} selected={selected} onSelect={setSelected} recent={recent} now={now} />}
        </section>
        {tree !== undefined && (
          <KeyEditor keyspace={keyspace} node={tree.get(selected)} selectedKey={selected} readOnly={readOnly} now={now} onError={setError} />
        )}
      </main>
      <footer>
        <MembersPanel cluster={cluster.value} error={cluster.error} />
        <StoreStatsPanel store={cluster.value?.store} />
      </footer>
    </div>
  );
}
