/**
 * The console's copy of the v2 keyspace (as much of it as the signed-in user may read): every node
 * by key, kept current by applying the events of recursive watches (one of `/`, or one per dir
 * read whole), as etcd's own store would apply them. Pure: no DOM, no fetch.
 */

/** A node as the v2 API shows it (etcd's `NodeExtern`). */
export interface NodeJSON {
  key?: string;
  value?: string;
  dir?: boolean;
  expiration?: string;
  ttl?: number;
  modifiedIndex?: number;
  createdIndex?: number;
  nodes?: NodeJSON[];
}

/** A v2 event (etcd's `Event`): what a watch delivers. */
export interface EventJSON {
  action: string;
  node: NodeJSON;
  prevNode?: NodeJSON;
}

export interface KeyNode {
  key: string;
  dir: boolean;
  value?: string;
  /** Absolute expiry (RFC 3339, the server's clock) for a node with a TTL. */
  expiration?: string;
  /**
   * When it expires by this page's clock: its `ttl` counted from when the page learned it, so a
   * browser whose clock is off still counts down right.
   */
  expiresAt?: number;
  modifiedIndex: number;
  createdIndex: number;
  /** A dir the signed-in user may not read (etcd's 401 on it): shown as "no access". */
  denied?: boolean;
}

const REMOVING_ACTIONS = new Set(['delete', 'compareAndDelete', 'expire']);

export class KeyTree {
  private readonly nodes = new Map<string, KeyNode>([['/', { key: '/', dir: true, modifiedIndex: 0, createdIndex: 0 }]]);
  /** The etcd index this copy is current to. */
  index = 0;
  /** The dirs read whole, each at its own index: each is watched from `index + 1`. */
  readonly watchRoots: { dir: string; index: number }[] = [];

  /** From a recursive GET of `/` and its `X-Etcd-Index`, read at `nowMs` (the page's clock). */
  static fromListing(root: NodeJSON, etcdIndex: number, nowMs: number): KeyTree {
    const tree = new KeyTree();
    tree.addListing(root, etcdIndex, nowMs);
    tree.watchRoots.push({ dir: '/', index: etcdIndex });
    return tree;
  }

  /** Adds what a GET of a dir answered (recursive or one level), read at `nowMs`. */
  addListing(dir: NodeJSON, etcdIndex: number, nowMs: number): void {
    if (dir.key !== undefined && dir.key !== '/') this.upsert({ ...dir, nodes: [] }, nowMs);
    const visit = (node: NodeJSON): void => {
      for (const child of node.nodes ?? []) {
        this.upsert(child, nowMs);
        visit(child);
      }
    };
    visit(dir);
    this.index = Math.max(this.index, etcdIndex);
  }

  /** A dir the user may not read: kept, marked, with nothing under it. */
  markDenied(dir: string): void {
    const known = this.nodes.get(dir);
    if (known === undefined) this.ensureParents(`${dir}/x`, 0);
    this.nodes.set(dir, { ...(known ?? { key: dir, dir: true, modifiedIndex: 0, createdIndex: 0 }), denied: true });
  }

  get size(): number {
    return this.nodes.size - 1;
  }

  get(key: string): KeyNode | undefined {
    return this.nodes.get(key);
  }

  /** A dir's direct children, dirs first, then by key (etcd's `sorted=true` order within each). */
  children(dir: string): KeyNode[] {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const out: KeyNode[] = [];
    for (const node of this.nodes.values()) {
      if (node.key !== '/' && node.key.startsWith(prefix) && !node.key.slice(prefix.length).includes('/')) out.push(node);
    }
    return out.sort((a, b) => (a.dir === b.dir ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.dir ? -1 : 1));
  }

  /** Applies one watch event received at `nowMs`; returns the keys it touched (for highlighting). */
  apply(event: EventJSON, nowMs: number): string[] {
    const key = event.node.key;
    if (key === undefined) return [];
    this.index = Math.max(this.index, event.node.modifiedIndex ?? 0);
    if (REMOVING_ACTIONS.has(event.action)) return this.removeSubtree(key);
    this.upsert(event.node, nowMs);
    return [key];
  }

  private upsert(node: NodeJSON, nowMs: number): void {
    if (node.key === undefined) return;
    this.ensureParents(node.key, node.createdIndex ?? 0);
    const known = this.nodes.get(node.key);
    const next: KeyNode = {
      key: node.key,
      dir: node.dir === true,
      modifiedIndex: node.modifiedIndex ?? known?.modifiedIndex ?? 0,
      createdIndex: node.createdIndex ?? known?.createdIndex ?? 0,
    };
    if (node.value !== undefined) next.value = node.value;
    if (node.expiration !== undefined) next.expiration = node.expiration;
    if (node.ttl !== undefined) next.expiresAt = nowMs + node.ttl * 1000;
    this.nodes.set(node.key, next);
  }

  /** etcd makes the dirs on a new key's path; its event names only the key. */
  private ensureParents(key: string, index: number): void {
    const parts = key.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!this.nodes.has(dir)) this.nodes.set(dir, { key: dir, dir: true, modifiedIndex: index, createdIndex: index });
    }
  }

  private removeSubtree(key: string): string[] {
    const removed: string[] = [];
    for (const k of this.nodes.keys()) {
      if (k === key || k.startsWith(`${key}/`)) {
        this.nodes.delete(k);
        removed.push(k);
      }
    }
    return removed;
  }
}

/** Whole seconds left before a node expires, rounded up as etcd's `ttl` field is. */
export function secondsLeft(node: KeyNode, nowMs: number): number | undefined {
  const at = node.expiresAt ?? (node.expiration === undefined ? undefined : Date.parse(node.expiration));
  return at === undefined ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}
