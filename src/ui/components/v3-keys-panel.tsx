import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { EtcdRequestError } from '../api/http.ts';
import type { V3Keyspace } from '../api/v3-keyspace.ts';
import type { V3KeyTree } from '../model/v3-key-tree.ts';
import { useLiveTree, type OpenTree, type TreeState } from './hooks.ts';
import { NoAccess } from './key-tree-view.tsx';
import { V3KeyEditor } from './v3-key-editor.tsx';
import { V3TreeView, type V3Selection } from './v3-tree-view.tsx';

interface Props {
  keyspace: V3Keyspace;
  readOnly: boolean;
  now: number;
  hidden: boolean;
  compactRevision: number | undefined;
  onState: (state: TreeState) => void;
}

/** Ask a lease's TTL again at most this often once its countdown ended but its keys are still there (renewed by keep-alives, or about to be revoked). */
const LEASE_RECHECK_MS = 1_000;

/**
 * etcd's v3 refusals for want of a sign-in or permission: gRPC PermissionDenied (403 at the
 * gateway), Unauthenticated (401), and with auth on but no token "user name is empty" (400).
 */
const isNoAccess = (e: unknown): boolean =>
  e instanceof EtcdRequestError && (e.noAccess || /user name is empty|invalid auth token|permission denied/.test(e.message));

/** The v3 keyspace (the JSON gateway): its prefix tree, live through one `/v3/watch`, leases counting down, and the editor. */
export function V3KeysPanel({ keyspace, readOnly, now, hidden, compactRevision, onState }: Props) {
  const [selected, setSelected] = useState<V3Selection>({ prefix: '' });
  const [error, setError] = useState<string | undefined>(undefined);
  const [, setLeasesSeen] = useState(0);
  /** Asks the TTLs of leases into the current tree. */
  const learnLeases = useRef<(ids: readonly string[]) => void>(() => undefined);

  const open: OpenTree<V3KeyTree> = useCallback(
    async ({ changed, live, lost }) => {
      const tree = await keyspace.load();
      const asking = new Set<string>();
      const learn = (ids: readonly string[]): void => {
        for (const id of ids) {
          if (asking.has(id)) continue;
          asking.add(id);
          const asked = Date.now();
          keyspace
            .timeToLive(id)
            .then(({ ttl, grantedTtl }) => {
              tree.learnLease(id, ttl, grantedTtl, asked);
              setLeasesSeen((n) => n + 1);
            })
            .catch(() => undefined)
            .finally(() => asking.delete(id));
        }
      };
      learnLeases.current = learn;
      learn(tree.unknownLeases());
      const stop = keyspace.watch(tree.revision + 1, {
        onEvents: (events, revision) => {
          changed(tree.apply(events, revision));
          learn(tree.unknownLeases());
        },
        onLive: live,
        onLost: lost,
      });
      return { tree, stop };
    },
    [keyspace],
  );
  const { tree, state, error: loadError, recent } = useLiveTree(open, isNoAccess);
  useEffect(() => onState(state), [state]);

  // A countdown that reached zero while the key is still there: the lease was renewed, or its
  // revoke is on the way. Ask again (no more than once a second per lease).
  useEffect(() => {
    if (tree === undefined) return;
    const recheck = tree.leasesToRecheck(now, LEASE_RECHECK_MS);
    if (recheck.length > 0) learnLeases.current(recheck);
  }, [tree, now]);

  return (
    <main class={hidden ? 'hidden' : ''} data-keyspace="v3">
      <section class="panel keys">
        <h2>
          v3 keys <span class="muted">/v3/kv · JSON gateway</span>
        </h2>
        {(error ?? loadError) !== undefined && (
          <p class="error banner" onClick={() => setError(undefined)}>
            {error ?? loadError}
          </p>
        )}
        {state === 'no access' ? (
          <p class="muted" data-v3-access="denied">
            <NoAccess /> to the v3 keyspace: sign in with a user whose roles may read it.
          </p>
        ) : tree === undefined ? (
          <p class="muted">loading…</p>
        ) : (
          <V3TreeView tree={tree} selected={selected} onSelect={setSelected} recent={recent} now={now} compactRevision={compactRevision} />
        )}
      </section>
      {tree !== undefined && <V3KeyEditor keyspace={keyspace} tree={tree} selected={selected} readOnly={readOnly} now={now} onError={setError} />}
    </main>
  );
}
