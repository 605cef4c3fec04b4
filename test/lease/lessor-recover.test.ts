import { describe, expect, it } from 'vitest';
import { FOREVER } from '../../src/lease/index.ts';
import { MemoryLeaseStore } from '../helpers/memory-lease-store.ts';
import { newLessor, primaryLessor, T0, TEST_MIN_TTL } from './helpers.ts';

describe('Lessor recovery from its store', () => {
  it('a new lessor over the same store has every lease with its TTL (etcd TestLessorRecover)', () => {
    const { lessor, store } = primaryLessor();
    lessor.grant(1n, 10, T0);
    lessor.grant(2n, 20, T0);
    lessor.grant(3n, 30, T0);
    lessor.revoke(3n);
    const { lessor: restarted } = newLessor({}, store);
    expect(restarted.leasesByExpiry().map((l) => [l.id, l.ttl])).toEqual([
      [1n, 10],
      [2n, 20],
    ]);
  });

  it('recovered leases never expire until the lessor is promoted, then count their full TTL', () => {
    const { lessor, store } = primaryLessor();
    lessor.grant(1n, 10, T0);
    const { lessor: restarted } = newLessor({}, store);
    expect(restarted.lookup(1n)?.expiryMs).toBe(FOREVER);
    expect(restarted.isPrimary).toBe(false);
    restarted.promote(T0 + 60_000, 1_000);
    expect(restarted.lookup(1n)?.expiryMs).toBe(T0 + 60_000 + 11_000);
  });

  it('raises a stored TTL below the minimum to the minimum (a restart with a longer election timeout)', () => {
    const store = new MemoryLeaseStore();
    store.put(1n, 1, 0);
    const { lessor } = newLessor({}, store);
    expect(lessor.lookup(1n)?.ttl).toBe(TEST_MIN_TTL);
    expect(store.all()).toEqual([{ id: 1n, ttl: 1, remainingTtl: 0 }]);
  });

  it('recovers no keys: the mvcc store re-attaches them from its own records', () => {
    const { lessor, store } = newLessor();
    lessor.grant(1n, 10, T0);
    lessor.attach(1n, 'k');
    const { lessor: restarted } = newLessor({}, store);
    expect(restarted.lookup(1n)?.keys()).toEqual([]);
    restarted.attach(1n, 'k');
    expect(restarted.getLease('k')).toBe(1n);
  });

  it('recover() replaces every lease and attachment with a freshly installed store\'s (a snapshot)', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    lessor.attach(1n, 'k');
    const installed = new MemoryLeaseStore();
    installed.put(9n, 40, 0);
    lessor.recover(installed);
    expect(lessor.lookup(1n)).toBeUndefined();
    expect(lessor.getLease('k')).toBe(0n);
    expect(lessor.lookup(9n)?.ttl).toBe(40);
    expect(lessor.expiredLeases(T0 + 1e9)).toEqual([]);
    lessor.grant(10n, 10, T0);
    expect(new Set(installed.all().map((r) => r.id))).toEqual(new Set([9n, 10n]));
  });
});
