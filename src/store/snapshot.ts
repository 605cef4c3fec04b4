import { Event, type Action, type EventJSON } from './event.ts';
import { EventHistory } from './event-history.ts';
import { Node, PERMANENT } from './node.ts';
import { compareUTF8 } from './node-extern.ts';
import { statsFrom, type StoreStats } from './stats.ts';
import { formatRFC3339Nano, GO_ZERO_TIME, parseRFC3339 } from './time.ts';

/**
 * The store's snapshot in etcd's own JSON shape (what `json.Marshal` makes of etcd's store in
 * `Save`): `Root`, `WatcherHub.EventHistory`, `CurrentIndex`, `Stats`, `CurrentVersion`. Watchers
 * are not part of it. Sharing the shape means an etcd v2 store snapshot can be loaded as is.
 */
export interface SnapshotJSON {
  Root: NodeJSON;
  WatcherHub: { EventHistory: HistoryJSON };
  CurrentIndex: number;
  Stats: StoreStats;
  CurrentVersion: number;
}

export interface NodeJSON {
  Path: string;
  CreatedIndex: number;
  ModifiedIndex: number;
  /** RFC 3339; Go's zero time for a permanent node. */
  ExpireTime: string;
  Value: string;
  /** `null` for a file. */
  Children: Record<string, NodeJSON> | null;
}

export interface HistoryJSON {
  Queue: { Events: (EventJSON | null)[]; Size: number; Front: number; Back: number; Capacity: number };
  StartIndex: number;
  LastIndex: number;
}

export interface SnapshotState {
  root: Node;
  history: EventHistory;
  currentIndex: number;
  stats: StoreStats;
  version: number;
}

export function toSnapshotJSON(s: SnapshotState): SnapshotJSON {
  const q = s.history.queue;
  return {
    Root: nodeToJSON(s.root),
    WatcherHub: {
      EventHistory: {
        Queue: {
          Events: q.events.map((e) => (e === undefined ? null : e.toJSON())),
          Size: q.size,
          Front: q.front,
          Back: q.back,
          Capacity: q.capacity,
        },
        StartIndex: s.history.startIndex,
        LastIndex: s.history.lastIndex,
      },
    },
    CurrentIndex: s.currentIndex,
    Stats: s.stats,
    CurrentVersion: s.version,
  };
}

function nodeToJSON(n: Node): NodeJSON {
  let children: Record<string, NodeJSON> | null = null;
  if (n.children !== undefined) {
    children = {};
    // Go marshals map keys sorted; doing the same makes equal stores save equal bytes.
    const sorted = [...n.children].sort(([a], [b]) => compareUTF8(a, b));
    for (const [name, child] of sorted) children[name] = nodeToJSON(child);
  }
  return {
    Path: n.path,
    CreatedIndex: n.createdIndex,
    ModifiedIndex: n.modifiedIndex,
    ExpireTime: n.isPermanent ? GO_ZERO_TIME : formatRFC3339Nano(n.expireTime),
    Value: n.value,
    Children: children,
  };
}

/** Reads a snapshot back; throws on anything that is not one. */
export function fromSnapshotJSON(text: string): SnapshotState {
  const data = JSON.parse(text) as Partial<SnapshotJSON> | null;
  if (typeof data !== 'object' || data === null || typeof data.Root !== 'object' || data.Root === null) {
    throw new Error('store snapshot: not a v2 store snapshot');
  }
  return {
    root: nodeFromJSON(data.Root, undefined),
    history: historyFromJSON(data.WatcherHub?.EventHistory),
    currentIndex: num(data.CurrentIndex),
    stats: statsFrom(data.Stats),
    version: num(data.CurrentVersion),
  };
}

function nodeFromJSON(j: NodeJSON, parent: Node | undefined): Node {
  if (typeof j.Path !== 'string') throw new Error('store snapshot: node without a path');
  const expireTime = j.ExpireTime === GO_ZERO_TIME || j.ExpireTime === undefined ? PERMANENT : parseTime(j.ExpireTime);
  const children = j.Children === null || j.Children === undefined ? undefined : new Map<string, Node>();
  const n = new Node(
    j.Path,
    num(j.CreatedIndex),
    num(j.ModifiedIndex),
    parent,
    expireTime,
    typeof j.Value === 'string' ? j.Value : '',
    children,
  );
  if (children !== undefined && j.Children) {
    for (const [name, child] of Object.entries(j.Children)) children.set(name, nodeFromJSON(child, n));
  }
  return n;
}

function parseTime(text: string): number {
  const ms = parseRFC3339(text);
  if (ms === undefined) throw new Error(`store snapshot: bad time ${JSON.stringify(text)}`);
  // Go's zero time in another zone, or any pre-epoch-ish time, still means "no TTL" to etcd.
  return ms <= 0 ? PERMANENT : ms;
}

function historyFromJSON(j: HistoryJSON | undefined): EventHistory {
  const capacity = j?.Queue?.Capacity ?? 0;
  const history = new EventHistory(capacity > 0 ? capacity : undefined);
  if (j === undefined || capacity <= 0) return history;
  const q = history.queue;
  j.Queue.Events.forEach((e, i) => {
    if (i < capacity) q.events[i] = e === null ? undefined : eventFromJSON(e);
  });
  q.size = num(j.Queue.Size);
  q.front = num(j.Queue.Front);
  q.back = num(j.Queue.Back);
  history.startIndex = num(j.StartIndex);
  history.lastIndex = num(j.LastIndex);
  history.recount();
  return history;
}

/** An event from the history; its `etcdIndex` is not saved (Go's `json:"-"`), and is reset when served. */
function eventFromJSON(j: EventJSON): Event {
  const e = new Event(j.action as Action, j.node, 0, j.prevNode);
  e.refresh = j.refresh === true;
  return e;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
