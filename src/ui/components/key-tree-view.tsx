import { useState } from 'preact/hooks';
import { secondsLeft, type KeyNode, type KeyTree } from '../model/key-tree.ts';

interface Props {
  tree: KeyTree;
  selected: string;
  onSelect: (key: string) => void;
  /** Keys changed in the last moments, by the time they changed (drawn highlighted). */
  recent: ReadonlyMap<string, number>;
  now: number;
}

const baseName = (key: string): string => key.slice(key.lastIndexOf('/') + 1) || '/';

/** The v2 keyspace as an expandable tree: dirs open and close, files show value and TTL, dirs the user may not read say so. */
export function KeyTreeView(props: Props) {
  const [closed, setClosed] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string): void => {
    const next = new Set(closed);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setClosed(next);
  };
  const rows = (dir: string, depth: number): preact.JSX.Element[] =>
    props.tree.children(dir).flatMap((node) => [
      <Row key={node.key} node={node} depth={depth} open={!closed.has(node.key)} onToggle={toggle} {...props} />,
      ...(node.dir && !closed.has(node.key) ? rows(node.key, depth + 1) : []),
    ]);
  const all = rows('/', 0);
  return (
    <ul class="tree" aria-label="keys">
      <li class={`row dir${props.selected === '/' ? ' selected' : ''}`} data-key="/" onClick={() => props.onSelect('/')}>
        <span class="name">/</span>
        {props.tree.get('/')?.denied === true && <NoAccess />}
        <span class="meta">{props.tree.size} nodes · index {props.tree.index}</span>
      </li>
      {all.length === 0 ? <li class="empty">{props.tree.get('/')?.denied === true ? 'nothing here you may read' : 'no keys yet'}</li> : all}
    </ul>
  );
}

function Row(props: Props & { node: KeyNode; depth: number; open: boolean; onToggle: (key: string) => void }) {
  const { node } = props;
  const changed = props.recent.get(node.key);
  const fresh = changed !== undefined && props.now - changed < 2_000;
  const left = secondsLeft(node, props.now);
  const classes = ['row', node.dir ? 'dir' : 'file', props.selected === node.key ? 'selected' : '', fresh ? 'fresh' : ''].filter(Boolean).join(' ');
  return (
    <li class={classes} data-key={node.key} style={{ paddingLeft: `${0.75 + props.depth * 1.1}rem` }} onClick={() => props.onSelect(node.key)}>
      {node.dir ? (
        <button
          class="twisty"
          aria-label={props.open ? 'collapse' : 'expand'}
          onClick={(e) => {
            e.stopPropagation();
            props.onToggle(node.key);
          }}
        >
          {props.open ? '▾' : '▸'}
        </button>
      ) : (
        <span class="twisty" />
      )}
      <span class="name">{baseName(node.key)}{node.dir ? '/' : ''}</span>
      {node.denied === true && <NoAccess />}
      {!node.dir && <span class="value" title={node.value}>{node.value}</span>}
      {left !== undefined && (
        <span class="ttl" data-ttl={left} title={`expires ${node.expiration ?? ''}`}>
          ttl {left}s
        </span>
      )}
      <span class="meta">#{node.modifiedIndex}</span>
    </li>
  );
}

/** A part of the keyspace the signed-in user may not read (etcd answered 401 or 403). */
export function NoAccess() {
  return (
    <span class="badge no-access" data-access="denied" title="the signed-in user may not read this">
      no access
    </span>
  );
}
