import type { Backend, KeyRowHead } from './backend.ts';
import { rowKeyValue } from './backend.ts';
import { KVStore, type KVStoreOptions } from './kv-store.ts';
import type { TxnWrite } from './kv-store-txn.ts';
import type { Bytes, Event, KeyValue } from './kv.ts';
import { newWatcherBatch, WATCH_BATCH_MAX_REVS, WatcherGroup, type WatcherBatch } from './watcher-group.ts';
import { Watcher, type EventFilter, type WatchId, type WatcherSink } from './watcher.ts';

/** etcd's `maxWatchersPerSync`. */
export const MAX_WATCHERS_PER_SYNC = 512;
/** Key bucket rows read per catch-up step (etcd reads them all at once). */
export const SYNC_BATCH_ROWS = 1000;

export interface WatchableStoreOptions extends KVStoreOptions {
  maxWatchersPerSync?: number;
  /** Rows read from the backend per `syncWatchers()` step; whole revisions are always read. */
  syncBatchRows?: number;
  /** Distinct revisions per catch-up response (etcd's `watchBatchMaxRevs`). */
  watchBatchMaxRevs?: number;
}

/**
 * etcd's `watchableStore` (mvcc/watchable_store.go): the KV store plus its watchers in three
 * groups. Synced watchers get each write txn's events as it ends; unsynced ones (started at an
 * old revision, or moved by a restore) catch up from the backend in `syncWatchers()` steps;
 * victims (whose sink was full) hold their pending events until `syncVictims()` delivers them.
 *
 * etcd runs the two sync loops on goroutines every 100 ms and 10 ms; here the host calls them on
 * its ticks, and sooner while they answer true (more work pending).
 */
export class WatchableStore extends KVStore {
  private synced = new WatcherGroup();
  private readonly unsynced = new WatcherGroup();
  private victims: WatcherBatch[] = [];
  /** Sinks run synchronously: set while they do, so they cannot change the store under a delivery. */
  private delivering = false;
  private readonly maxWatchersPerSync: number;
  private readonly syncBatchRows: number;
  private readonly maxRevs: number;

  constructor(backend: Backend, options: WatchableStoreOptions = {}) {
    super(backend, options);
    this.maxWatchersPerSync = options.maxWatchersPerSync ?? MAX_WATCHERS_PER_SYNC;
    this.syncBatchRows = Math.max(1, options.syncBatchRows ?? SYNC_BATCH_ROWS);
    this.maxRevs = options.watchBatchMaxRevs ?? WATCH_BATCH_MAX_REVS;
  }

  /**
   * Adds a watcher of [key, end) from `startRev` (etcd's `watchableStore.watch`). A start of 0 or
   * after the current revision makes it synced (it waits for new writes); an older one makes it
   * unsynced, to catch up in `syncWatchers()`.
   */
  watch(key: Bytes, end: Bytes, startRev: number, id: WatchId, sink: WatcherSink, filters: readonly EventFilter[] = []): Watcher {
    const current = this.rev();
    const synced = startRev > current || startRev === 0;
    const minRev = synced ? Math.max(current + 1, startRev) : startRev;
    const w = new Watcher(key, end, minRev, id, sink, filters);
    (synced ? this.synced : this.unsynced).add(w);
    return w;
  }

  /** Removes a watcher from whichever group or victim batch holds it (etcd's `cancelWatcher`). */
  cancelWatcher(w: Watcher): void {
    if (w.canceled) return;
    w.canceled = true;
    if (this.unsynced.delete(w) || this.synced.delete(w) || w.compacted) return;
    for (const batch of this.victims) if (batch.delete(w)) return;
  }

  /** Sends `w` a progress notification at the current revision if it is synced (etcd's `progress`). */
  progress(w: Watcher): void {
    if (this.synced.has(w)) w.send({ watchId: w.id, events: [], revision: this.rev(), compactRevision: 0 });
  }

  /** Which group holds a watcher; 'gone' once cancelled or removed by compaction. */
  watcherState(w: Watcher): 'synced' | 'unsynced' | 'victim' | 'gone' {
    if (this.synced.has(w)) return 'synced';
    if (this.unsynced.has(w)) return 'unsynced';
    return this.victims.some((batch) => batch.has(w)) ? 'victim' : 'gone';
  }

  /** A watch stream opened (+1) or closed (-1) on this store: etcd's `watch_stream_total`. */
  countWatchStream(delta: 1 | -1): void {
    this.state.counts.watchStreams += delta;
  }

  /** Events a watch stream handed its consumer: etcd's `events_total`. */
  countEventsSent(n: number): void {
    this.state.counts.events += n;
  }

  /** How many watchers each group holds (diagnostics, tests, `/metrics`). */
  watcherCounts(): { synced: number; unsynced: number; victims: number } {
    let victims = 0;
    for (const batch of this.victims) victims += batch.size;
    return { synced: this.synced.size, unsynced: this.unsynced.size, victims };
  }

  /**
   * One catch-up step (etcd's `syncWatchers`): up to `maxWatchersPerSync` unsynced watchers get
   * the events from their `minRev` on, read from the backend, at most `syncBatchRows` rows (but
   * whole revisions). A watcher that reaches the current revision becomes synced; one whose
   * start is compacted is told so and removed. True while unsynced watchers remain.
   */
  syncWatchers(): boolean {
    return this.whileDelivering(() => this.syncUnsynced());
  }

  private syncUnsynced(): boolean {
    if (this.unsynced.size === 0) return false;
    const curRev = this.rev();
    const { chosen, minRev } = this.unsynced.choose(this.maxWatchersPerSync, curRev, this.compactRev());
    if (chosen.length === 0) return this.unsynced.size > 0;
    const group = new WatcherGroup();
    for (const w of chosen) group.add(w);
    const { heads, upTo } = this.readRevisions(Math.max(minRev, 1), curRev);
    const events = this.eventsOf(heads.filter((h) => group.contains(h.key)));
    const batch = newWatcherBatch(group, events, this.maxRevs);
    const victims: WatcherBatch = new Map();
    const caughtUp = upTo > curRev;
    for (const w of chosen) {
      // Ahead of the store (moved here by a restore): nothing to read, it waits for its revision.
      // etcd lowers such a watcher's minRev to the current revision + 1; its start is kept here.
      if (w.minRev > curRev) {
        this.moveToSynced(w);
        continue;
      }
      // A watcher past what this step read waits for a later one.
      if (!caughtUp && w.minRev >= upTo) continue;
      w.minRev = upTo;
      const eb = batch.get(w);
      if (eb === undefined) {
        if (caughtUp) this.moveToSynced(w);
        continue;
      }
      if (eb.moreRev !== 0) w.minRev = eb.moreRev;
      if (!w.send({ watchId: w.id, events: eb.evs, revision: curRev, compactRevision: 0 })) {
        w.victim = true;
        victims.set(w, eb);
        this.unsynced.delete(w);
        continue;
      }
      if (eb.moreRev === 0 && caughtUp) this.moveToSynced(w);
    }
    if (victims.size > 0) this.victims.push(victims);
    return this.unsynced.size > 0;
  }

  /**
   * Retries the responses whose sink was full (etcd's `moveVictims`); a watcher delivered to goes
   * back to unsynced or synced by its `minRev`. True while victims remain.
   */
  syncVictims(): boolean {
    return this.whileDelivering(() => this.retryVictims());
  }

  private retryVictims(): boolean {
    const batches = this.victims;
    this.victims = [];
    for (const batch of batches) {
      const still: WatcherBatch = new Map();
      for (const [w, eb] of batch) {
        // The watcher has seen the store up to, not including, its minRev.
        if (!w.send({ watchId: w.id, events: eb.evs, revision: w.minRev - 1, compactRevision: 0 })) still.set(w, eb);
      }
      const curRev = this.rev();
      for (const [w, eb] of batch) {
        if (still.has(w) || w.canceled) continue;
        w.victim = false;
        if (eb.moreRev !== 0) w.minRev = eb.moreRev;
        (w.minRev <= curRev ? this.unsynced : this.synced).add(w);
      }
      if (still.size > 0) this.victims.push(still);
    }
    return this.victims.length > 0;
  }

  /**
   * A restore moves every synced watcher to unsynced (etcd's `watchableStore.Restore`), to catch
   * up on the restored backend. etcd leaves such a watcher's `minRev` where it was created, so it
   * would be sent again what it already had; here it resumes after the revision it was synced to.
   */
  override restore(): void {
    this.refuseWhileDelivering('restore');
    const syncedTo = this.rev();
    super.restore();
    for (const w of this.synced.watchers) {
      w.restore = true;
      w.minRev = Math.max(w.minRev, syncedTo + 1);
      this.unsynced.add(w);
    }
    this.synced = new WatcherGroup();
  }

  /**
   * A write, compaction or restore from inside a sink is refused: it would change the store in
   * the middle of a delivery (a watcher not yet served would miss the new revision). A consumer
   * that must write in reaction to an event does so after its sink returns.
   */
  override write(): TxnWrite {
    this.refuseWhileDelivering('write');
    return super.write();
  }

  override compact(rev: number): void {
    this.refuseWhileDelivering('compact');
    super.compact(rev);
  }

  protected override committed(rev: number, changes: readonly KeyValue[]): void {
    if (this.synced.size === 0) return;
    this.whileDelivering(() => this.notify(rev, changes));
  }

  /** etcd's `notify`: a write txn's events to the synced watchers of their keys. */
  private notify(rev: number, changes: readonly KeyValue[]): void {
    const events = changes.map((kv): Event =>
      kv.createRevision === 0 ? { type: 'DELETE', kv: { ...kv, modRevision: rev } } : { type: 'PUT', kv },
    );
    const victims: WatcherBatch = new Map();
    for (const [w, eb] of newWatcherBatch(this.synced, events, this.maxRevs)) {
      if (!w.send({ watchId: w.id, events: eb.evs, revision: rev, compactRevision: 0 })) {
        w.minRev = rev + 1;
        w.victim = true;
        victims.set(w, eb);
        this.synced.delete(w);
      }
    }
    if (victims.size > 0) this.victims.push(victims);
  }

  private whileDelivering<T>(deliver: () => T): T {
    this.delivering = true;
    try {
      return deliver();
    } finally {
      this.delivering = false;
    }
  }

  private refuseWhileDelivering(what: string): void {
    if (this.delivering) throw new Error(`mvcc: ${what} from inside a watch delivery`);
  }

  private moveToSynced(w: Watcher): void {
    this.unsynced.delete(w);
    this.synced.add(w);
  }

  /**
   * The key bucket rows from main revision `from` on: at most `syncBatchRows`, cut back to whole
   * revisions (a single revision larger than the batch is read whole). `upTo` is the first main
   * revision not read. Rows a pending compaction will delete are left out, as they are gone in
   * etcd once its compaction finishes.
   */
  private readRevisions(from: number, curRev: number): { heads: KeyRowHead[]; upTo: number } {
    const to = { main: curRev + 1, sub: 0 };
    let heads = this.backend.scanKeyHeads({ from: { main: from, sub: 0 }, to }, this.syncBatchRows);
    let upTo = curRev + 1;
    if (heads.length >= this.syncBatchRows) {
      const lastMain = heads[heads.length - 1]!.main;
      if (heads[0]!.main === lastMain) {
        heads = this.backend.scanKeyHeads({ from: { main: lastMain, sub: 0 }, to: { main: lastMain + 1, sub: 0 } }, Number.MAX_SAFE_INTEGER);
        upTo = lastMain + 1;
      } else {
        heads = heads.filter((h) => h.main < lastMain);
        upTo = lastMain;
      }
      if (upTo > curRev + 1) upTo = curRev + 1;
    }
    const pending = this.pendingCompaction;
    return { heads: pending === undefined ? heads : heads.filter((h) => !pending.doomed(h)), upTo };
  }

  /** The rows as events, values fetched in one call (etcd's `kvsToEvents`). */
  private eventsOf(heads: readonly KeyRowHead[]): Event[] {
    if (heads.length === 0) return [];
    const rows = this.backend.getKeyRows(heads);
    return rows.map((row, i): Event => {
      if (row === undefined) throw new Error(`mvcc: sync cannot find revision ${heads[i]!.main}.${heads[i]!.sub}`);
      const kv = rowKeyValue(row);
      // A tombstone row has no revision of its own: patch it in so watchers do not skip it.
      return row.tombstone ? { type: 'DELETE', kv: { ...kv, modRevision: row.main } } : { type: 'PUT', kv };
    });
  }
}
