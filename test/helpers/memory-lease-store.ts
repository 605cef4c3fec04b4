import type { LeaseId, LeaseStore, PersistedLease } from '../../src/lease/index.ts';

/**
 * The lessor's `LeaseStore` in a Map: the "lease bucket" of a simulated member. It survives a
 * simulated restart (the test keeps it and builds a new lessor on it).
 */
export class MemoryLeaseStore implements LeaseStore {
  private readonly rows = new Map<LeaseId, PersistedLease>();
  writes = 0;

  put(id: LeaseId, ttl: number, remainingTtl: number): void {
    this.writes++;
    this.rows.set(id, { id, ttl, remainingTtl });
  }

  delete(id: LeaseId): void {
    this.writes++;
    this.rows.delete(id);
  }

  all(): PersistedLease[] {
    return [...this.rows.values()].map((row) => ({ ...row }));
  }
}
