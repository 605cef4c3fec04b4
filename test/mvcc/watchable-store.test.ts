import { describe, expect, it } from 'vitest';
import { WatchableStore, type Event, type WatcherResponse, type WatchableStoreOptions } from '../../src/mvcc/index.ts';
import { MemoryBackend } from '../helpers/memory-backend.ts';
import { kv } from './helpers.ts';

/** A watcher's consumer: records what it takes; while `full`, it takes nothing. */
class Consumer {
  readonly got: WatcherResponse[] = [];
  full = false;
  readonly sink = (r: WatcherResponse): boolean => {
    if (this.full) return false;
    this.got.push(r);
    return true;
  };
  events(): Event[] {
    return this.got.flatMap((r) => r.events);
  }
  revisions(): number[] {
    return this.events().map((e) => e.kv.modRevision);
  }
}

function setup(options: WatchableStoreOptions = {}) {
  const backend = new MemoryBackend();
  return { backend, store: new WatchableStore(backend, options) };
}

const put = (key: string, value: string, create: number, mod: number, version: number): Event => ({ type: 'PUT', kv: kv(key, value, create, mod, version) });

describe('synced watchers', () => {
  it('get each write txn as one response at its revision (etcd TestWatchableKVWatch)', () => {
    const { store } = setup();
    const c = new Consumer();
    store.watch('foo', 'fop', 0, 7, c.sink);
    store.put('foo', 'bar');
    store.put('foo1', 'bar1');
    store.put('other', 'x');
    const txn = store.write();
    txn.put('foo1', 'bar11');
    txn.deleteRange('foo', '');
    txn.end();
    expect(c.got).toEqual([
      { watchId: 7, revision: 2, compactRevision: 0, events: [put('foo', 'bar', 2, 2, 1)] },
      { watchId: 7, revision: 3, compactRevision: 0, events: [put('foo1', 'bar1', 3, 3, 1)] },
      {
        watchId: 7,
        revision: 5,
        compactRevision: 0,
        events: [put('foo1', 'bar11', 3, 5, 2), { type: 'DELETE', kv: { ...kv('foo', '', 0, 5, 0) } }],
      },
    ]);
  });

  it('watch a single key, a range, or every key from one on', () => {
    const { store } = setup();
    const single = new Consumer();
    const range = new Consumer();
    const from = new Consumer();
    store.watch('b', '', 0, 1, single.sink);
    store.watch('b', 'c', 0, 2, range.sink);
    store.watch('b', '\0', 0, 3, from.sink);
    for (const key of ['a', 'b', 'bb', 'c', 'zz']) store.put(key, '');
    expect(single.events().map((e) => e.kv.key)).toEqual(['b']);
    expect(range.events().map((e) => e.kv.key)).toEqual(['b', 'bb']);
    expect(from.events().map((e) => e.kv.key)).toEqual(['b', 'bb', 'c', 'zz']);
  });

  it('wait for a future start revision (etcd TestWatchFutureRev)', () => {
    const { store } = setup();
    const c = new Consumer();
    store.watch('foo', '', 10, 0, c.sink);
    for (let i = 0; i < 9; i++) store.put('foo', 'bar');
    expect(c.got).toEqual([{ watchId: 0, revision: 10, compactRevision: 0, events: [put('foo', 'bar', 2, 10, 9)] }]);
  });

  it('drop a response whose events the filters removed, and keep the others', () => {
    const { store } = setup();
    const c = new Consumer();
    store.watch('foo', '', 0, 0, c.sink, [(e) => e.type === 'PUT']);
    store.put('foo', 'bar');
    expect(c.got).toEqual([]);
    store.deleteRange('foo', '');
    expect(c.events().map((e) => e.type)).toEqual(['DELETE']);
  });

  it('hear nothing after cancel', () => {
    const { store } = setup();
    const c = new Consumer();
    const w = store.watch('foo', '', 0, 0, c.sink);
    store.cancelWatcher(w);
    store.put('foo', 'bar');
    expect(c.got).toEqual([]);
    expect(store.watcherCounts()).toEqual({ synced: 0, unsynced: 0, victims: 0 });
  });
});

describe('unsynced watchers', () => {
  it('catch up from the backend and become synced (etcd TestSyncWatchers)', () => {
    const { store } = setup();
    store.put('foo', 'bar');
    const consumers = Array.from({ length: 100 }, () => new Consumer());
    const watchers = consumers.map((c, i) => store.watch('foo', '', 1, i, c.sink));
    expect(store.watcherCounts()).toEqual({ synced: 0, unsynced: 100, victims: 0 });
    expect(store.syncWatchers()).toBe(false);
    expect(store.watcherCounts()).toEqual({ synced: 100, unsynced: 0, victims: 0 });
    for (const w of watchers) expect(w.minRev).toBe(store.rev() + 1);
    consumers.forEach((c, i) => {
      expect(c.got).toEqual([{ watchId: i, revision: 2, compactRevision: 0, events: [put('foo', 'bar', 2, 2, 1)] }]);
    });
  });

  it('take at most maxWatchersPerSync per step and say more is pending', () => {
    const { store } = setup({ maxWatchersPerSync: 3 });
    store.put('foo', 'bar');
    const consumers = Array.from({ length: 7 }, () => new Consumer());
    consumers.forEach((c, i) => store.watch('foo', '', 2, i, c.sink));
    expect(store.syncWatchers()).toBe(true);
    expect(store.syncWatchers()).toBe(true);
    expect(store.syncWatchers()).toBe(false);
    for (const c of consumers) expect(c.revisions()).toEqual([2]);
  });

  it('get at most watchBatchMaxRevs revisions a response (etcd TestWatchBatchUnsynced)', () => {
    const { store } = setup({ watchBatchMaxRevs: 4 });
    for (let i = 0; i < 12; i++) store.put('foo', 'foo');
    const c = new Consumer();
    store.watch('foo', '', 1, 0, c.sink);
    expect(store.syncWatchers()).toBe(true);
    expect(store.syncWatchers()).toBe(true);
    expect(store.syncWatchers()).toBe(false);
    expect(c.got.map((r) => r.events.length)).toEqual([4, 4, 4]);
    expect(c.got.map((r) => r.revision)).toEqual([13, 13, 13]);
    expect(store.watcherCounts().synced).toBe(1);
  });

  it('read the backend in bounded steps of whole revisions', () => {
    const { store, backend } = setup({ syncBatchRows: 3 });
    for (let r = 0; r < 4; r++) {
      const txn = store.write();
      for (let i = 0; i < 2; i++) txn.put(`k${i}`, `r${r}`);
      txn.end();
    }
    // One revision of 5 rows: larger than a step, read whole.
    const big = store.write();
    for (let i = 0; i < 5; i++) big.put(`big${i}`, '');
    big.end();
    const c = new Consumer();
    store.watch('\0', '\0', 2, 0, c.sink);
    const scans = backend.calls.scanKeyHeads;
    let steps = 0;
    while (store.syncWatchers()) steps++;
    expect(c.revisions()).toEqual([2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6, 6, 6]);
    for (const r of c.got) expect(new Set(r.events.map((e) => e.kv.modRevision)).size).toBe(1);
    expect(steps).toBe(4);
    expect(backend.calls.scanKeyHeads - scans).toBe(6);
  });

  it('are told their start is compacted and removed (etcd TestWatchCompacted)', () => {
    const { store } = setup();
    for (let i = 0; i < 10; i++) store.put('foo', 'bar');
    store.compact(5);
    const c = new Consumer();
    const w = store.watch('foo', '', 4, 3, c.sink);
    expect(store.syncWatchers()).toBe(false);
    expect(c.got).toEqual([{ watchId: 3, revision: 0, compactRevision: 5, events: [] }]);
    expect(w.compacted).toBe(true);
    expect(store.watcherCounts()).toEqual({ synced: 0, unsynced: 0, victims: 0 });
  });

  it('retry the compaction notice while the consumer is full', () => {
    const { store } = setup();
    for (let i = 0; i < 5; i++) store.put('foo', 'bar');
    store.compact(4);
    const c = new Consumer();
    c.full = true;
    store.watch('foo', '', 2, 0, c.sink);
    expect(store.syncWatchers()).toBe(true);
    c.full = false;
    expect(store.syncWatchers()).toBe(false);
    expect(c.got).toEqual([{ watchId: 0, revision: 0, compactRevision: 4, events: [] }]);
  });

  it('never see rows a pending compaction will delete, however far it has run', () => {
    const { store } = setup({ compactionBatchLimit: 1 });
    store.put('foo', 'a');
    store.put('foo', 'b');
    store.deleteRange('foo', '');
    store.put('bar', 'c');
    // Compacting at 4 drops the tombstone at 4; a watch from 4 sees only what survives.
    store.compact(4);
    const early = new Consumer();
    store.watch('\0', '\0', 4, 0, early.sink);
    store.syncWatchers();
    while (store.runCompactionStep());
    const late = new Consumer();
    store.watch('\0', '\0', 4, 0, late.sink);
    store.syncWatchers();
    expect(early.events()).toEqual(late.events());
    expect(early.revisions()).toEqual([5]);
  });

  it('can be cancelled before they catch up (etcd TestCancelUnsynced)', () => {
    const { store } = setup();
    store.put('foo', 'bar');
    const c = new Consumer();
    const w = store.watch('foo', '', 1, 0, c.sink);
    store.cancelWatcher(w);
    expect(store.syncWatchers()).toBe(false);
    expect(c.got).toEqual([]);
  });
});

describe('victims', () => {
  it('hold what a full consumer missed and deliver it in order, without gaps or repeats', () => {
    const { store } = setup();
    const c = new Consumer();
    store.watch('foo', '', 0, 0, c.sink);
    store.put('foo', 'a'); // 2
    c.full = true;
    store.put('foo', 'b'); // 3: victim
    store.put('foo', 'c'); // 4: missed while a victim
    expect(store.watcherCounts()).toEqual({ synced: 0, unsynced: 0, victims: 1 });
    expect(store.syncVictims()).toBe(true);
    c.full = false;
    expect(store.syncVictims()).toBe(false);
    expect(store.watcherCounts()).toEqual({ synced: 0, unsynced: 1, victims: 0 });
    store.put('foo', 'd'); // 5: not notified live, read in the catch-up
    expect(store.syncWatchers()).toBe(false);
    store.put('foo', 'e'); // 6: synced again
    expect(c.revisions()).toEqual([2, 3, 4, 5, 6]);
    // The victim's retry speaks for the revision it had reached.
    expect(c.got[1]).toMatchObject({ revision: 3, events: [{ kv: { modRevision: 3 } }] });
  });

  it('go back to synced when nothing happened meanwhile', () => {
    const { store } = setup();
    const c = new Consumer();
    store.watch('foo', '', 0, 0, c.sink);
    c.full = true;
    store.put('foo', 'a');
    c.full = false;
    store.syncVictims();
    expect(store.watcherCounts()).toEqual({ synced: 1, unsynced: 0, victims: 0 });
  });

  it('can be cancelled while they wait', () => {
    const { store } = setup();
    const c = new Consumer();
    const w = store.watch('foo', '', 0, 0, c.sink);
    c.full = true;
    store.put('foo', 'a');
    store.cancelWatcher(w);
    c.full = false;
    expect(store.syncVictims()).toBe(false);
    expect(c.got).toEqual([]);
    expect(store.watcherCounts()).toEqual({ synced: 0, unsynced: 0, victims: 0 });
  });
});

describe('deliveries', () => {
  it('refuse a write, compaction or restore from inside a sink, and allow one after it returns', () => {
    const { store } = setup();
    const errors: string[] = [];
    store.watch('foo', '', 0, 0, () => {
      for (const act of [() => store.put('x', '1'), () => store.compact(1), () => store.restore()]) {
        try {
          act();
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      return true;
    });
    store.put('foo', 'a');
    expect(errors).toEqual([
      'mvcc: write from inside a watch delivery',
      'mvcc: compact from inside a watch delivery',
      'mvcc: restore from inside a watch delivery',
    ]);
    expect(store.rev()).toBe(2);
    store.put('x', '1');
    expect(store.rev()).toBe(3);
  });
});

describe('restore', () => {
  it('moves synced watchers to catch up on the restored backend (etcd TestWatchRestore)', () => {
    const source = setup();
    const rev = source.store.put('foo', 'bar');
    const { store, backend } = setup();
    const c = new Consumer();
    store.watch('foo', '', rev - 1, 0, c.sink);
    store.syncWatchers();
    backend.replaceWith(source.backend);
    store.restore();
    store.syncWatchers();
    expect(c.got).toEqual([{ watchId: 0, revision: rev, compactRevision: 0, events: [put('foo', 'bar', 2, 2, 1)] }]);
  });

  it('keeps a watcher of a future revision waiting for it (etcd TestWatchRestoreSyncedWatcher)', () => {
    const s1 = setup();
    const rev = s1.store.put('foo', 'bar');
    const c = new Consumer();
    s1.store.watch('foo', '', rev + 2, 0, c.sink);
    const s2 = setup();
    s2.store.put('foo', 'bar');
    s2.store.put('foo', 'bar');
    s1.backend.replaceWith(s2.backend);
    s1.store.restore();
    expect(s1.store.syncWatchers()).toBe(false);
    s1.store.put('foo', 'bar');
    expect(c.got).toEqual([{ watchId: 0, revision: rev + 2, compactRevision: 0, events: [put('foo', 'bar', 2, 4, 3)] }]);
  });

  it('does not resend what a synced watcher already had', () => {
    const { store } = setup();
    const c = new Consumer();
    store.watch('foo', '', 0, 0, c.sink);
    store.put('foo', 'a');
    store.put('foo', 'b');
    store.restore();
    store.syncWatchers();
    store.put('foo', 'c');
    expect(c.revisions()).toEqual([2, 3, 4]);
  });
});
