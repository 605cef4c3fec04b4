import { describe, expect, it } from 'vitest';
import { FOREVER, LeaseError, Lessor, MAX_LEASE_TTL } from '../../src/lease/index.ts';
import { MemoryLeaseStore } from '../helpers/memory-lease-store.ts';
import { errorCode, newLessor, primaryLessor, T0, TEST_MIN_TTL } from './helpers.ts';

describe('Lessor.grant', () => {
  it('raises a TTL below the minimum to the minimum (etcd TestLessorGrant)', () => {
    const { lessor } = primaryLessor();
    const lease = lessor.grant(1n, 1, T0);
    expect(lease.ttl).toBe(TEST_MIN_TTL);
    expect(lease.remainingMs(T0)).toBe(TEST_MIN_TTL * 1000);
    expect(lessor.lookup(1n)).toBe(lease);
  });

  it('raises a negative or zero TTL to the minimum too', () => {
    const { lessor } = primaryLessor();
    expect(lessor.grant(1n, -5, T0).ttl).toBe(TEST_MIN_TTL);
    expect(lessor.grant(2n, 0, T0).ttl).toBe(TEST_MIN_TTL);
  });

  it('keeps a TTL above the minimum as given', () => {
    const { lessor } = primaryLessor();
    expect(lessor.grant(1n, 100, T0).ttl).toBe(100);
  });

  it('uses a minimum of 2 s by default, as etcd at its default heartbeat and election timeout', () => {
    const lessor = new Lessor(new MemoryLeaseStore());
    expect(lessor.grant(1n, 1, T0).ttl).toBe(2);
  });

  it('refuses an ID that is already granted with ErrLeaseExists', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    expect(errorCode(() => lessor.grant(1n, 20, T0))).toBe('ErrLeaseExists');
    expect(lessor.lookup(1n)?.ttl).toBe(10);
  });

  it('refuses a TTL above MaxLeaseTTL with ErrLeaseTTLTooLarge, and accepts MaxLeaseTTL itself', () => {
    const { lessor } = primaryLessor();
    expect(errorCode(() => lessor.grant(1n, MAX_LEASE_TTL + 1, T0))).toBe('ErrLeaseTTLTooLarge');
    expect(lessor.lookup(1n)).toBeUndefined();
    expect(lessor.grant(2n, MAX_LEASE_TTL, T0).remainingMs(T0)).toBe(9_000_000_000_000);
  });

  it('refuses NoLease (ID 0) with ErrLeaseNotFound, as etcd\'s Grant', () => {
    const { lessor } = primaryLessor();
    expect(errorCode(() => lessor.grant(0n, 10, T0))).toBe('ErrLeaseNotFound');
  });

  it('checks the ID before the TTL and the TTL before existence, in etcd\'s order', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    expect(errorCode(() => lessor.grant(0n, MAX_LEASE_TTL + 1, T0))).toBe('ErrLeaseNotFound');
    expect(errorCode(() => lessor.grant(1n, MAX_LEASE_TTL + 1, T0))).toBe('ErrLeaseTTLTooLarge');
  });

  it('accepts negative IDs (etcd\'s LeaseID is a signed int64)', () => {
    const { lessor } = primaryLessor();
    expect(lessor.grant(-7n, 5, T0).id).toBe(-7n);
  });

  it('throws LeaseError with etcd\'s message', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    expect(() => lessor.grant(1n, 10, T0)).toThrow(new LeaseError('ErrLeaseExists'));
    expect(() => lessor.grant(1n, 10, T0)).toThrow('lease already exists');
  });

  it('writes the lease\'s row with the raised TTL in the same call', () => {
    const { lessor, store } = primaryLessor();
    lessor.grant(1n, 1, T0);
    lessor.grant(2n, 30, T0);
    expect(store.all()).toEqual([
      { id: 1n, ttl: TEST_MIN_TTL, remainingTtl: 0 },
      { id: 2n, ttl: 30, remainingTtl: 0 },
    ]);
  });

  it('writes nothing when the grant is refused', () => {
    const { lessor, store } = primaryLessor();
    lessor.grant(1n, 10, T0);
    const writes = store.writes;
    errorCode(() => lessor.grant(1n, 10, T0));
    errorCode(() => lessor.grant(2n, MAX_LEASE_TTL + 1, T0));
    expect(store.writes).toBe(writes);
  });

  it('on the primary, starts the lease\'s TTL at the grant', () => {
    const { lessor } = primaryLessor();
    const lease = lessor.grant(1n, 10, T0 + 500);
    expect(lease.expiryMs).toBe(T0 + 500 + 10_000);
  });

  it('on a follower, grants a lease that never expires', () => {
    const { lessor } = newLessor();
    const lease = lessor.grant(1n, 10, T0);
    expect(lease.expiryMs).toBe(FOREVER);
    expect(lease.remainingMs(T0 + 1e12)).toBe(FOREVER);
    expect(lessor.expiredLeases(T0 + 1e12)).toEqual([]);
  });

  it('lists leases soonest expiry first (etcd\'s Leases sorts by Remaining), equal expiries by ID', () => {
    const { lessor } = primaryLessor();
    lessor.grant(3n, 30, T0);
    lessor.grant(1n, 20, T0);
    lessor.grant(9n, 10, T0);
    lessor.grant(2n, 20, T0);
    expect(lessor.leasesByExpiry().map((l) => l.id)).toEqual([9n, 1n, 2n, 3n]);
    expect(lessor.size).toBe(4);
  });

  it('lists a follower\'s leases (all never expiring) by ID', () => {
    const { lessor } = newLessor();
    for (const id of [5n, -2n, 3n]) lessor.grant(id, 10, T0);
    expect(lessor.leasesByExpiry().map((l) => l.id)).toEqual([-2n, 3n, 5n]);
  });
});
