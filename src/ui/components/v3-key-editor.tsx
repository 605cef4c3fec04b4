import { useEffect, useState } from 'preact/hooks';
import type { V3Keyspace } from '../api/v3-keyspace.ts';
import { decodeValue, displayBytes, encodeValue, fromText, naturalEncoding, type Bytes, type ValueEncoding } from '../model/bytes.ts';
import { leaseHex, leaseSecondsLeft, type V3KeyTree } from '../model/v3-key-tree.ts';
import type { V3Selection } from './v3-tree-view.tsx';

interface Props {
  keyspace: V3Keyspace;
  tree: V3KeyTree;
  selected: V3Selection;
  readOnly: boolean;
  now: number;
  onError: (message: string) => void;
}

const ENCODINGS: ValueEncoding[] = ['text', 'hex', 'base64'];
const ttlValue = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

/** The selected v3 key (its value, revisions, version, lease, edited in place) or prefix (delete all under it, add a key). */
export function V3KeyEditor(props: Props) {
  if ('prefix' in props.selected) return <PrefixEditor {...props} prefix={props.selected.prefix} />;
  return <KeyEditor {...props} keyBytes={props.selected.key} />;
}

function KeyEditor({ keyspace, tree, keyBytes, readOnly, now, onError }: Props & { keyBytes: Bytes }) {
  const kv = tree.get(keyBytes);
  const [encoding, setEncoding] = useState<ValueEncoding>(() => naturalEncoding(kv?.value ?? ''));
  const [value, setValue] = useState('');
  const [ttl, setTTL] = useState('');
  const [keepLease, setKeepLease] = useState(true);
  useEffect(() => {
    const natural = naturalEncoding(kv?.value ?? '');
    setEncoding(natural);
    setValue(encodeValue(kv?.value ?? '', natural));
    setTTL('');
  }, [keyBytes, kv?.modRevision]);
  const run = (action: () => Promise<unknown>) => () => void action().catch((error: Error) => onError(error.message));

  if (kv === undefined) {
    return (
      <section class="panel editor">
        <h2>{displayBytes(keyBytes)}</h2>
        <p class="muted">This key is gone.</p>
      </section>
    );
  }
  const left = leaseSecondsLeft(tree, kv, now);
  const switchEncoding = (next: ValueEncoding): void => {
    try {
      setValue(encodeValue(decodeValue(value, encoding), next));
      setEncoding(next);
    } catch (error) {
      onError((error as Error).message);
    }
  };
  return (
    <section class="panel editor" data-editing-v3={displayBytes(kv.key)}>
      <h2>{displayBytes(kv.key)}</h2>
      <dl class="facts">
        <dt>created</dt>
        <dd>rev {kv.createRevision}</dd>
        <dt>modified</dt>
        <dd>rev {kv.modRevision}</dd>
        <dt>version</dt>
        <dd>{kv.version}</dd>
        <dt>size</dt>
        <dd>{kv.value.length} bytes</dd>
        {kv.lease !== '0' && (
          <>
            <dt>lease</dt>
            <dd class="mono">{leaseHex(kv.lease)}</dd>
            <dt>expires in</dt>
            <dd class="ttl">{left === undefined ? '…' : `${left}s`}</dd>
          </>
        )}
      </dl>
      <form
        class="edit"
        onSubmit={(e) => {
          e.preventDefault();
          run(async () => {
            const bytes = decodeValue(value, encoding);
            const seconds = ttlValue(ttl);
            await keyspace.put(kv.key, bytes, seconds !== undefined ? { leaseTtlSeconds: seconds } : { keepLease: kv.lease !== '0' && keepLease });
          })();
        }}
      >
        <label>
          value
          <textarea name="value" value={value} disabled={readOnly} onInput={(e) => setValue(e.currentTarget.value)} rows={4} />
        </label>
        <div class="encodings" role="radiogroup" aria-label="value encoding">
          {ENCODINGS.map((name) => (
            <label class="inline">
              <input type="radio" name="encoding" value={name} checked={encoding === name} onChange={() => switchEncoding(name)} /> {name}
            </label>
          ))}
        </div>
        <label>
          new lease TTL (s)
          <input name="ttl" type="number" min="1" placeholder="none" value={ttl} disabled={readOnly} onInput={(e) => setTTL(e.currentTarget.value)} />
        </label>
        {kv.lease !== '0' && (
          <label class="inline" title="put with ignore_lease: the key stays on its lease">
            <input type="checkbox" name="keep-lease" checked={keepLease} disabled={readOnly || ttl !== ''} onChange={(e) => setKeepLease(e.currentTarget.checked)} /> keep its lease
          </label>
        )}
        <div class="actions">
          <button type="submit" disabled={readOnly}>Save</button>
          <button type="button" class="danger" disabled={readOnly} onClick={run(() => keyspace.remove(kv.key))}>
            Delete
          </button>
        </div>
      </form>
    </section>
  );
}

function PrefixEditor({ keyspace, tree, prefix, readOnly, onError }: Props & { prefix: Bytes }) {
  const count = tree.countUnder(prefix);
  const run = (action: () => Promise<unknown>) => () => void action().catch((error: Error) => onError(error.message));
  return (
    <section class="panel editor" data-editing-v3-prefix={displayBytes(prefix)}>
      <h2>{prefix === '' ? 'every v3 key' : `${displayBytes(prefix)}…`}</h2>
      <dl class="facts">
        <dt>keys</dt>
        <dd>{count}</dd>
      </dl>
      {prefix !== '' && (
        <div class="actions">
          <button type="button" class="danger" disabled={readOnly || count === 0} onClick={run(() => keyspace.removePrefix(prefix))}>
            Delete the {count} keys under this prefix
          </button>
        </div>
      )}
      <NewKey keyspace={keyspace} prefix={prefix} readOnly={readOnly} onError={onError} />
    </section>
  );
}

function NewKey({ keyspace, prefix, readOnly, onError }: { keyspace: V3Keyspace; prefix: Bytes; readOnly: boolean; onError: (m: string) => void }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [ttl, setTTL] = useState('');
  return (
    <form
      class="create"
      onSubmit={(e) => {
        e.preventDefault();
        const seconds = ttlValue(ttl);
        keyspace
          .put(prefix + fromText(name), fromText(value), seconds === undefined ? {} : { leaseTtlSeconds: seconds })
          .then(() => {
            setName('');
            setValue('');
            setTTL('');
          })
          .catch((error: Error) => onError(error.message));
      }}
    >
      <h3>New key{prefix === '' ? '' : ` under ${displayBytes(prefix)}`}</h3>
      <label>
        name
        <input name="new-v3-key" placeholder="name or a/b/c" value={name} disabled={readOnly} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <label>
        value
        <input name="new-v3-value" value={value} disabled={readOnly} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
      <label>
        lease TTL (s)
        <input name="new-v3-ttl" type="number" min="1" placeholder="none" value={ttl} disabled={readOnly} onInput={(e) => setTTL(e.currentTarget.value)} />
      </label>
      <div class="actions">
        <button type="submit" disabled={readOnly}>Create</button>
      </div>
    </form>
  );
}
