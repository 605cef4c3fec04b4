import { describe, expect, it } from 'vitest';
import { KVStore, WatchableStore, WatchStream, type StoreCounts } from '../../src/mvcc/index.ts';
import { MemoryBackend } from '../helpers/memory-backend.ts';

const counted = (store: KVStore, ...names: (keyof StoreCounts)[]): Partial<StoreCounts> =>
  Object.fromEntries(names.map((n) => [n, store.counts[n]]));

// etcd's metricsTxnWrite (mvcc/metrics_txn.go) and keyIndex's keysGauge, case by case.
describe("the store's counts of what it ran", () => {
  it('counts each range, put and delete, and a txn only when a view or txn ran more than one', () => {
    const store = new KVStore(new MemoryBackend());
    store.put('a', '12');
    store.range('a', '');
    store.deleteRange('a', '');
    expect(counted(store, 'puts', 'ranges', 'deletes', 'txns', 'putBytes')).toEqual({ puts: 1, ranges: 1, deletes: 1, txns: 0, putBytes: 3 });

    const txn = store.write();
    txn.range('b', '');
    txn.put('b', 'x');
    txn.put('c', 'y');
    txn.end();
    const view = store.read();
    view.range('b', '');
    view.range('c', '');
    view.end();
    expect(counted(store, 'puts', 'ranges', 'txns', 'putBytes')).toEqual({ puts: 3, ranges: 4, txns: 2, putBytes: 7 });
  });

  it('counts the operations of a view that is never ended, but not as a txn', () => {
    const store = new KVStore(new MemoryBackend());
    const view = store.read();
    view.range('a', '');
    view.range('b', '');
    expect(counted(store, 'ranges', 'txns')).toEqual({ ranges: 2, txns: 0 });
  });

  it('counts live keys: one per creation, minus one per delete, overwrites not at all', () => {
    const store = new KVStore(new MemoryBackend());
    store.put('a', '1');
    store.put('a', '2');
    store.put('b', '1');
    expect(store.counts.keys).toBe(2);
    store.deleteRange('a', '\0');
    expect(store.counts.keys).toBe(0);
    store.put('a', '3');
    // A delete and a re-creation in one txn: the key lives on, counted once.
    const txn = store.write();
    txn.deleteRange('a', '');
    txn.put('a', '4');
    txn.end();
    expect(store.counts.keys).toBe(1);
  });

  it('recounts the live keys from the backend on a restore', () => {
    const backend = new MemoryBackend();
    const store = new KVStore(backend);
    for (const k of ['a', 'b', 'c']) store.put(k, 'v');
    store.deleteRange('b', '');
    expect(new KVStore(backend).counts.keys).toBe(2);
    store.restore();
    expect(store.counts.keys).toBe(2);
  });

  it('counts the rows physical compaction deletes', () => {
    const store = new KVStore(new MemoryBackend(), { compactionBatchLimit: 2 });
    for (let i = 0; i < 5; i++) store.put('k', String(i));
    store.deleteRange('gone', '');
    store.put('gone', 'x');
    store.deleteRange('gone', '');
    store.compact(store.rev());
    while (store.runCompactionStep());
    // k's four older versions, gone's put and the tombstone at the compacted revision.
    expect(store.counts.compactedRows).toBe(6);
  });

  it('counts watch streams open, the events they delivered, and prev_kv lookups as ranges', () => {
    const store = new WatchableStore(new MemoryBackend());
    const stream = new WatchStream(store, () => true);
    const other = new WatchStream(store, () => true);
    expect(store.counts.watchStreams).toBe(2);
    stream.create({ key: 'a', rangeEnd: '\0', startRevision: 0, progressNotify: false, filters: [], prevKv: true, watchId: 0 });
    store.put('a', '1');
    store.put('a', '2');
    const txn = store.write();
    txn.put('b', '1');
    txn.put('c', '1');
    txn.end();
    expect(store.counts.events).toBe(4);
    // Only the overwrite of a needs its previous value: a create has none to look up.
    expect(store.counts.ranges).toBe(1);
    other.close();
    other.close();
    expect(store.counts.watchStreams).toBe(1);
  });
});
