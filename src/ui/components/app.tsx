import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { signIn, signOut, v2AuthEnabled, type SignedIn } from '../api/auth.ts';
import { fetchCluster } from '../api/cluster.ts';
import { V2Keyspace } from '../api/v2-keyspace.ts';
import { V3Keyspace } from '../api/v3-keyspace.ts';
import type { WatchTransport } from '../api/v3-watch.ts';
import { useNow, useRefreshed, type TreeState } from './hooks.ts';
import { LoginForm } from './login-form.tsx';
import { MembersPanel, StoreStatsPanel, V3StorePanel } from './members-panel.tsx';
import { V2KeysPanel } from './v2-keys-panel.tsx';
import { V3KeysPanel } from './v3-keys-panel.tsx';

interface Props {
  /** Set by the worker (`CONSOLE_READ_ONLY`): no control can write, whatever the toggle says. */
  serverReadOnly: boolean;
}

type Tab = 'v2' | 'v3';

const READ_ONLY_KEY = 'edgecd.console.readOnly';
const CLUSTER_REFRESH_MS = 1_000;

const tabFromHash = (): Tab => (location.hash === '#v3' ? 'v3' : 'v2');

/** `?v3watch=post` follows the v3 keyspace over a streamed POST instead of the WebSocket (both are etcd's gateway). */
const watchTransport = (): WatchTransport | undefined => {
  const asked = new URLSearchParams(location.search).get('v3watch');
  return asked === 'post' || asked === 'websocket' ? asked : undefined;
};

/**
 * The console: both keyspaces (v2's tree, v3's prefix tree), each live through its own watch (no
 * polling) with an editor; the members and both stores' counters (refreshed each second from
 * /metrics and the stats routes); a sign-in while auth is on.
 */
export function App({ serverReadOnly }: Props) {
  const [tab, setTab] = useState<Tab>(tabFromHash);
  const [states, setStates] = useState<Record<Tab, TreeState>>({ v2: 'loading', v3: 'loading' });
  const [readOnlyChoice, setReadOnlyChoice] = useState(() => localStorage.getItem(READ_ONLY_KEY) === 'true' || new URLSearchParams(location.search).has('readonly'));
  const readOnly = serverReadOnly || readOnlyChoice;
  const [authOn, setAuthOn] = useState(false);
  const [signedIn, setSignedIn] = useState<SignedIn | undefined>(undefined);
  // A new session (signed in or out) reads both keyspaces again, with its credentials.
  const [session, setSession] = useState(0);
  const v2 = useMemo(() => new V2Keyspace(), [session]);
  const v3 = useMemo(() => new V3Keyspace(watchTransport()), [session]);
  const now = useNow(250);
  const cluster = useRefreshed(useCallback(fetchCluster, []), CLUSTER_REFRESH_MS);

  useEffect(() => {
    void v2AuthEnabled()
      .then(setAuthOn)
      .catch(() => undefined);
  }, [session]);
  useEffect(() => {
    const follow = (): void => setTab(tabFromHash());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);

  const chooseReadOnly = (on: boolean): void => {
    localStorage.setItem(READ_ONLY_KEY, String(on));
    setReadOnlyChoice(on);
  };
  const chooseTab = (next: Tab): void => {
    history.replaceState(null, '', next === 'v3' ? '#v3' : location.pathname + location.search);
    setTab(next);
  };
  const onState = (which: Tab) => (state: TreeState) => setStates((s) => (s[which] === state ? s : { ...s, [which]: state }));
  const leader = cluster.value?.members.find((m) => m.role === 'leader');
  const showLogin = authOn || signedIn !== undefined || states.v3 === 'no access';

  return (
    <div class="console">
      <header>
        <h1>
          edgecd <span class="muted">console</span>
        </h1>
        <nav class="tabs" role="tablist">
          {(['v2', 'v3'] as const).map((name) => (
            <button type="button" role="tab" class={`tab${tab === name ? ' active' : ''}`} aria-selected={tab === name} data-tab={name} onClick={() => chooseTab(name)}>
              {name} keys{' '}
              <span class={`badge watch ${states[name].replace(' ', '-')}`} data-watch={states[name]} data-keyspace={name}>
                {states[name] === 'live' ? '● live' : states[name]}
              </span>
            </button>
          ))}
        </nav>
        <span class="spacer" />
        {showLogin && (
          <LoginForm
            signedIn={signedIn}
            onSignIn={async (user, password) => {
              setSignedIn(await signIn(user, password));
              setSession((n) => n + 1);
            }}
            onSignOut={() => {
              signOut();
              setSignedIn(undefined);
              setSession((n) => n + 1);
            }}
          />
        )}
        <label class="inline" title={serverReadOnly ? 'this console is read-only (CONSOLE_READ_ONLY)' : 'hide every control that writes'}>
          <input type="checkbox" name="read-only" checked={readOnly} disabled={serverReadOnly} onChange={(e) => chooseReadOnly(e.currentTarget.checked)} /> read-only
        </label>
      </header>
      <V2KeysPanel key={`v2-${session}`} keyspace={v2} readOnly={readOnly} now={now} hidden={tab !== 'v2'} onState={onState('v2')} />
      <V3KeysPanel
        key={`v3-${session}`}
        keyspace={v3}
        readOnly={readOnly}
        now={now}
        hidden={tab !== 'v3'}
        compactRevision={leader?.compactRevision}
        onState={onState('v3')}
      />
      <footer>
        <MembersPanel cluster={cluster.value} error={cluster.error} />
        <StoreStatsPanel store={cluster.value?.store} />
        <V3StorePanel v3={cluster.value?.v3} />
      </footer>
    </div>
  );
}
