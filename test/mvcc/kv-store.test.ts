import { describe, expect, it } from 'vitest';
import {
  CompactedError,
  FutureRevError,
  KVStore,
  NO_LEASE,
  type KeyValue,
  type RangeOptions,
  type RangeResult,
} from '../../src/mvcc/index.ts';
import { MemoryBackend } from '../helpers/memory-backend.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { kv, LeaseItems } from './helpers.ts';

function newStore(backend = new MemoryBackend(), leases = new LeaseItems()) {
  return { store: new KVStore(backend, { leases }), backend, leases };
}

/** etcd's put3TestKVs. */
function put3(store: KVStore): KeyValue[] {
  store.put('foo', 'bar', 1n);
  store.put('foo1', 'bar1', 2n);
  store.put('foo2', 'bar2', 3n);
  return [kv('foo', 'bar', 2, 2, 1, 1n), kv('foo1', 'bar1', 3, 3, 1, 2n), kv('foo2', 'bar2', 4, 4, 1, 3n)];
}

type RangeFn = (s: KVStore, key: string, end: string, o?: RangeOptions) => RangeResult;
const ranges: [string, RangeFn][] = [
  ['the store', (s, key, end, o) => s.range(key, end, o)],
  ['a write txn', (s, key, end, o) => {
    const txn = s.write();
    try {
      return txn.range(key, end, o);
    } finally {
      txn.end();
    }
  }],
];

describe.each(ranges)('range through %s', (_name, range) => {
  it('answers etcd TestKVRange: nothing, a single key, [key, end) and the whole keyspace', () => {
    const { store } = newStore();
    const kvs = put3(store);
    const cases: [string, string, KeyValue[]][] = [
      ['doo', 'foo', []],
      ['foo', 'foo', []],
      ['doo', '', []],
      ['foo', 'foo3', kvs],
      ['foo', 'foo1', kvs.slice(0, 1)],
      ['foo', '', kvs.slice(0, 1)],
      ['', '\0', kvs],
    ];
    for (const [key, end, want] of cases) {
      const r = range(store, key, end);
      expect(r.rev).toBe(4);
      expect(r.kvs, `${key}..${end}`).toEqual(want);
    }
  });

  it('reads at an older revision (0 or below: the current one)', () => {
    const { store } = newStore();
    const kvs = put3(store);
    const cases: [number, KeyValue[]][] = [[-1, kvs], [0, kvs], [2, kvs.slice(0, 1)], [3, kvs.slice(0, 2)], [4, kvs]];
    for (const [rev, want] of cases) {
      const r = range(store, 'foo', 'foo3', { rev });
      expect(r.rev).toBe(4);
      expect(r.kvs, `rev ${rev}`).toEqual(want);
    }
  });

  it('refuses compacted and future revisions, the compacted one itself still readable', () => {
    const { store } = newStore();
    put3(store);
    store.compact(4);
    const cases: [number, (new () => Error) | undefined][] = [
      [-1, undefined], [0, undefined], [1, CompactedError], [2, CompactedError], [4, undefined], [5, FutureRevError], [100, FutureRevError],
    ];
    for (const [rev, error] of cases) {
      if (error === undefined) expect(() => range(store, 'foo', 'foo3', { rev })).not.toThrow();
      else expect(() => range(store, 'foo', 'foo3', { rev })).toThrow(error);
    }
  });

  it('limits the key-values but counts every match', () => {
    const { store } = newStore();
    const kvs = put3(store);
    const cases: [number, KeyValue[]][] = [[-1, kvs], [0, kvs], [1, kvs.slice(0, 1)], [2, kvs.slice(0, 2)], [3, kvs], [100, kvs]];
    for (const [limit, want] of cases) {
      const r = range(store, 'foo', 'foo3', { limit });
      expect(r.kvs, `limit ${limit}`).toEqual(want);
      expect(r.rev).toBe(4);
      expect(r.count).toBe(3);
    }
  });

  it('counts without fetching a value when asked for the count only', () => {
    const { store, backend } = newStore();
    put3(store);
    const reads = backend.calls.getKeyRows;
    const r = range(store, 'foo', '\0', { count: true, rev: 3 });
    expect(r).toEqual({ kvs: [], rev: 4, count: 2 });
    expect(backend.calls.getKeyRows).toBe(reads);
  });
});

describe('put', () => {
  it('keeps the create revision and counts versions, moving the key from lease to lease', () => {
    const { store, leases } = newStore();
    for (let i = 0; i < 10; i++) {
      const base = i + 1;
      expect(store.put('foo', 'bar', BigInt(base))).toBe(base + 1);
      expect(store.range('foo', '').kvs).toEqual([kv('foo', 'bar', 2, base + 1, base, BigInt(base))]);
      expect(leases.byKey.get('foo')).toBe(BigInt(base));
    }
    expect(leases.calls.slice(0, 3)).toEqual(['attach 1 foo', 'detach 1 foo', 'attach 2 foo']);
    store.put('foo', 'bar');
    expect(leases.byKey.has('foo')).toBe(false);
  });

  it('throws on a lease when the store has no lessor, as etcd panics', () => {
    const store = new KVStore(new MemoryBackend());
    expect(() => store.put('foo', 'bar', 5n)).toThrow(/no lessor/);
  });

  it('alternates with deletes: each life starts at version 1 at its own revision', () => {
    const { store } = newStore();
    for (let i = 0; i < 10; i++) {
      const base = i * 2 + 1;
      expect(store.put('foo', 'bar')).toBe(base + 1);
      const r = store.range('foo', '', { rev: base + 1 });
      expect(r.kvs).toEqual([kv('foo', 'bar', base + 1, base + 1, 1)]);
      expect(r.rev).toBe(base + 1);
      expect(store.deleteRange('foo', '')).toEqual({ deleted: 1, rev: base + 2 });
      expect(store.range('foo', '', { rev: base + 2 })).toEqual({ kvs: [], rev: base + 2, count: 0 });
    }
  });
});

describe('deleteRange', () => {
  it('answers etcd TestKVDeleteRange: how many, and a revision only if something went', () => {
    const cases: [string, string, number, number][] = [
      ['foo', '', 5, 1],
      ['foo', 'foo1', 5, 1],
      ['foo', 'foo2', 5, 2],
      ['foo', 'foo3', 5, 3],
      ['foo3', 'foo8', 4, 0],
      ['foo3', '', 4, 0],
    ];
    for (const [key, end, rev, deleted] of cases) {
      const { store } = newStore();
      store.put('foo', 'bar');
      store.put('foo1', 'bar1');
      store.put('foo2', 'bar2');
      expect(store.deleteRange(key, end), `${key}..${end}`).toEqual({ deleted, rev });
    }
  });

  it('deletes a key once; later deletes change nothing', () => {
    const { store } = newStore();
    store.put('foo', 'bar');
    expect(store.deleteRange('foo', '')).toEqual({ deleted: 1, rev: 3 });
    for (let i = 0; i < 10; i++) expect(store.deleteRange('foo', '')).toEqual({ deleted: 0, rev: 3 });
    expect(store.rev()).toBe(3);
  });

  it('detaches the deleted keys from their leases', () => {
    const { store, leases } = newStore();
    store.put('a', '1', 7n);
    store.put('b', '2');
    store.deleteRange('a', 'c');
    expect(leases.byKey.size).toBe(0);
    expect(leases.calls).toEqual(['attach 7 a', 'detach 7 a']);
  });
});

describe('write txn', () => {
  it('gives all its changes one revision, in order, and sees its own writes', () => {
    const { store, backend } = newStore();
    store.put('a', 'old');
    const before = store.read();
    const txn = store.write();
    expect(txn.rev()).toBe(2);
    expect(txn.put('a', 'new')).toBe(3);
    expect(txn.put('b', 'x')).toBe(3);
    expect(txn.range('a', 'c').kvs).toEqual([kv('a', 'new', 2, 3, 2), kv('b', 'x', 3, 3, 1)]);
    expect(txn.range('a', 'c', { rev: 2 }).kvs).toEqual([kv('a', 'old', 2, 2, 1)]);
    expect(txn.deleteRange('b', '')).toEqual({ deleted: 1, rev: 3 });
    expect(txn.range('a', 'c').kvs).toEqual([kv('a', 'new', 2, 3, 2)]);
    // Another view opened before does not see the open txn.
    expect(before.range('a', 'c').kvs).toEqual([kv('a', 'old', 2, 2, 1)]);
    expect(store.range('a', 'c').kvs).toEqual([kv('a', 'old', 2, 2, 1)]);
    const rowsBefore = backend.calls.putKeyRows;
    txn.end();
    expect(backend.calls.putKeyRows).toBe(rowsBefore + 1);
    expect(txn.changes()).toEqual([
      kv('a', 'new', 2, 3, 2),
      kv('b', 'x', 3, 3, 1),
      { key: 'b', value: '', createRevision: 0, modRevision: 0, version: 0, lease: NO_LEASE },
    ]);
    expect(store.rev()).toBe(3);
    expect(store.range('a', 'c').kvs).toEqual([kv('a', 'new', 2, 3, 2)]);
    expect(store.range('b', '', { rev: 3 }).kvs).toEqual([]);
  });

  it('takes no revision when it changes nothing', () => {
    const { store } = newStore();
    store.put('a', '1');
    const txn = store.write();
    expect(txn.range('a', '').kvs.length).toBe(1);
    expect(txn.deleteRange('zzz', '')).toEqual({ deleted: 0, rev: 2 });
    txn.end();
    expect(store.rev()).toBe(2);
  });

  it('refuses a second write txn while one is open, and use after end', () => {
    const { store } = newStore();
    const txn = store.write();
    expect(() => store.write()).toThrow();
    txn.end();
    expect(() => txn.put('a', 'b')).toThrow();
    store.write().end();
  });
});

describe('compaction', () => {
  it('keeps the value live just after each compacted revision (etcd TestKVCompactReserveLastValue)', () => {
    const { store } = newStore();
    store.put('foo', 'bar0', 1n);
    store.put('foo', 'bar1', 2n);
    store.deleteRange('foo', '');
    store.put('foo', 'bar2', 3n);
    const cases: [number, KeyValue[]][] = [
      [1, [kv('foo', 'bar0', 2, 2, 1, 1n)]],
      [2, [kv('foo', 'bar1', 2, 3, 2, 2n)]],
      [3, []],
      [4, [kv('foo', 'bar2', 5, 5, 1, 3n)]],
    ];
    for (const [rev, want] of cases) {
      store.compact(rev);
      while (store.runCompactionStep());
      expect(store.range('foo', '', { rev: rev + 1 }).kvs, `after compact(${rev})`).toEqual(want);
    }
  });

  it('refuses a revision not after the last compaction or after the current one', () => {
    const { store } = newStore();
    store.put('foo', 'bar0');
    store.put('foo', 'bar1');
    store.put('foo', 'bar2');
    store.compact(0);
    store.compact(1);
    expect(() => store.compact(1)).toThrow(CompactedError);
    store.compact(4);
    expect(() => store.compact(5)).toThrow(FutureRevError);
    expect(() => store.compact(100)).toThrow(FutureRevError);
    expect(store.compactRev()).toBe(4);
  });

  it('deletes rows in bounded steps, the backend shrinking, and records the finish', () => {
    const backend = new MemoryBackend();
    const store = new KVStore(backend, { compactionBatchLimit: 10 });
    for (let i = 0; i < 50; i++) store.put('k', `v${i}`);
    const sizeBefore = backend.size();
    store.compact(40);
    expect(() => store.range('k', '', { rev: 39 })).toThrow(CompactedError);
    expect(backend.rowCount).toBe(50);
    expect(backend.getMeta('scheduledCompactRev')).toBe('40');
    let steps = 0;
    while (store.runCompactionStep()) steps++;
    // Revisions 2..40 are at or below 40: 39 rows, 10 a step; the 4th step reads 9 and finishes.
    expect(steps).toBe(3);
    expect(backend.rowCount).toBe(12);
    expect(backend.size()).toBeLessThan(sizeBefore);
    expect(backend.getMeta('finishedCompactRev')).toBe('40');
    expect(store.compactionPending()).toBe(false);
    expect(store.range('k', '', { rev: 40 }).kvs[0]?.value).toBe('v38');
  });

  it('lets a newer compaction replace a pending one', () => {
    const backend = new MemoryBackend();
    const store = new KVStore(backend, { compactionBatchLimit: 2 });
    for (let i = 0; i < 10; i++) store.put('k', `v${i}`);
    store.compact(5);
    store.runCompactionStep();
    store.compact(8);
    while (store.runCompactionStep());
    expect(backend.rowCount).toBe(4); // revisions 8 (kept), 9, 10, 11
    expect(backend.getMeta('finishedCompactRev')).toBe('8');
  });
});

describe('restore', () => {
  const histories: [string, (s: KVStore) => void][] = [
    ['puts with leases', (s) => {
      s.put('foo', 'bar0', 1n);
      s.put('foo', 'bar1', 2n);
      s.put('foo', 'bar2', 3n);
      s.put('foo2', 'bar0', 1n);
    }],
    ['a delete between puts', (s) => {
      s.put('foo', 'bar0', 1n);
      s.deleteRange('foo', '');
      s.put('foo', 'bar1', 2n);
    }],
    ['a compaction', (s) => {
      s.put('foo', 'bar0', 1n);
      s.put('foo', 'bar1', 2n);
      s.compact(1);
    }],
    ['an unfinished compaction', (s) => {
      for (let i = 0; i < 5; i++) s.put(`k${i % 2}`, `v${i}`);
      s.deleteRange('k0', '');
      s.compact(4);
    }],
  ];

  const history = (s: KVStore) => Array.from({ length: 10 }, (_, rev) => {
    try {
      return s.range('a', 'z', { rev }).kvs;
    } catch (e) {
      return (e as Error).message;
    }
  });

  it.each(histories)('rebuilds the same store from the backend after %s (etcd TestKVRestore)', (_name, write) => {
    const { store, backend, leases } = newStore();
    write(store);
    const before = { history: history(store), rev: store.rev(), compactRev: store.compactRev(), leases: [...leases.byKey] };
    const reopened = new LeaseItems();
    const again = new KVStore(backend, { leases: reopened });
    expect({ history: history(again), rev: again.rev(), compactRev: again.compactRev(), leases: [...reopened.byKey] }).toEqual(before);
  });

  it('restores in place from the same backend (etcd Restore)', () => {
    const { store, leases } = newStore();
    store.put('foo', 'a', 9n);
    store.put('foo', 'b');
    store.put('bar', 'c', 9n);
    const before = history(store);
    leases.byKey.clear();
    store.restore();
    expect(history(store)).toEqual(before);
    expect([...leases.byKey]).toEqual([['bar', 9n]]);
  });

  it('keeps deletes across a restart, whatever the scan chunking (etcd TestRestoreDelete)', () => {
    const random = seededRandom(7);
    const { store, backend } = newStore();
    const live = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const key = `foo-${i}`;
      store.put(key, 'bar');
      live.add(key);
      const pick = Math.floor(random() * 3);
      if (pick === 0) {
        const old = `foo-${Math.floor(random() * (i + 1))}`;
        store.put(old, 'baz');
        live.add(old);
      } else if (pick === 1) {
        const victim = [...live][Math.floor(random() * live.size)]!;
        store.deleteRange(victim, '');
        live.delete(victim);
      }
    }
    const again = new KVStore(backend, { leases: new LeaseItems() });
    for (let i = 0; i < 200; i++) {
      expect(again.range(`foo-${i}`, '').kvs.length, `foo-${i}`).toBe(live.has(`foo-${i}`) ? 1 : 0);
    }
  });

  it('resumes a compaction scheduled but not finished (etcd TestRestoreContinueUnfinishedCompaction)', () => {
    const { store, backend } = newStore();
    store.put('foo', 'bar');
    store.put('foo', 'bar1');
    store.put('foo', 'bar2');
    backend.putMeta('scheduledCompactRev', '3');
    const again = new KVStore(backend);
    expect(() => again.range('foo', '', { rev: 2 })).toThrow(CompactedError);
    expect(again.compactionPending()).toBe(true);
    while (again.runCompactionStep());
    expect(backend.getKeyRows([{ main: 2, sub: 0 }, { main: 3, sub: 0 }]).map((r) => r?.value)).toEqual([undefined, 'bar1']);
    expect(backend.getMeta('finishedCompactRev')).toBe('3');
  });

  it('keeps the revision of a fully compacted store whose last write was a delete (etcd TestCompactAllAndRestore)', () => {
    const { store, backend } = newStore();
    store.put('foo', 'bar');
    store.put('foo', 'bar1');
    store.put('foo', 'bar2');
    store.deleteRange('foo', '');
    const rev = store.rev();
    store.compact(rev);
    while (store.runCompactionStep());
    expect(backend.rowCount).toBe(0);
    const again = new KVStore(backend);
    expect(again.rev()).toBe(rev);
    expect(again.range('foo', '').kvs).toEqual([]);
  });

  it('rebuilds an index larger than one restore scan (10,000 rows)', () => {
    const { store, backend } = newStore();
    for (let i = 0; i < 10_050; i++) store.put(`k${i % 5000}`, `v${i}`);
    store.deleteRange('k0', '');
    const again = new KVStore(backend);
    expect(again.rev()).toBe(store.rev());
    expect(again.range('\0', '\0', { count: true }).count).toBe(4999);
    expect(again.range('k4999', '').kvs).toEqual([kv('k4999', 'v9999', 5001, 10001, 2)]);
    expect(again.range('k1', '').kvs).toEqual([kv('k1', 'v10001', 3, 10003, 3)]);
  });

  it('restores the consistent index', () => {
    const { store, backend } = newStore();
    expect(store.consistentIndex()).toBe(0);
    store.setConsistentIndex(42);
    expect(new KVStore(backend).consistentIndex()).toBe(42);
  });
});

describe('hashByRev', () => {
  // Measured on etcd 3.4.23 (`etcdctl endpoint hashkv --rev`), the same operations through the
  // JSON gateway, with physical compactions.
  it('gives real etcd hashes for the same history, compactions included', () => {
    const { store } = newStore();
    expect(store.hashByRev(0)).toEqual({ hash: 1084519789, currentRev: 1, compactRev: -1 });
    store.put('foo', 'bar');
    expect(store.hashByRev(0).hash).toBe(3305255506);
    store.put('foo', 'baz');
    store.put('a', '1');
    expect(store.hashByRev(0)).toEqual({ hash: 3093655596, currentRev: 4, compactRev: -1 });
    store.deleteRange('foo', '');
    expect(store.hashByRev(0).hash).toBe(4155522675);
    expect(store.hashByRev(3).hash).toBe(2020292994);
    const txn = store.write();
    txn.put('x', '1');
    txn.put('y', '2');
    txn.deleteRange('a', '');
    txn.end();
    expect(store.hashByRev(0).hash).toBe(1511967452);
    store.put('l', 'v', 7587848993461075000n);
    expect(store.hashByRev(0).hash).toBe(1430533287);
    store.compact(4);
    // Before and after the rows are deleted: the same hash.
    expect(store.hashByRev(0)).toEqual({ hash: 1978356200, currentRev: 7, compactRev: 4 });
    while (store.runCompactionStep());
    expect(store.hashByRev(0)).toEqual({ hash: 1978356200, currentRev: 7, compactRev: 4 });
    expect(store.hashByRev(5).hash).toBe(958482003);
    expect(store.hashByRev(6).hash).toBe(1527024025);
    store.put('foo', 'again');
    store.compact(8);
    expect(store.hashByRev(0)).toEqual({ hash: 115736289, currentRev: 8, compactRev: 8 });
    store.deleteRange('x', 'z');
    expect(store.hashByRev(0).hash).toBe(1933146445);
  });

  it('hashes no rows for a negative revision, as etcd 3.4.23 does (checked with etcdctl endpoint hashkv --rev=-1)', () => {
    const { store } = newStore();
    store.put('foo', 'bar');
    expect(store.hashByRev(-1)).toEqual({ hash: 1084519789, currentRev: 2, compactRev: -1 });
  });

  it('refuses compacted and future revisions; 0 is the current one (etcd TestHashKVZeroRevision)', () => {
    const { store } = newStore();
    for (let i = 2; i <= 300; i++) store.put('foo', `bar${i}`);
    store.compact(150);
    expect(store.hashByRev(0).hash).toBe(store.hashByRev(300).hash);
    expect(() => store.hashByRev(150)).toThrow(CompactedError);
    expect(() => store.hashByRev(301)).toThrow(FutureRevError);
  });

  it('does not depend on how far a compaction has run (etcd TestHashKVWhenCompacting)', () => {
    const backend = new MemoryBackend();
    const store = new KVStore(backend, { compactionBatchLimit: 7 });
    for (let i = 2; i <= 200; i++) store.put(`foo${i % 3}`, `bar${i}`);
    store.compact(120);
    const hashes = new Set([store.hashByRev(200).hash]);
    while (store.runCompactionStep()) hashes.add(store.hashByRev(200).hash);
    hashes.add(store.hashByRev(200).hash);
    expect(hashes.size).toBe(1);
  });
});
