import { useCallback, useEffect, useState } from 'preact/hooks';
import { EtcdRequestError } from '../api/http.ts';
import type { V2Keyspace } from '../api/v2-keyspace.ts';
import type { KeyTree } from '../model/key-tree.ts';
import { useLiveTree, type OpenTree, type TreeState } from './hooks.ts';
import { KeyEditor } from './key-editor.tsx';
import { KeyTreeView, NoAccess } from './key-tree-view.tsx';

interface Props {
  keyspace: V2Keyspace;
  readOnly: boolean;
  now: number;
  hidden: boolean;
  onState: (state: TreeState) => void;
}

const isNoAccess = (e: unknown): boolean => e instanceof EtcdRequestError && e.noAccess;

/** The v2 keyspace (`/v2/keys`): its tree, live through stream watches, and the editor of the selected node. */
export function V2KeysPanel({ keyspace, readOnly, now, hidden, onState }: Props) {
  const [selected, setSelected] = useState('/');
  const [error, setError] = useState<string | undefined>(undefined);
  const open: OpenTree<KeyTree> = useCallback(
    async ({ changed, live, lost }) => {
      const tree = await keyspace.load();
      const stop = keyspace.watch(tree, (event) => changed(tree.apply(event, Date.now())), lost);
      live();
      return { tree, stop };
    },
    [keyspace],
  );
  const { tree, state, error: loadError, recent, reload } = useLiveTree(open, isNoAccess);
  useEffect(() => onState(state), [state]);

  return (
    <main class={hidden ? 'hidden' : ''} data-keyspace="v2">
      <section class="panel keys">
        <h2>
          v2 keys <span class="muted">/v2/keys</span>
        </h2>
        {(error ?? loadError) !== undefined && (
          <p class="error banner" onClick={() => setError(undefined)}>
            {error ?? loadError}
          </p>
        )}
        {tree === undefined ? (
          <p class="muted">loading…</p>
        ) : (
          <KeyTreeView tree={tree} selected={selected} onSelect={setSelected} recent={recent} now={now} />
        )}
        {tree?.get('/')?.denied === true && (
          <OpenDir
            onOpen={(dir) => {
              keyspace.openDir(dir);
              reload();
            }}
          />
        )}
      </section>
      {tree !== undefined && (
        <KeyEditor keyspace={keyspace} node={tree.get(selected)} selectedKey={selected} readOnly={readOnly} now={now} onError={setError} />
      )}
    </main>
  );
}

/**
 * A user who may not list `/` may still read a dir below it; etcd will not tell which (a user
 * cannot read their own roles without the root role), so they name it.
 */
function OpenDir({ onOpen }: { onOpen: (dir: string) => void }) {
  const [dir, setDir] = useState('');
  return (
    <form
      class="open-dir"
      onSubmit={(e) => {
        e.preventDefault();
        const clean = `/${dir.trim().replace(/^\/+|\/+$/g, '')}`;
        if (clean !== '/') onOpen(clean);
        setDir('');
      }}
    >
      <p class="muted">
        <NoAccess /> to list <code>/</code>. Open a dir you may read:
      </p>
      <div class="actions">
        <input name="open-dir" placeholder="/app" value={dir} onInput={(e) => setDir(e.currentTarget.value)} />
        <button type="submit">Open</button>
      </div>
    </form>
  );
}
