import { EmptyWatcherRangeError, WatcherDuplicateIdError } from './errors.ts';
import { FROM_KEY, isFromKey, isSingleKey } from './key-range.ts';
import type { Bytes, Event } from './kv.ts';
import type { WatchableStore } from './watchable-store.ts';
import type { EventFilter, WatchId, Watcher, WatcherResponse } from './watcher.ts';

/** clientv3's `AutoWatchID`: a create with this ID lets the stream pick one. */
export const AUTO_WATCH_ID: WatchId = 0;
/** clientv3's `InvalidWatchID`: the ID of a failed create and of a stream-wide progress answer. */
export const INVALID_WATCH_ID: WatchId = -1;

export type WatchFilterType = 'NOPUT' | 'NODELETE';

/** rpc.proto's `WatchCreateRequest` (the server's type of the same name fits it). */
export interface WatchCreateRequest {
  key: Bytes;
  /** Wire form: '' the key alone, '\0' every key >= key, else [key, rangeEnd). */
  rangeEnd: Bytes;
  /** 0: from the next revision. */
  startRevision: number;
  progressNotify: boolean;
  filters: readonly WatchFilterType[];
  prevKv: boolean;
  /** 0 (`AUTO_WATCH_ID`): the stream picks one. */
  watchId: WatchId;
}

/**
 * rpc.proto's `WatchResponse` without its header: `revision` is the header's revision, which the
 * server completes with cluster, member and term. (`fragment` is the transport's business: it
 * splits a response over its size limit.)
 */
export interface WatchStreamResponse {
  revision: number;
  watchId: WatchId;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  events: Event[];
}

/**
 * Where the stream's responses go, in order. For an events response, false means the consumer
 * is full: the store keeps those events for `syncVictims()`. Control responses (created,
 * canceled, progress) are always taken: the return value is ignored for them.
 */
export type WatchStreamSink = (response: WatchStreamResponse) => boolean;

/** etcd's `FiltersFromRequest` (v3rpc/watch.go). */
const FILTERS: Record<WatchFilterType, EventFilter> = {
  NOPUT: (e) => e.type === 'PUT',
  NODELETE: (e) => e.type === 'DELETE',
};

const isCreateEvent = (e: Event): boolean => e.type === 'PUT' && e.kv.createRevision === e.kv.modRevision;

interface StreamWatch {
  watcher: Watcher;
  prevKv: boolean;
  /** etcd's `progress[id]`: armed for the next periodic notification (absent: none wanted). */
  progress?: boolean;
}

/**
 * One client watch stream: etcd's mvcc `watchStream` (watcher.go) and the v3 server's
 * `serverWatchStream` (etcdserver/api/v3rpc/watch.go) in one, minus the transport. Requests come
 * in as calls (`create`, `cancel`, `requestProgress`); responses go out through the sink,
 * synchronously, in the order etcd's would. The JSON gateway's `/v3/watch` and a gRPC bidi
 * stream both drive it the same way.
 *
 * The host calls `progressTick()` every progress-notify interval (etcd: 10 minutes plus jitter,
 * `--experimental-watch-progress-notify-interval`), and the store's `syncWatchers()` /
 * `syncVictims()` on its ticks.
 */
export class WatchStream {
  private readonly watches = new Map<WatchId, StreamWatch>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly store: WatchableStore,
    private readonly sink: WatchStreamSink,
  ) {
    store.countWatchStream(1);
  }

  /** The store's current revision (etcd's `WatchStream.Rev`). */
  rev(): number {
    return this.store.rev();
  }

  /**
   * A create request (etcd's recvLoop `CreateRequest` case). Answers `created` with the watch ID,
   * or `created` + `canceled` with ID -1 and the reason: an empty range, a closed stream, or a
   * client-chosen ID already in use. An unsynced watch's events follow in `syncWatchers()`.
   */
  create(request: WatchCreateRequest): WatchId {
    // \0 is the smallest key: an empty key means "from the start" (etcd's recvLoop).
    const key = request.key === '' ? FROM_KEY : request.key;
    const end = request.rangeEnd;
    const wsrev = this.rev();
    const startRev = request.startRevision === 0 ? wsrev + 1 : request.startRevision;
    const filters = request.filters.map((f) => FILTERS[f]).filter((f) => f !== undefined);
    let id: WatchId;
    try {
      id = this.watch(request.watchId, key, end, startRev, filters, request);
    } catch (e) {
      if (!(e instanceof EmptyWatcherRangeError || e instanceof WatcherDuplicateIdError)) throw e;
      this.control({ revision: wsrev, watchId: INVALID_WATCH_ID, created: true, canceled: true, cancelReason: e.message });
      return INVALID_WATCH_ID;
    }
    this.control({ revision: wsrev, watchId: id, created: true });
    return id;
  }

  /**
   * A cancel request: answers `canceled` for a watch the stream has (even one already removed by
   * compaction: its ID stays taken until cancelled); says nothing for an unknown ID, as etcd.
   * Returns whether the ID was known.
   */
  cancel(watchId: WatchId): boolean {
    const watch = this.watches.get(watchId);
    if (watch === undefined || this.closed) return false;
    this.store.cancelWatcher(watch.watcher);
    this.watches.delete(watchId);
    this.control({ revision: this.rev(), watchId, canceled: true });
    return true;
  }

  /**
   * A progress request (3.4): one response with ID -1 and the current revision, at once, whether
   * or not every watcher is synced.
   */
  requestProgress(): void {
    this.control({ revision: this.rev(), watchId: INVALID_WATCH_ID });
  }

  /**
   * The periodic progress notification (etcd's progressTicker case): each watch that asked for
   * `progress_notify` and got no events since the last tick is sent the current revision, if
   * it is synced.
   */
  progressTick(): void {
    for (const watch of this.watches.values()) {
      if (watch.progress === undefined) continue;
      if (watch.progress) this.store.progress(watch.watcher);
      watch.progress = true;
    }
  }

  /** Cancels every watch; later creates fail (etcd's `Close`). */
  close(): void {
    for (const watch of this.watches.values()) this.store.cancelWatcher(watch.watcher);
    this.watches.clear();
    if (!this.closed) this.store.countWatchStream(-1);
    this.closed = true;
  }

  /** etcd's `watchStream.Watch`: validates, picks the ID, registers the watcher. */
  private watch(
    requested: WatchId,
    key: Bytes,
    end: Bytes,
    startRev: number,
    filters: EventFilter[],
    request: WatchCreateRequest,
  ): WatchId {
    // A range must not be empty; '' (one key) and '\0' (from key) are not bounds.
    if (!isSingleKey(end) && !isFromKey(end) && key >= end) throw new EmptyWatcherRangeError();
    if (this.closed) throw new EmptyWatcherRangeError();
    let id = requested;
    if (id === AUTO_WATCH_ID) {
      while (this.watches.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.watches.has(id)) {
      throw new WatcherDuplicateIdError();
    }
    const watchId = id;
    const watcher = this.store.watch(key, end, startRev, watchId, (r) => this.deliver(r), filters);
    this.watches.set(watchId, {
      watcher,
      prevKv: request.prevKv,
      ...(request.progressNotify ? { progress: true } : {}),
    });
    return watchId;
  }

  /** etcd's sendLoop for a store response: previous key-values, the compaction cancel. */
  private deliver(response: WatcherResponse): boolean {
    const watch = this.watches.get(response.watchId);
    let events = response.events;
    if (watch?.prevKv === true && events.length > 0) events = this.withPrevKvs(events);
    const accepted = this.sink({
      revision: response.revision,
      watchId: response.watchId,
      created: false,
      canceled: response.compactRevision !== 0,
      compactRevision: response.compactRevision,
      cancelReason: '',
      events,
    });
    if (accepted) this.store.countEventsSent(events.length);
    // An events response makes the next periodic progress notification unnecessary.
    if (accepted && events.length > 0 && watch?.progress !== undefined) watch.progress = false;
    return accepted;
  }

  /** Each non-create event's key as of the revision before it (etcd ranges `ModRevision - 1`). */
  private withPrevKvs(events: Event[]): Event[] {
    const asked = events.map((e, i) => ({ e, i })).filter(({ e }) => !isCreateEvent(e));
    if (asked.length === 0) return events;
    const prev = this.store.keyValuesAt(asked.map(({ e }) => ({ key: e.kv.key, rev: e.kv.modRevision - 1 })));
    const out = events.slice();
    asked.forEach(({ e, i }, j) => {
      const kv = prev[j];
      if (kv !== undefined) out[i] = { ...e, prevKv: kv };
    });
    return out;
  }

  private control(r: Partial<WatchStreamResponse> & { revision: number; watchId: WatchId }): void {
    this.sink({ created: false, canceled: false, compactRevision: 0, cancelReason: '', events: [], ...r });
  }
}
