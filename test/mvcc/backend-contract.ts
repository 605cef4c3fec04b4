import { describe, expect, it as vitestIt } from 'vitest';
import { KVStore, WatchableStore, type Backend, type KeyRow, type Revision } from '../../src/mvcc/index.ts';

/**
 * What an mvcc `Backend` must do, as a reusable suite: the memory backend runs it in Node
 * (memory-backend.test.ts) and the SQLite backend in workerd on real Durable Object storage
 * (test/member/sqlite-mvcc-backend.test.ts).
 *
 *   describeBackendContract('SqliteMvccBackend', () => new SqliteMvccBackend(sql), { reopen, around });
 *
 * `make` returns a fresh, empty backend. `reopen` builds a new instance over the same durable
 * state (a restart). `around` runs each test body where the backend can be used (a Durable
 * Object's storage only inside that object).
 */
export interface BackendContractOptions {
  reopen?: (b: Backend) => Backend;
  around?: (body: () => Promise<void>) => Promise<void>;
}

const ALL_BYTES = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

export function row(main: number, sub: number, key: string, value: string, more: Partial<KeyRow> = {}): KeyRow {
  return { main, sub, tombstone: false, key, value, createRevision: main, modRevision: main, version: 1, lease: 0n, ...more };
}

export function tombstone(main: number, sub: number, key: string): KeyRow {
  return { main, sub, tombstone: true, key, value: '', createRevision: 0, modRevision: 0, version: 0, lease: 0n };
}

const rev = (main: number, sub = 0): Revision => ({ main, sub });
const head = ({ value: _value, ...h }: KeyRow) => h;
const END = rev(Number.MAX_SAFE_INTEGER);

export function describeBackendContract(name: string, make: () => Backend, options: BackendContractOptions = {}): void {
  const around = options.around;
  const it = (title: string, body: () => Promise<void> | void): void => {
    vitestIt(title, () => (around === undefined ? Promise.resolve(body()) : around(async () => body())));
  };

  describe(`${name} (mvcc backend contract)`, () => {
    it('starts empty', () => {
      const b = make();
      expect(b.scanKeyRows({ from: rev(0), to: END }, 10)).toEqual([]);
      expect(b.scanKeyHeads({ from: rev(0), to: END }, 10)).toEqual([]);
      expect(b.getKeyRows([rev(2)])).toEqual([undefined]);
      expect(b.getMeta('consistent_index')).toBeUndefined();
    });

    it('gives rows back as written: every byte of keys and values, tombstones, 63-bit leases', () => {
      const b = make();
      const rows = [
        row(2, 0, ALL_BYTES, ALL_BYTES, { lease: 2n ** 63n - 1n, version: 7, createRevision: 1 }),
        row(2, 1, '\x00', '', { lease: 1n }),
        tombstone(3, 0, '\xff\x00\xff'),
        row(2 ** 40 + 3, 2 ** 33, 'big', 'revisions', { createRevision: 2 ** 40, modRevision: 2 ** 40 + 3 }),
      ];
      b.putKeyRows(rows);
      expect(b.getKeyRows(rows.map((r) => rev(r.main, r.sub)))).toEqual(rows);
      expect(b.scanKeyRows({ from: rev(0), to: END }, 10)).toEqual(rows);
      expect(b.scanKeyHeads({ from: rev(0), to: END }, 10)).toEqual(rows.map(head));
    });

    it('answers many revisions in one call, in the order asked, with holes where no row is', () => {
      const b = make();
      const rows = Array.from({ length: 250 }, (_, i) => row(i + 2, 0, `k${i}`, `v${i}`));
      b.putKeyRows(rows);
      const asked = [rev(200), rev(1000), ...rows.map((r) => rev(r.main)).reverse(), rev(2, 1)];
      const got = b.getKeyRows(asked);
      expect(got[0]).toEqual(rows[198]);
      expect(got[1]).toBeUndefined();
      expect(got.slice(2, 252)).toEqual([...rows].reverse());
      expect(got[252]).toBeUndefined();
    });

    it('scans in revision order between bounds, sub included, up to a limit', () => {
      const b = make();
      b.putKeyRows([row(2, 0, 'a', '1'), row(2, 1, 'b', '2'), row(2, 2, 'c', '3')]);
      b.putKeyRows([tombstone(3, 0, 'a')]);
      b.putKeyRows([row(256, 0, 'd', '4'), row(2 ** 32, 0, 'e', '5')]);
      const keys = (from: Revision, to: Revision, limit: number) => b.scanKeyRows({ from, to }, limit).map((r) => r.key);
      expect(keys(rev(0), END, 100)).toEqual(['a', 'b', 'c', 'a', 'd', 'e']);
      expect(keys(rev(2, 1), rev(3), 100)).toEqual(['b', 'c']);
      expect(keys(rev(2, 1), rev(3, 1), 100)).toEqual(['b', 'c', 'a']);
      expect(keys(rev(3), END, 2)).toEqual(['a', 'd']);
      expect(keys(rev(257), END, 100)).toEqual(['e']);
      expect(keys(rev(3), rev(3), 100)).toEqual([]);
      expect(keys(rev(9), rev(3), 100)).toEqual([]);
      expect(b.scanKeyHeads({ from: rev(2, 2), to: END }, 2).map((h) => [h.main, h.sub, h.tombstone])).toEqual([[2, 2, false], [3, 0, true]]);
    });

    it('takes many rows in one call', () => {
      const b = make();
      const rows = Array.from({ length: 700 }, (_, i) => row(5, i, `key-${i}`, `value-${i}`, { lease: BigInt(i) }));
      b.putKeyRows(rows);
      expect(b.scanKeyRows({ from: rev(0), to: END }, 1000)).toEqual(rows);
    });

    it('refuses a second row at a revision', () => {
      const b = make();
      b.putKeyRows([row(2, 0, 'a', '1')]);
      expect(() => b.putKeyRows([row(2, 0, 'b', '2')])).toThrow();
    });

    it('deletes rows by revision, ignoring ones it does not hold, and shrinks', () => {
      const b = make();
      const rows = Array.from({ length: 150 }, (_, i) => row(i + 2, 0, `k${i}`, 'x'.repeat(100)));
      b.putKeyRows(rows);
      const full = b.size();
      b.deleteKeyRows([...rows.slice(0, 120).map((r) => rev(r.main)), rev(9999)]);
      expect(b.scanKeyHeads({ from: rev(0), to: END }, 1000).map((h) => h.main)).toEqual(rows.slice(120).map((r) => r.main));
      expect(b.size()).toBeLessThan(full);
    });

    it('counts key and value bytes in its size', () => {
      const b = make();
      const empty = b.size();
      b.putKeyRows([row(2, 0, 'k', 'v'.repeat(1_000_000))]);
      const big = b.size();
      expect(big - empty).toBeGreaterThanOrEqual(1_000_000);
      expect(big - empty).toBeLessThan(1_100_000);
      expect(b.getKeyRows([rev(2)])[0]?.value.length).toBe(1_000_000);
    });

    it('keeps meta values, the last write winning', () => {
      const b = make();
      b.putMeta('consistent_index', '5');
      b.putMeta('consistent_index', '6');
      b.putMeta('finishedCompactRev', '3');
      expect(b.getMeta('consistent_index')).toBe('6');
      expect(b.getMeta('finishedCompactRev')).toBe('3');
      expect(b.getMeta('scheduledCompactRev')).toBeUndefined();
    });

    it('clears every row and meta value, to take a snapshot in', () => {
      const b = make();
      const empty = b.size();
      b.putKeyRows([row(2, 0, 'a', 'x'.repeat(1000)), tombstone(3, 0, 'a')]);
      b.putMeta('finishedCompactRev', '2');
      b.clear();
      expect(b.scanKeyHeads({ from: rev(0), to: END }, 10)).toEqual([]);
      expect(b.getMeta('finishedCompactRev')).toBeUndefined();
      expect(b.size()).toBe(empty);
      b.putKeyRows([row(2, 0, 'b', 'y')]);
      expect(b.getKeyRows([rev(2)])[0]?.key).toBe('b');
    });

    it('carries a store: writes, compaction, hash and a watcher catching up', () => {
      const b = make();
      const store = new WatchableStore(b, { compactionBatchLimit: 3, syncBatchRows: 2 });
      for (let i = 0; i < 10; i++) store.put(`k${i % 3}`, `v${i}`);
      store.deleteRange('k1', '');
      const hash = store.hashByRev(0).hash;
      store.compact(8);
      while (store.runCompactionStep());
      expect(store.hashByRev(0).hash).not.toBe(hash);
      expect(store.range('k', 'l', { rev: 8 }).kvs.map((kv) => kv.value)).toEqual(['v6', 'v4', 'v5']);
      const seen: number[] = [];
      store.watch('k', 'l', 8, 0, (r) => {
        seen.push(...r.events.map((e) => e.kv.modRevision));
        return true;
      });
      while (store.syncWatchers());
      expect(seen).toEqual([8, 9, 10, 11, 12]);
    });

    if (options.reopen !== undefined) {
      const reopen = options.reopen;
      it('keeps rows, meta and size across a restart', () => {
        const b = make();
        const rows = [row(2, 0, 'a', ALL_BYTES, { lease: 9n }), tombstone(3, 0, 'a'), row(4, 0, 'b', 'x')];
        b.putKeyRows(rows);
        b.deleteKeyRows([rev(3)]);
        b.putMeta('consistent_index', '12');
        const size = b.size();
        const again = reopen(b);
        expect(again.scanKeyRows({ from: rev(0), to: END }, 10)).toEqual([rows[0], rows[2]]);
        expect(again.getMeta('consistent_index')).toBe('12');
        expect(again.size()).toBe(size);
      });

      it('restores a store from the reopened backend', () => {
        const b = make();
        const store = new KVStore(b, { compactionBatchLimit: 2 });
        for (let i = 0; i < 12; i++) store.put(`k${i % 4}`, `v${i}`);
        store.compact(6);
        store.runCompactionStep();
        store.setConsistentIndex(77);
        const again = new KVStore(reopen(b));
        expect(again.rev()).toBe(store.rev());
        expect(again.compactRev()).toBe(6);
        expect(again.consistentIndex()).toBe(77);
        expect(again.range('\0', '\0').kvs).toEqual(store.range('\0', '\0').kvs);
        expect(again.range('\0', '\0', { rev: 6 }).kvs).toEqual(store.range('\0', '\0', { rev: 6 }).kvs);
        expect(again.hashByRev(0)).toEqual(store.hashByRev(0));
      });
    }
  });
}
