import type { Event } from './event.ts';
import { EventHistory } from './event-history.ts';
import type { EtcdError } from './errors.ts';
import { clean } from './path.ts';
import { Watcher } from './watcher.ts';

/**
 * The watchers by the key they watch, plus the event history (etcd's `watcherHub`). An event at
 * `/a/b/c` is offered to the watchers of `/`, `/a`, `/a/b` and `/a/b/c`: a few map lookups,
 * whatever the number of watchers elsewhere.
 */
export class WatcherHub {
  /** Registered watchers: the `watchers` figure of `/v2/stats/store`. */
  count = 0;
  private readonly watchers = new Map<string, Set<Watcher>>();

  constructor(public history: EventHistory = new EventHistory()) {}

  /**
   * A watcher of `key` from `sinceIndex`. If the history holds a matching event it is delivered
   * at once and the watcher is not registered: a one-shot is then done, and, as in etcd, a stream
   * gets that single event and nothing more.
   */
  watch(key: string, recursive: boolean, stream: boolean, sinceIndex: number, storeIndex: number): Watcher {
    let past: Event | undefined;
    try {
      past = this.history.scan(key, recursive, sinceIndex);
    } catch (error) {
      (error as EtcdError).index = storeIndex;
      throw error;
    }
    const w = new Watcher(recursive, stream, sinceIndex, storeIndex);
    if (past !== undefined) {
      w.deliver(past.withEtcdIndex(storeIndex));
      if (!stream) w.end();
      return w;
    }

    let list = this.watchers.get(key);
    if (list === undefined) {
      list = new Set();
      this.watchers.set(key, list);
    }
    list.add(w);
    this.count++;
    w.detach = () => {
      w.detach = undefined;
      const current = this.watchers.get(key);
      if (current?.delete(w) !== true) return;
      this.count--;
      if (current.size === 0) this.watchers.delete(key);
    };
    return w;
  }

  /** Records an event without waking anyone (a refresh). */
  add(e: Event): void {
    this.history.add(e);
  }

  /** Records an event and wakes the watchers of its key and of every dir above it. */
  notify(e: Event): void {
    this.history.add(e);
    const key = e.node.key;
    this.notifyWatchers(e, '/', false);
    // Every prefix of the key that ends at a component: /a, /a/b, then /a/b/c itself.
    for (let i = key.indexOf('/', 1); i !== -1; i = key.indexOf('/', i + 1)) this.notifyWatchers(e, key.slice(0, i), false);
    if (key !== '/') this.notifyWatchers(e, key, false);
  }

  /**
   * Offers `e` to the watchers of exactly `watchPath`. `deleted` marks a path under a deleted or
   * expired dir, which concerns its watchers even when they are not recursive.
   */
  notifyWatchers(e: Event, watchPath: string, deleted: boolean): void {
    const list = this.watchers.get(watchPath);
    if (list === undefined) return;
    const originalPath = e.node.key === watchPath;
    if (!originalPath && isHidden(watchPath, e.node.key)) return;
    for (const w of list) {
      if (!(w.recursive || originalPath || deleted) || e.index < w.sinceIndex) continue;
      if (!w.deliver(e)) {
        // A reader too slow for the event rate: drop it rather than block the store (etcd does
        // the same); it ends after the events it already holds.
        w.detach?.();
        w.end();
        continue;
      }
      if (!w.stream) {
        w.detach?.();
        w.end();
      }
    }
  }

  /** The history without the watchers (for a snapshot or a clone). */
  clone(): WatcherHub {
    return new WatcherHub(this.history.clone());
  }
}

/**
 * Whether a key is hidden from a watcher of `watchPath`: some component below the watched path
 * starts with `_`. A path deeper than the key (a watcher under a deleted dir) is never hidden.
 */
export function isHidden(watchPath: string, keyPath: string): boolean {
  if (watchPath.length > keyPath.length) return false;
  return clean('/' + keyPath.slice(watchPath.length)).includes('/_');
}
