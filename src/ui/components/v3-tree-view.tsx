import { useState } from 'preact/hooks';
import { asText, displayBytes, toHex, type Bytes } from '../model/bytes.ts';
import { childName, leaseHex, leaseSecondsLeft, type V3Key, type V3KeyTree } from '../model/v3-key-tree.ts';

/** What is selected in the v3 tree: a prefix ('' is the root) or a key. */
export type V3Selection = { prefix: Bytes } | { key: Bytes };

interface Props {
  tree: V3KeyTree;
  selected: V3Selection;
  onSelect: (selection: V3Selection) => void;
  /** Keys changed in the last moments, by when (drawn highlighted). */
  recent: ReadonlyMap<string, number>;
  now: number;
  /** The store's last compaction (-1: none yet), from the leader's metrics. */
  compactRevision: number | undefined;
}

const isPrefix = (s: V3Selection, prefix: Bytes): boolean => 'prefix' in s && s.prefix === prefix;
const isKey = (s: V3Selection, key: Bytes): boolean => 'key' in s && s.key === key;

/**
 * The v3 keyspace as a tree of `/`-separated prefixes: prefixes open and close, keys show their
 * value (text, or hex when binary), lease countdown and mod revision. Rows carry the key or
 * prefix as text in `data-v3-key` / `data-v3-prefix` (binary bytes written `\xNN`).
 */
export function V3TreeView(props: Props) {
  const [closed, setClosed] = useState<ReadonlySet<Bytes>>(new Set());
  const toggle = (prefix: Bytes): void => {
    const next = new Set(closed);
    if (next.has(prefix)) next.delete(prefix);
    else next.add(prefix);
    setClosed(next);
  };
  const rows = (prefix: Bytes, depth: number): preact.JSX.Element[] => {
    const { prefixes, keys } = props.tree.children(prefix);
    return [
      ...prefixes.flatMap((p) => [
        <PrefixRow key={`p${p}`} parent={prefix} prefix={p} depth={depth} open={!closed.has(p)} onToggle={toggle} {...props} />,
        ...(closed.has(p) ? [] : rows(p, depth + 1)),
      ]),
      ...keys.map((kv) => <KeyRow key={`k${kv.key}`} parent={prefix} kv={kv} depth={depth} {...props} />),
    ];
  };
  const all = rows('', 0);
  const compacted = props.compactRevision === undefined || props.compactRevision < 0 ? 'never compacted' : `compacted at ${props.compactRevision}`;
  return (
    <ul class="tree" aria-label="v3 keys">
      <li class={`row dir${isPrefix(props.selected, '') ? ' selected' : ''}`} data-v3-prefix="" onClick={() => props.onSelect({ prefix: '' })}>
        <span class="name">(all keys)</span>
        <span class="meta" data-revision={props.tree.revision}>
          {props.tree.size} keys · revision {props.tree.revision} · {compacted}
        </span>
      </li>
      {all.length === 0 ? <li class="empty">no keys yet</li> : all}
    </ul>
  );
}

const indent = (depth: number) => ({ paddingLeft: `${0.75 + depth * 1.1}rem` });

function PrefixRow(props: Props & { parent: Bytes; prefix: Bytes; depth: number; open: boolean; onToggle: (prefix: Bytes) => void }) {
  const { prefix } = props;
  return (
    <li
      class={`row dir${isPrefix(props.selected, prefix) ? ' selected' : ''}`}
      data-v3-prefix={displayBytes(prefix)}
      style={indent(props.depth)}
      onClick={() => props.onSelect({ prefix })}
    >
      <button
        class="twisty"
        aria-label={props.open ? 'collapse' : 'expand'}
        onClick={(e) => {
          e.stopPropagation();
          props.onToggle(prefix);
        }}
      >
        {props.open ? '▾' : '▸'}
      </button>
      <span class="name">{displayBytes(childName(props.parent, prefix))}</span>
    </li>
  );
}

function KeyRow(props: Props & { parent: Bytes; kv: V3Key; depth: number }) {
  const { kv } = props;
  const changed = props.recent.get(kv.key);
  const fresh = changed !== undefined && props.now - changed < 2_000;
  const left = leaseSecondsLeft(props.tree, kv, props.now);
  const text = asText(kv.value);
  const classes = ['row', 'file', isKey(props.selected, kv.key) ? 'selected' : '', fresh ? 'fresh' : ''].filter(Boolean).join(' ');
  const name = childName(props.parent, kv.key);
  return (
    <li class={classes} data-v3-key={displayBytes(kv.key)} style={indent(props.depth)} onClick={() => props.onSelect({ key: kv.key })}>
      <span class="twisty" />
      <span class="name">{name === '' ? <em class="muted">(empty)</em> : displayBytes(name)}</span>
      {text !== undefined ? (
        <span class="value" title={text}>
          {text}
        </span>
      ) : (
        <span class="value binary" title={`${kv.value.length} bytes, not text: hex`}>
          hex {toHex(kv.value)}
        </span>
      )}
      {kv.lease !== '0' && (
        <span class="ttl" data-ttl={left ?? ''} title={`lease ${leaseHex(kv.lease)}`}>
          lease {left === undefined ? '…' : `${left}s`}
        </span>
      )}
      <span class="meta">rev {kv.modRevision}</span>
    </li>
  );
}
