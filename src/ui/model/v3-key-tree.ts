import type { Bytes } from './bytes.ts';

/**
 * The console's copy of the v3 keyspace: every key as the last range and the watch events since
 * left it, and the leases its keys hang on. The v3 keyspace is flat; the console browses it as a
 * tree by splitting keys after each `/`, so `/config/app/name` sits in `/`, then `/config/`,
 * then `/config/app/`, and `a` beside `a/b`'s prefix `a/`. Pure: no DOM, no fetch.
 */

/** mvccpb.KeyValue with the gateway's int64 fields as numbers (revisions fit) and the lease ID as its decimal string. */
export interface V3Key {
  key: Bytes;
  value: Bytes;
  createRevision: number;
  modRevision: number;
  version: number;
  /** '0' for none. */
  lease: string;
}

export interface V3Event {
  type: 'PUT' | 'DELETE';
  kv: V3Key;
}

/** A lease as the console counts it down. */
export interface LeaseView {
  id: string;
  grantedTtl: number;
  /** When it expires by this page's clock (its TTL counted from when the page asked), or undefined if it is gone. */
  expiresAt: number | undefined;
  /** When the page last asked its TTL (to ask again when the countdown ends but its keys stay). */
  askedAt: number;
}

/** A prefix's direct children: the prefixes one `/` deeper, then its keys with no `/` after it. */
export interface V3Children {
  prefixes: Bytes[];
  keys: V3Key[];
}

const byBytes = (a: Bytes, b: Bytes): number => (a < b ? -1 : a > b ? 1 : 0);

export class V3KeyTree {
  private readonly keys = new Map<Bytes, V3Key>();
  readonly leases = new Map<string, LeaseView>();
  /** The store revision this copy is current to: a watch resumes at `revision + 1`. */
  revision = 0;
  private levels: Map<Bytes, V3Children> | undefined;

  static fromRange(kvs: readonly V3Key[], revision: number): V3KeyTree {
    const tree = new V3KeyTree();
    for (const kv of kvs) tree.keys.set(kv.key, kv);
    tree.revision = revision;
    return tree;
  }

  get size(): number {
    return this.keys.size;
  }

  get(key: Bytes): V3Key | undefined {
    return this.keys.get(key);
  }

  /** Applies one watch response's events at its header revision; returns the keys they touched. */
  apply(events: readonly V3Event[], revision: number): Bytes[] {
    this.revision = Math.max(this.revision, revision);
    if (events.length === 0) return [];
    this.levels = undefined;
    for (const e of events) {
      if (e.type === 'DELETE') this.keys.delete(e.kv.key);
      else this.keys.set(e.kv.key, e.kv);
    }
    return events.map((e) => e.kv.key);
  }

  /** The children of a prefix ('' for the root, else a prefix ending in `/`), in byte order. */
  children(prefix: Bytes): V3Children {
    this.levels ??= this.buildLevels();
    return this.levels.get(prefix) ?? { prefixes: [], keys: [] };
  }

  /** How many keys have this prefix. */
  countUnder(prefix: Bytes): number {
    let n = 0;
    for (const key of this.keys.keys()) if (key.startsWith(prefix)) n++;
    return n;
  }

  /** The lease IDs keys hang on that the page has not asked about yet. */
  unknownLeases(): string[] {
    const ids = new Set<string>();
    for (const kv of this.keys.values()) if (kv.lease !== '0' && !this.leases.has(kv.lease)) ids.add(kv.lease);
    return [...ids];
  }

  /**
   * What `LeaseTimeToLive` answered at `nowMs` (TTL in seconds; -1 for a lease that is gone).
   * etcd rounds the remaining time down to whole seconds, so the countdown starts at most a
   * second early.
   */
  learnLease(id: string, ttl: number, grantedTtl: number, nowMs: number): void {
    this.leases.set(id, { id, grantedTtl, expiresAt: ttl < 0 ? undefined : nowMs + ttl * 1000, askedAt: nowMs });
  }

  /** Leases whose countdown ended while keys still hang on them, not asked in the last `everyMs`: ask again. */
  leasesToRecheck(nowMs: number, everyMs: number): string[] {
    const out: string[] = [];
    for (const lease of this.leases.values()) {
      const ended = lease.expiresAt === undefined || lease.expiresAt <= nowMs;
      if (ended && nowMs - lease.askedAt >= everyMs && this.hasKeysOn(lease.id)) out.push(lease.id);
    }
    return out;
  }

  private hasKeysOn(id: string): boolean {
    for (const kv of this.keys.values()) if (kv.lease === id) return true;
    return false;
  }

  private buildLevels(): Map<Bytes, V3Children> {
    const levels = new Map<Bytes, V3Children>([['', { prefixes: [], keys: [] }]]);
    const level = (prefix: Bytes): V3Children => {
      let found = levels.get(prefix);
      if (found === undefined) {
        found = { prefixes: [], keys: [] };
        levels.set(prefix, found);
      }
      return found;
    };
    for (const kv of this.keys.values()) {
      let from = 0;
      let parent = '';
      for (let slash = kv.key.indexOf('/', from); slash >= 0; slash = kv.key.indexOf('/', from)) {
        const prefix = kv.key.slice(0, slash + 1);
        const children = level(parent);
        if (!levels.has(prefix)) children.prefixes.push(prefix);
        level(prefix);
        parent = prefix;
        from = slash + 1;
      }
      level(parent).keys.push(kv);
    }
    for (const children of levels.values()) {
      children.prefixes.sort(byBytes);
      children.keys.sort((a, b) => byBytes(a.key, b.key));
    }
    return levels;
  }
}

/** Whole seconds before a lease expires by the page's clock (etcd's TTL field rounds the same way); undefined for no lease. */
export function leaseSecondsLeft(tree: V3KeyTree, kv: V3Key, nowMs: number): number | undefined {
  if (kv.lease === '0') return undefined;
  const lease = tree.leases.get(kv.lease);
  if (lease === undefined) return undefined;
  if (lease.expiresAt === undefined) return 0;
  return Math.max(0, Math.ceil((lease.expiresAt - nowMs) / 1000));
}

/** The name a child shows in its parent: what follows the parent's prefix. */
export const childName = (parent: Bytes, child: Bytes): Bytes => child.slice(parent.length);

/** A lease ID as etcdctl prints it: 16 hex digits. */
export const leaseHex = (id: string): string => BigInt(id).toString(16).padStart(16, '0');
