import { ErrorCode, EtcdError } from './errors.ts';
import { Action, Event } from './event.ts';
import { footprint, Node, PERMANENT } from './node.ts';
import { expirationAndTTL, listChildren, nodeExtern, repr } from './node-extern.ts';
import { normalizeKey, split } from './path.ts';
import { fromSnapshotJSON, toSnapshotJSON } from './snapshot.ts';
import { newStats, type StatCounter, type StoreStats } from './stats.ts';
import type { Clock } from './time.ts';
import { TTLKeyHeap } from './ttl-heap.ts';
import { compareFailureCause, ensureDir, lookup, treeBytes, ttlHeapOf } from './tree.ts';
import type { Watcher } from './watcher.ts';
import { WatcherHub } from './watcher-hub.ts';

/** etcd's `TTLOptionSet`: an absolute expiry (epoch ms; absent or 0 = permanent) and `refresh`. */
export interface TTLOptions {
  expireTime?: number;
  refresh?: boolean;
}

export interface StoreOptions {
  clock: Clock;
  /** Dirs made at index 0 and read-only like `/` (etcd's v2 server passes `/0` and `/1`). */
  namespaces?: readonly string[];
}

/** The store's format version (etcd's `defaultVersion`). */
export const STORE_VERSION = 2;

/** Expiry times before 2000 are taken as "no TTL" (etcd's `minExpireTime`, for zero times from JS). */
const MIN_EXPIRE_TIME = 946_684_800_000; // 2000-01-01T00:00:00Z

/**
 * etcd's v2 store (v2store/store.go): a tree of files and dirs with one global index, TTLs, an
 * event history and watchers. Every method is synchronous and deterministic given the clock;
 * failures throw `EtcdError`. Indexes: each successful write, and each expired node, takes
 * exactly the next index; reads and failures take none.
 */
export class Store {
  readonly version = STORE_VERSION;
  /** @internal state below is shared with the snapshot code; not part of the API. */
  root: Node;
  currentIndex = 0;
  stats: StoreStats = newStats();
  hub = new WatcherHub();
  ttlKeyHeap = new TTLKeyHeap();
  readonly clock: Clock;
  readonly namespaces: readonly string[];
  private readonly readonly: Set<string>;
  /** The tree's approximate size in memory (the sum of its nodes' `footprint`s). */
  private bytes = 0;
  /** Errors etcd returns without setting the variable its deferred stats count reads: counted as successes. */
  private readonly countedAsSuccess = new WeakSet<EtcdError>();

  constructor(options: StoreOptions) {
    this.clock = options.clock;
    this.namespaces = options.namespaces ?? [];
    this.root = Node.dir('/', 0, undefined, PERMANENT);
    for (const ns of this.namespaces) {
      const dir = Node.dir(ns, 0, this.root, PERMANENT);
      this.root.children?.set(dir.name, dir);
    }
    this.bytes = treeBytes(this.root);
    this.readonly = new Set(['/', ...this.namespaces]);
  }

  /** The current index: that of the last write or expiry. */
  index(): number {
    return this.currentIndex;
  }

  /**
   * About how many bytes of memory the tree holds (keys, values, per-node overhead): what a
   * member compares with its space quota before it accepts a write.
   */
  approximateBytes(): number {
    return this.bytes;
  }

  /** Reads a node; a dir lists its visible children, all the way down if `recursive`. */
  get(key: string, recursive = false, sorted = false): Event {
    return this.counted('getsSuccess', 'getsFail', () => {
      const path = normalizeKey(key);
      const n = this.internalGet(path);
      const now = this.clock.now();
      const node = nodeExtern({
        key: path,
        value: n.isDir ? undefined : n.value,
        dir: n.isDir,
        ...expirationAndTTL(n, now),
        nodes: n.isDir ? listChildren(n, recursive, sorted, now) : undefined,
        modifiedIndex: n.modifiedIndex,
        createdIndex: n.createdIndex,
      });
      return new Event(Action.Get, node, this.currentIndex);
    });
  }

  /**
   * What `get` of `key` finds, for a caller that only needs whether it is a file and its value
   * (v2 auth reads `/2/enabled` on every key request, as etcd's `detectAuth` does): counted in
   * the stats as `get` counts it, without building the Event or, for a missing key, throwing an
   * EtcdError (a stack trace per request). A dir is `{ dir: true }`, not counted: the caller
   * then uses `get`, which counts it.
   */
  peek(key: string): { found: false } | { found: true; dir: true } | { found: true; dir: false; value: string } {
    const found = lookup(this.root, normalizeKey(key));
    if (found instanceof Node) {
      if (found.isDir) return { found: true, dir: true };
      this.stats.getsSuccess++;
      return { found: true, dir: false, value: found.value };
    }
    this.stats.getsFail++;
    return { found: false };
  }

  /** Creates `key`; fails with 105 if it exists. `unique` appends a name: the new index, 20 digits. */
  create(key: string, dir: boolean, value: string, unique: boolean, options: TTLOptions = {}): Event {
    return this.counted('createSuccess', 'createFail', () => {
      const e = this.internalCreate(key, dir, value, unique, false, options.expireTime ?? PERMANENT, Action.Create);
      this.hub.notify(e);
      return e;
    });
  }

  /**
   * Creates or replaces the file at `key` (a new node: new `createdIndex`). With `refresh` it keeps
   * the value, only moves the TTL, and wakes no watcher.
   */
  set(key: string, dir: boolean, value: string, options: TTLOptions = {}): Event {
    return this.counted('setsSuccess', 'setsFail', () => {
      const found = lookup(this.root, normalizeKey(key));
      let prev: Node | undefined;
      if (found instanceof Node) prev = found;
      else if (found.code !== ErrorCode.KeyNotFound || options.refresh === true) throw this.error(found.code, found.cause);
      if (options.refresh === true && prev !== undefined) value = prev.value;
      const now = this.clock.now();
      const prevNode = prev === undefined ? undefined : repr(prev, false, false, now);
      const e = this.internalCreate(key, dir, value, false, true, options.expireTime ?? PERMANENT, Action.Set);
      if (prevNode !== undefined) e.prevNode = prevNode;
      this.publish(e, options.refresh === true);
      return e;
    });
  }

  /** Changes a node's value (files) and TTL in place, keeping `createdIndex`. */
  update(key: string, value: string, options: TTLOptions = {}): Event {
    return this.counted('updateSuccess', 'updateFail', () => {
      const path = normalizeKey(key);
      if (this.readonly.has(path)) throw this.successfulFailure(ErrorCode.RootROnly, '/');
      const n = this.internalGet(path);
      if (n.isDir && value.length !== 0) throw this.successfulFailure(ErrorCode.NotFile, path);
      if (options.refresh === true) value = n.value;

      const now = this.clock.now();
      const nextIndex = this.currentIndex + 1;
      const prevNode = repr(n, false, false, now);
      // etcd writes only files; an updated dir keeps its modifiedIndex though the event shows the new one.
      if (!n.isDir) {
        this.bytes += value.length - n.value.length;
        n.value = value;
        n.modifiedIndex = nextIndex;
      }
      this.updateTTL(n, options.expireTime ?? PERMANENT);
      const node = nodeExtern({
        key: path,
        value: n.isDir ? undefined : value,
        dir: n.isDir,
        ...expirationAndTTL(n, now),
        modifiedIndex: nextIndex,
        createdIndex: n.createdIndex,
      });
      const e = new Event(Action.Update, node, nextIndex, prevNode);
      this.publish(e, options.refresh === true);
      this.currentIndex = nextIndex;
      return e;
    });
  }

  /** Sets a file's value if `prevValue` and/or `prevIndex` match ('' and 0 are no condition). */
  compareAndSwap(key: string, prevValue: string, prevIndex: number, value: string, options: TTLOptions = {}): Event {
    return this.counted('compareAndSwapSuccess', 'compareAndSwapFail', () => {
      const path = normalizeKey(key);
      if (this.readonly.has(path)) throw this.successfulFailure(ErrorCode.RootROnly, '/');
      const n = this.internalGet(path);
      if (n.isDir) throw this.error(ErrorCode.NotFile, path);
      this.checkCompare(n, prevValue, prevIndex, false);
      if (options.refresh === true) value = n.value;

      const now = this.clock.now();
      this.currentIndex++;
      const prevNode = repr(n, false, false, now);
      this.bytes += value.length - n.value.length;
      n.value = value;
      n.modifiedIndex = this.currentIndex;
      this.updateTTL(n, options.expireTime ?? PERMANENT);
      const node = nodeExtern({
        key: path,
        value,
        ...expirationAndTTL(n, now),
        modifiedIndex: this.currentIndex,
        createdIndex: n.createdIndex,
      });
      const e = new Event(Action.CompareAndSwap, node, this.currentIndex, prevNode);
      this.publish(e, options.refresh === true);
      return e;
    });
  }

  /** Deletes a file, an empty dir (`dir`), or a dir and everything under it (`recursive`). */
  delete(key: string, dir: boolean, recursive: boolean): Event {
    return this.counted('deleteSuccess', 'deleteFail', () => {
      const path = normalizeKey(key);
      if (this.readonly.has(path)) throw this.successfulFailure(ErrorCode.RootROnly, '/');
      if (recursive) dir = true;
      const n = this.internalGet(path);
      if (n.isDir && !dir) throw this.error(ErrorCode.NotFile, n.path);
      if (n.isDir && !recursive && (n.children?.size ?? 0) > 0) throw this.error(ErrorCode.DirNotEmpty, n.path);

      const nextIndex = this.currentIndex + 1;
      const node = nodeExtern({ key: path, dir: n.isDir, modifiedIndex: nextIndex, createdIndex: n.createdIndex });
      const e = new Event(Action.Delete, node, nextIndex, repr(n, false, false, this.clock.now()));
      this.removeNode(n, e);
      this.currentIndex = nextIndex;
      this.hub.notify(e);
      return e;
    });
  }

  /** Deletes a file if `prevValue` and/or `prevIndex` match. */
  compareAndDelete(key: string, prevValue: string, prevIndex: number): Event {
    return this.counted('compareAndDeleteSuccess', 'compareAndDeleteFail', () => {
      const path = normalizeKey(key);
      // No read-only check here in etcd: `/` and the namespaces are dirs, so this fails with 102.
      const n = this.internalGet(path);
      if (n.isDir) throw this.successfulFailure(ErrorCode.NotFile, path);
      this.checkCompare(n, prevValue, prevIndex, true);

      this.currentIndex++;
      const node = nodeExtern({ key: path, modifiedIndex: this.currentIndex, createdIndex: n.createdIndex });
      const e = new Event(Action.CompareAndDelete, node, this.currentIndex, repr(n, false, false, this.clock.now()));
      this.removeNode(n, e);
      this.hub.notify(e);
      return e;
    });
  }

  /**
   * Watches `key` (and below, if `recursive`) from `sinceIndex` (0: the next index). Throws 401 if
   * `sinceIndex` is older than the history kept.
   */
  watch(key: string, recursive: boolean, stream: boolean, sinceIndex: number): Watcher {
    const since = sinceIndex === 0 ? this.currentIndex + 1 : sinceIndex;
    return this.hub.watch(normalizeKey(key), recursive, stream, since, this.currentIndex);
  }

  /**
   * Expires every node whose expiry is at or before `cutoffMs`, soonest first: one index and one
   * `expire` event each (a dir takes its children along without events of their own).
   */
  deleteExpiredKeys(cutoffMs: number): Event[] {
    const events: Event[] = [];
    const now = this.clock.now();
    for (let n = this.ttlKeyHeap.top(); n !== undefined && n.expireTime <= cutoffMs; n = this.ttlKeyHeap.top()) {
      this.currentIndex++;
      const node = nodeExtern({ key: n.path, dir: n.isDir, modifiedIndex: this.currentIndex, createdIndex: n.createdIndex });
      const e = new Event(Action.Expire, node, this.currentIndex, repr(n, false, false, now));
      this.ttlKeyHeap.pop();
      this.removeNode(n, e);
      this.stats.expireCount++;
      this.hub.notify(e);
      events.push(e);
    }
    return events;
  }

  /** Whether any node has a TTL (the leader proposes SYNC only then). */
  hasTTLKeys(): boolean {
    return this.ttlKeyHeap.size !== 0;
  }

  /** The earliest expiry among TTL nodes, if any. */
  nextExpiry(): number | undefined {
    return this.ttlKeyHeap.top()?.expireTime;
  }

  /** The counters of `/v2/stats/store`, `watchers` being the live count. */
  statistics(): StoreStats {
    return { ...this.stats, watchers: this.hub.count };
  }

  /** `/v2/stats/store`'s body. */
  jsonStats(): string {
    return JSON.stringify(this.statistics());
  }

  /**
   * The whole store (tree, TTLs, history, index, stats; not the watchers) as a JSON string in
   * etcd's snapshot shape: the Raft snapshot payload.
   */
  save(): string {
    return JSON.stringify(
      toSnapshotJSON({
        root: this.root,
        history: this.hub.history,
        currentIndex: this.currentIndex,
        stats: this.stats,
        version: this.version,
      }),
    );
  }

  /** Replaces the state with a `save()`d one. Watchers stay registered, as in etcd. */
  recover(state: string): void {
    const s = fromSnapshotJSON(state);
    this.root = s.root;
    this.hub.history = s.history;
    this.currentIndex = s.currentIndex;
    this.stats = s.stats;
    this.bytes = treeBytes(this.root);
    this.ttlKeyHeap = ttlHeapOf(this.root);
  }

  /** An independent copy without watchers (etcd's `Clone`). */
  clone(): Store {
    const copy = new Store({ clock: this.clock, namespaces: this.namespaces });
    copy.root = this.root.clone(undefined);
    copy.hub = this.hub.clone();
    copy.currentIndex = this.currentIndex;
    copy.stats = { ...this.stats };
    copy.bytes = this.bytes;
    copy.ttlKeyHeap = ttlHeapOf(copy.root);
    return copy;
  }

  // ---- internals ----

  /** Runs an operation and bumps its stats counter the way etcd's deferred counters do. */
  private counted<T>(success: StatCounter, fail: StatCounter, op: () => T): T {
    try {
      const result = op();
      this.stats[success]++;
      return result;
    } catch (error) {
      if (error instanceof EtcdError && this.countedAsSuccess.has(error)) this.stats[success]++;
      else this.stats[fail]++;
      throw error;
    }
  }

  private error(code: number, cause: string): EtcdError {
    return new EtcdError(code, cause, this.currentIndex);
  }

  /**
   * An error etcd returns straight (`return nil, NewError(...)`) without assigning the `err` its
   * deferred stats counter inspects, so `/v2/stats/store` counts the call as a success.
   */
  private successfulFailure(code: number, cause: string): EtcdError {
    const e = this.error(code, cause);
    this.countedAsSuccess.add(e);
    return e;
  }

  /** Follows `path` from the root: 104 at a file on the way, 100 naming the first missing component. */
  private internalGet(path: string): Node {
    const found = lookup(this.root, path);
    if (found instanceof Node) return found;
    throw this.error(found.code, found.cause);
  }

  private checkCompare(n: Node, prevValue: string, prevIndex: number, countAsSuccess: boolean): void {
    const cause = compareFailureCause(n, prevValue, prevIndex);
    if (cause === undefined) return;
    throw countAsSuccess ? this.successfulFailure(ErrorCode.TestFailed, cause) : this.error(ErrorCode.TestFailed, cause);
  }

  private internalCreate(
    key: string,
    dir: boolean,
    value: string,
    unique: boolean,
    replace: boolean,
    expireTime: number,
    action: Action,
  ): Event {
    const currIndex = this.currentIndex;
    const nextIndex = currIndex + 1;
    const path = normalizeKey(unique ? `${key}/${String(nextIndex).padStart(20, '0')}` : key);
    if (this.readonly.has(path)) throw this.error(ErrorCode.RootROnly, '/');
    if (expireTime < MIN_EXPIRE_TIME) expireTime = PERMANENT;

    const [dirName, name] = split(path);
    let parent: Node;
    try {
      parent = this.internalEnsureDir(dirName, nextIndex);
    } catch (error) {
      // etcd counts a failed walk as a failed set as well, whatever the operation.
      this.stats.setsFail++;
      throw error;
    }

    const now = this.clock.now();
    let prevNode;
    const existing = parent.children?.get(name);
    if (existing !== undefined) {
      if (!replace) throw this.error(ErrorCode.NodeExist, path);
      if (existing.isDir) throw this.error(ErrorCode.NotFile, path);
      prevNode = repr(existing, false, false, now);
      existing.detach();
      this.bytes -= footprint(existing);
      this.ttlKeyHeap.remove(existing);
    }

    const n = dir ? Node.dir(path, nextIndex, parent, expireTime) : Node.file(path, value, nextIndex, parent, expireTime);
    parent.children?.set(name, n);
    this.bytes += footprint(n);
    if (!n.isPermanent) this.ttlKeyHeap.push(n);
    this.currentIndex = nextIndex;

    const node = nodeExtern({
      key: path,
      value: dir ? undefined : value,
      dir,
      ...expirationAndTTL(n, now),
      modifiedIndex: nextIndex,
      createdIndex: nextIndex,
    });
    return new Event(action, node, nextIndex, prevNode);
  }

  private internalEnsureDir(dirName: string, index: number): Node {
    const found = ensureDir(this.root, dirName, index, (dir) => (this.bytes += footprint(dir)));
    if (found instanceof Node) return found;
    throw this.error(found.code, found.cause);
  }

  /** Moves a node between permanent and TTL, keeping the heap in step (node.go `UpdateTTL`). */
  private updateTTL(n: Node, expireTime: number): void {
    n.expireTime = expireTime;
    if (expireTime === PERMANENT) this.ttlKeyHeap.remove(n);
    else if (n.heapIndex === -1) this.ttlKeyHeap.push(n);
    else this.ttlKeyHeap.update(n);
  }

  /**
   * Removes a node and everything under it, telling the watchers of each removed path (children
   * first), so that a watcher of `/a/b` hears of the deletion of `/a` (node.go `Remove`).
   */
  private removeNode(n: Node, e: Event): void {
    if (n.children !== undefined) {
      for (const child of [...n.children.values()]) this.removeNode(child, e);
    }
    if (!n.detach()) return;
    this.bytes -= footprint(n);
    this.hub.notifyWatchers(e, n.path, true);
    this.ttlKeyHeap.remove(n);
  }

  /** Records the event; a refresh wakes nobody. */
  private publish(e: Event, refresh: boolean): void {
    if (refresh) {
      e.refresh = true;
      this.hub.add(e);
    } else {
      this.hub.notify(e);
    }
  }
}
