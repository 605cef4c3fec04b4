import { type NodeExtern, trimNodePrefix } from './node-extern.ts';

/** The actions etcd names its events with (event.go). */
export const Action = {
  Get: 'get',
  Create: 'create',
  Set: 'set',
  Update: 'update',
  Delete: 'delete',
  CompareAndSwap: 'compareAndSwap',
  CompareAndDelete: 'compareAndDelete',
  Expire: 'expire',
} as const;

export type Action = (typeof Action)[keyof typeof Action];

/** An event's JSON body; etcd's `EtcdIndex` is a header (`X-Etcd-Index`), not part of it. */
export interface EventJSON {
  action: Action;
  node: NodeExtern;
  prevNode?: NodeExtern;
  refresh?: true;
}

/**
 * The result of an operation, and what watchers receive (etcd's `Event`). One object is shared by
 * the caller, the history and the watchers: treat it as immutable (`clone` before changing it).
 */
export class Event {
  prevNode: NodeExtern | undefined;
  /** A refresh (TTL-only write) goes into the history but wakes no watcher. */
  refresh = false;

  constructor(
    public readonly action: Action,
    public node: NodeExtern,
    /** The store index to report with this event (`X-Etcd-Index`). */
    public etcdIndex: number,
    prevNode?: NodeExtern,
  ) {
    this.prevNode = prevNode;
  }

  /** The event's own index: its node's `modifiedIndex`. */
  get index(): number {
    return this.node.modifiedIndex ?? 0;
  }

  /** etcd's `IsCreated`: a create, or a set that replaced nothing. */
  get isCreated(): boolean {
    return this.action === Action.Create || (this.action === Action.Set && this.prevNode === undefined);
  }

  /**
   * A copy reporting `etcdIndex` instead (a watcher answered from the history reports the watch
   * start). Like etcd's `Event.Clone`, the copy has no `refresh` flag.
   */
  withEtcdIndex(etcdIndex: number): Event {
    return new Event(this.action, this.node, etcdIndex, this.prevNode);
  }

  /**
   * A copy with `prefix` trimmed from every key, as the v2 HTTP API trims `/1` (`trimEventPrefix`).
   * etcd trims a `Clone`, which drops `refresh`: a refresh answer never shows `"refresh":true`.
   */
  trimPrefix(prefix: string): Event {
    const prevNode = this.prevNode === undefined ? undefined : trimNodePrefix(this.prevNode, prefix);
    return new Event(this.action, trimNodePrefix(this.node, prefix), this.etcdIndex, prevNode);
  }

  toJSON(): EventJSON {
    const json: EventJSON = { action: this.action, node: this.node };
    if (this.prevNode !== undefined) json.prevNode = this.prevNode;
    if (this.refresh) json.refresh = true;
    return json;
  }
}
