import { describe, expect, it as vitestIt } from 'vitest';
import type { LeaseStore, PersistedLease } from '../../src/lease/index.ts';

/**
 * What a `LeaseStore` must do, as a reusable suite (after etcd's TestLeaseBackend): the Map-based
 * store and the SQLite one both run it. `make` returns a fresh, empty store; `reopen` (optional)
 * builds a new instance over the same durable state, as a restart does; `around` runs each body
 * where the store is usable (a Durable Object's storage only inside that object).
 */
export interface LeaseStoreContractOptions {
  reopen?: () => LeaseStore;
  around?: (body: () => Promise<void>) => Promise<void>;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const byId = (a: PersistedLease, b: PersistedLease): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const sorted = (rows: PersistedLease[]): PersistedLease[] => [...rows].sort(byId);

export function describeLeaseStoreContract(name: string, make: () => LeaseStore, options: LeaseStoreContractOptions = {}): void {
  const it = (title: string, body: () => Promise<void> | void): void => {
    vitestIt(title, () => (options.around ?? ((b) => b()))(async () => body()));
  };
  /** The store as a restart sees it (or the same one when the suite has no restart). */
  const reopened = (store: LeaseStore): LeaseStore => options.reopen?.() ?? store;

  describe(`${name} (lease store contract)`, () => {
    it('is empty at first', () => {
      expect(make().all()).toEqual([]);
    });

    it('returns every lease put, each once, with its TTL and remaining TTL', () => {
      const store = make();
      store.put(1n, 10, 0);
      store.put(2n, 20, 7);
      expect(sorted(reopened(store).all())).toEqual([
        { id: 1n, ttl: 10, remainingTtl: 0 },
        { id: 2n, ttl: 20, remainingTtl: 7 },
      ]);
    });

    it('replaces a lease put again (a checkpoint rewrites its row)', () => {
      const store = make();
      store.put(5n, 30, 0);
      store.put(5n, 30, 12);
      expect(reopened(store).all()).toEqual([{ id: 5n, ttl: 30, remainingTtl: 12 }]);
    });

    it('skips deleted leases, and deleting a missing lease is not an error', () => {
      const store = make();
      store.put(-1n, 2, 0);
      store.put(INT64_MIN, 2, 0);
      store.put(INT64_MAX, 3, 0);
      store.delete(-1n);
      store.delete(42n);
      expect(sorted(reopened(store).all())).toEqual([
        { id: INT64_MIN, ttl: 2, remainingTtl: 0 },
        { id: INT64_MAX, ttl: 3, remainingTtl: 0 },
      ]);
    });

    it('keeps the full 64 bits of an ID and TTLs up to etcd\'s maximum exactly', () => {
      const store = make();
      const id = 0x688da234be0aba05n;
      store.put(id, 9_000_000_000, 8_999_999_999);
      const [row] = reopened(store).all();
      expect(row).toEqual({ id, ttl: 9_000_000_000, remainingTtl: 8_999_999_999 });
      expect(typeof row!.id).toBe('bigint');
    });

    it('holds many leases', () => {
      const store = make();
      for (let i = 1; i <= 500; i++) store.put(BigInt(i) * 1_000_003n, i, 0);
      for (let i = 1; i <= 500; i += 2) store.delete(BigInt(i) * 1_000_003n);
      const rows = reopened(store).all();
      expect(rows).toHaveLength(250);
      expect(new Set(rows.map((r) => r.id)).size).toBe(250);
      expect(rows.every((r) => r.id === BigInt(r.ttl) * 1_000_003n && r.ttl % 2 === 0)).toBe(true);
    });
  });
}
