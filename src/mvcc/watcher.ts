import type { Bytes, Event } from './kv.ts';

/** A watch's ID within its stream (etcd's `WatchID`, int64). */
export type WatchId = number;

/** True when the event should NOT reach the watcher (etcd's `FilterFunc`). */
export type EventFilter = (event: Event) => boolean;

/** What the watchable store sends a watcher (etcd's mvcc `WatchResponse`). */
export interface WatcherResponse {
  watchId: WatchId;
  /** Whole revisions, oldest first; empty for a progress notification or a compaction. */
  events: Event[];
  /**
   * The store's revision the response speaks for: the events' revision for a live notification,
   * later for a catch-up batch, the current one for progress; 0 with `compactRevision`.
   */
  revision: number;
  /** Set when the watcher was removed because its start revision is compacted. */
  compactRevision: number;
}

/**
 * Where a watcher's responses go. Returns false when the consumer cannot take one now (etcd's
 * full watch channel): the store keeps the events and retries in `syncVictims()`.
 */
export type WatcherSink = (response: WatcherResponse) => boolean;

/**
 * One watcher (etcd's `watcher`, mvcc/watchable_store.go): a key or range, the next revision it
 * wants, and where its responses go. Its group membership says whether it is synced.
 */
export class Watcher {
  /** Its events wait in a victim batch because the sink was full. */
  victim = false;
  /** Removed because its start revision was compacted (its ID stays taken in the stream). */
  compacted = false;
  /** Moved from synced to unsynced by a restore: it may want a revision beyond the current one. */
  restore = false;
  canceled = false;

  constructor(
    readonly key: Bytes,
    /** A range end in the wire form (key-range.ts): '' the key alone, '\0' every key >= key. */
    readonly end: Bytes,
    /** The first revision it has not seen. */
    public minRev: number,
    readonly id: WatchId,
    private readonly sink: WatcherSink,
    private readonly filters: readonly EventFilter[],
  ) {}

  /**
   * etcd's `watcher.send`: filters the events; a response whose events were all filtered out is
   * dropped (and counts as sent), a progress notification (no events) always goes.
   */
  send(response: WatcherResponse): boolean {
    if (this.canceled) return true;
    const progress = response.events.length === 0;
    let events = response.events;
    if (this.filters.length > 0) events = events.filter((e) => !this.filters.some((f) => f(e)));
    if (!progress && events.length === 0) return true;
    return this.sink(events === response.events ? response : { ...response, events });
  }
}
