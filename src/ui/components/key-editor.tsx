import { useEffect, useState } from 'preact/hooks';
import type { Keyspace } from '../api/keyspace.ts';
import { secondsLeft, type KeyNode } from '../model/key-tree.ts';

interface Props {
  keyspace: Keyspace;
  node: KeyNode | undefined;
  selectedKey: string;
  readOnly: boolean;
  now: number;
  onError: (message: string) => void;
}

const ttlValue = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

/** The selected key: its value and TTL, edited in place; a dir lets a key be made inside it. */
export function KeyEditor({ keyspace, node, selectedKey, readOnly, now, onError }: Props) {
  const [value, setValue] = useState(node?.value ?? '');
  const [ttl, setTTL] = useState('');
  useEffect(() => {
    setValue(node?.value ?? '');
    setTTL('');
  }, [node?.key, node?.modifiedIndex]);
  const run = (action: () => Promise<void>) => () => void action().catch((error: Error) => onError(error.message));

  if (node === undefined) return <section class="panel editor"><h2>{selectedKey}</h2><p class="muted">This key is gone.</p></section>;
  return (
    <section class="panel editor" data-editing={node.key}>
      <h2>
        {node.key}
        {node.dir && node.key !== '/' ? '/' : ''}
      </h2>
      <dl class="facts">
        <dt>created</dt>
        <dd>#{node.createdIndex}</dd>
        <dt>modified</dt>
        <dd>#{node.modifiedIndex}</dd>
        {secondsLeft(node, now) !== undefined && (
          <>
            <dt>expires in</dt>
            <dd class="ttl">{secondsLeft(node, now)}s</dd>
          </>
        )}
      </dl>
      {!node.dir && (
        <form
          class="edit"
          onSubmit={(e) => {
            e.preventDefault();
            const seconds = ttlValue(ttl);
            run(() => keyspace.put(node.key, value, seconds === undefined ? {} : { ttlSeconds: seconds }))();
          }}
        >
          <label>
            value
            <textarea name="value" value={value} disabled={readOnly} onInput={(e) => setValue(e.currentTarget.value)} rows={4} />
          </label>
          <label>
            TTL (s)
            <input name="ttl" type="number" min="1" placeholder="none" value={ttl} disabled={readOnly} onInput={(e) => setTTL(e.currentTarget.value)} />
          </label>
          <div class="actions">
            <button type="submit" disabled={readOnly}>Save</button>
            <button type="button" class="danger" disabled={readOnly} onClick={run(() => keyspace.remove(node.key))}>
              Delete
            </button>
          </div>
        </form>
      )}
      {node.dir && node.key !== '/' && (
        <div class="actions">
          <button type="button" class="danger" disabled={readOnly} onClick={run(() => keyspace.remove(node.key, { dir: true }))}>
            Delete dir and everything in it
          </button>
        </div>
      )}
      {node.dir && <NewKey keyspace={keyspace} dir={node.key} readOnly={readOnly} onError={onError} />}
    </section>
  );
}

function NewKey({ keyspace, dir, readOnly, onError }: { keyspace: Keyspace; dir: string; readOnly: boolean; onError: (m: string) => void }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [ttl, setTTL] = useState('');
  const [isDir, setIsDir] = useState(false);
  const prefix = dir === '/' ? '/' : `${dir}/`;
  return (
    <form
      class="create"
      onSubmit={(e) => {
        e.preventDefault();
        const seconds = ttlValue(ttl);
        keyspace
          .put(`${prefix}${name.replace(/^\/+/, '')}`, value, { ...(seconds === undefined ? {} : { ttlSeconds: seconds }), dir: isDir })
          .then(() => {
            setName('');
            setValue('');
            setTTL('');
          })
          .catch((error: Error) => onError(error.message));
      }}
    >
      <h3>New key in {dir}</h3>
      <label>
        name
        <input name="new-key" placeholder="name or a/b/c" value={name} disabled={readOnly} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <label>
        value
        <input name="new-value" value={value} disabled={readOnly || isDir} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
      <label>
        TTL (s)
        <input name="new-ttl" type="number" min="1" placeholder="none" value={ttl} disabled={readOnly} onInput={(e) => setTTL(e.currentTarget.value)} />
      </label>
      <label class="inline">
        <input type="checkbox" checked={isDir} disabled={readOnly} onChange={(e) => setIsDir(e.currentTarget.checked)} /> a directory
      </label>
      <div class="actions">
        <button type="submit" disabled={readOnly}>Create</button>
      </div>
    </form>
  );
}
