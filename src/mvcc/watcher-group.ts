import { isSingleKey, rangeContains } from './key-range.ts';
import type { Bytes, Event } from './kv.ts';
import type { Watcher } from './watcher.ts';

/** etcd's `watchBatchMaxRevs`: distinct revisions sent to a catching-up watcher at a time. */
export const WATCH_BATCH_MAX_REVS = 1000;

/** A watcher's events for one response (etcd's `eventBatch`), whole revisions only. */
export class EventBatch {
  readonly evs: Event[] = [];
  /** Distinct revisions in `evs`. */
  revs = 0;
  /** The first revision left out because the batch was full; 0 if none. */
  moreRev = 0;

  constructor(private readonly maxRevs: number) {}

  add(ev: Event): void {
    if (this.revs > this.maxRevs) return;
    if (this.evs.length === 0) {
      this.revs = 1;
      this.evs.push(ev);
      return;
    }
    const last = this.evs[this.evs.length - 1]!.kv.modRevision;
    if (ev.kv.modRevision > last) {
      this.revs++;
      if (this.revs > this.maxRevs) {
        this.moreRev = ev.kv.modRevision;
        return;
      }
    }
    this.evs.push(ev);
  }
}

/** Each watcher's batch (etcd's `watcherBatch`), in the order watchers first got an event. */
export type WatcherBatch = Map<Watcher, EventBatch>;

/**
 * Maps watchers of `group` to the events at or after their `minRev` (etcd's `newWatcherBatch`:
 * a watcher never gets an event twice).
 */
export function newWatcherBatch(group: WatcherGroup, evs: readonly Event[], maxRevs = WATCH_BATCH_MAX_REVS): WatcherBatch {
  const batch: WatcherBatch = new Map();
  if (group.size === 0) return batch;
  for (const ev of evs) {
    for (const w of group.watchersOf(ev.kv.key)) {
      if (ev.kv.modRevision < w.minRev) continue;
      let eb = batch.get(w);
      if (eb === undefined) {
        eb = new EventBatch(maxRevs);
        batch.set(w, eb);
      }
      eb.add(ev);
    }
  }
  return batch;
}

interface RangeWatchers {
  key: Bytes;
  end: Bytes;
  watchers: Set<Watcher>;
}

/** Byte strings hold chars 0-255 only, so this char can join a range's two ends unambiguously. */
const RANGE_SEPARATOR = '\u0100';

/**
 * A set of watchers by what they watch (etcd's `watcherGroup`): single keys in a map, ranges by
 * their [key, end). etcd stabs ranges with an interval tree; here an event visits every distinct
 * range, which is cheap while ranges are few (many watchers usually share a prefix) and keeps
 * this file small. Iteration follows insertion, so which watchers `choose` picks is reproducible.
 */
export class WatcherGroup {
  readonly watchers = new Set<Watcher>();
  private readonly keyWatchers = new Map<Bytes, Set<Watcher>>();
  private readonly ranges = new Map<string, RangeWatchers>();

  get size(): number {
    return this.watchers.size;
  }

  has(w: Watcher): boolean {
    return this.watchers.has(w);
  }

  add(w: Watcher): void {
    if (this.watchers.has(w)) throw new Error('watcher group: watcher added twice');
    this.watchers.add(w);
    if (isSingleKey(w.end)) {
      let set = this.keyWatchers.get(w.key);
      if (set === undefined) this.keyWatchers.set(w.key, (set = new Set()));
      set.add(w);
      return;
    }
    const id = w.key + RANGE_SEPARATOR + w.end;
    let range = this.ranges.get(id);
    if (range === undefined) this.ranges.set(id, (range = { key: w.key, end: w.end, watchers: new Set() }));
    range.watchers.add(w);
  }

  /** Removes `w`; false if it was not in the group. */
  delete(w: Watcher): boolean {
    if (!this.watchers.delete(w)) return false;
    if (isSingleKey(w.end)) {
      const set = this.keyWatchers.get(w.key);
      set?.delete(w);
      if (set?.size === 0) this.keyWatchers.delete(w.key);
      return true;
    }
    const id = w.key + RANGE_SEPARATOR + w.end;
    const range = this.ranges.get(id);
    range?.watchers.delete(w);
    if (range?.watchers.size === 0) this.ranges.delete(id);
    return true;
  }

  /** Whether some watcher of the group watches `key` (etcd's `contains`). */
  contains(key: Bytes): boolean {
    if (this.keyWatchers.has(key)) return true;
    for (const r of this.ranges.values()) if (rangeContains(r.key, r.end, key)) return true;
    return false;
  }

  /** The watchers that get events on `key` (etcd's `watcherSetByKey`). */
  watchersOf(key: Bytes): Iterable<Watcher> {
    const single = this.keyWatchers.get(key);
    const hits: Set<Watcher>[] = [];
    for (const r of this.ranges.values()) if (rangeContains(r.key, r.end, key)) hits.push(r.watchers);
    if (hits.length === 0) return single ?? [];
    if (hits.length === 1 && single === undefined) return hits[0]!;
    const all = new Set<Watcher>(single);
    for (const set of hits) for (const w of set) all.add(w);
    return all;
  }

  /**
   * Picks up to `max` watchers to catch up (etcd's `choose` + `chooseAll`) and the lowest
   * revision they need. A watcher whose `minRev` is below the compacted revision is sent the
   * compaction instead and leaves the group (if its sink takes it; otherwise it is tried next
   * time). etcd removes such a watcher only from the chosen subset when there are more than
   * `max`, so it would be told again on every pass; here it leaves the group itself.
   */
  choose(max: number, curRev: number, compactRev: number): { chosen: Watcher[]; minRev: number } {
    const chosen: Watcher[] = [];
    let minRev = Number.POSITIVE_INFINITY;
    for (const w of [...this.watchers]) {
      if (chosen.length >= max) break;
      if (w.minRev > curRev) {
        // Only a watcher a restore moved here may be ahead of the store.
        if (!w.restore) throw new Error(`watcher minimum revision ${w.minRev} should not exceed current revision ${curRev}`);
        w.restore = false;
      }
      if (w.minRev < compactRev) {
        if (w.send({ watchId: w.id, events: [], revision: 0, compactRevision: compactRev })) {
          w.compacted = true;
          this.delete(w);
        }
        continue;
      }
      chosen.push(w);
      if (w.minRev < minRev) minRev = w.minRev;
    }
    return { chosen, minRev };
  }
}
