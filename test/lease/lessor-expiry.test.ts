import { describe, expect, it } from 'vitest';
import { FOREVER } from '../../src/lease/index.ts';
import { errorCode, newLessor, primaryLessor, T0 } from './helpers.ts';

describe('Lessor.promote and demote', () => {
  it('promote gives every lease its TTL plus the extension from now (etcd Promote(extend))', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 10, T0);
    lessor.grant(2n, 30, T0);
    lessor.promote(T0 + 50_000, 1_000);
    expect(lessor.isPrimary).toBe(true);
    expect(lessor.lookup(1n)?.expiryMs).toBe(T0 + 50_000 + 11_000);
    expect(lessor.lookup(2n)?.expiryMs).toBe(T0 + 50_000 + 31_000);
  });

  it('a lease granted on a follower expires only after the member is promoted, counting from the promotion', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 10, T0);
    expect(lessor.expiredLeases(T0 + 1e9)).toEqual([]);
    lessor.promote(T0 + 1e9, 0);
    expect(lessor.expiredLeases(T0 + 1e9 + 9_999)).toEqual([]);
    expect(lessor.expiredLeases(T0 + 1e9 + 10_000)).toEqual([1n]);
  });

  it('a lease granted on the primary does not get the promotion\'s extension', () => {
    const { lessor } = newLessor();
    lessor.promote(T0, 1_000);
    expect(lessor.grant(1n, 10, T0 + 3).expiryMs).toBe(T0 + 3 + 10_000);
  });

  it('a new primary restarts a lease\'s countdown: time spent under the old leader is forgiven (no checkpoints)', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    lessor.demote();
    lessor.promote(T0 + 9_000, 1_000);
    expect(lessor.lookup(1n)?.remainingMs(T0 + 9_000)).toBe(11_000);
  });

  it('demote freezes every lease: nothing expires and nothing renews on a follower', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    lessor.grant(2n, 5, T0);
    lessor.demote();
    expect(lessor.isPrimary).toBe(false);
    expect(lessor.lookup(1n)?.expiryMs).toBe(FOREVER);
    expect(lessor.expiredLeases(T0 + 1e9)).toEqual([]);
    expect(errorCode(() => lessor.renew(1n, T0))).toBe('ErrNotPrimary');
  });

  it('forgets the old expiry queue on demote: a later promote decides afresh', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 5, T0);
    expect(lessor.expiredLeases(T0 + 5_000)).toEqual([1n]);
    lessor.demote();
    lessor.promote(T0 + 6_000, 0);
    expect(lessor.expiredLeases(T0 + 6_000)).toEqual([]);
    expect(lessor.expiredLeases(T0 + 11_000)).toEqual([1n]);
  });
});

describe('Lessor.expiredLeases', () => {
  it('hands out the primary\'s leases at their expiry, soonest first (etcd TestLessorExpire)', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 20, T0);
    lessor.grant(2n, 10, T0);
    lessor.grant(3n, 30, T0);
    expect(lessor.expiredLeases(T0 + 9_999)).toEqual([]);
    expect(lessor.expiredLeases(T0 + 20_000)).toEqual([2n, 1n]);
  });

  it('hands a lease out once, and again after the retry interval if its revoke was never applied', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 5, T0);
    expect(lessor.expiredLeases(T0 + 5_000)).toEqual([1n]);
    expect(lessor.expiredLeases(T0 + 5_500)).toEqual([]);
    expect(lessor.expiredLeases(T0 + 7_999)).toEqual([]);
    expect(lessor.expiredLeases(T0 + 8_000)).toEqual([1n]);
    expect(lessor.expiredLeases(T0 + 8_500)).toEqual([]);
    expect(lessor.expiredLeases(T0 + 11_000)).toEqual([1n]);
  });

  it('retries after the interval it is given (etcd\'s server passes its request timeout, 7 s)', () => {
    const { lessor } = primaryLessor({ expiredLeaseRetryMs: 7_000 });
    lessor.grant(1n, 5, T0);
    expect(lessor.expiredLeases(T0 + 5_000)).toEqual([1n]);
    expect(lessor.expiredLeases(T0 + 11_999)).toEqual([]);
    expect(lessor.expiredLeases(T0 + 12_000)).toEqual([1n]);
  });

  it('stops handing out a lease once it is revoked', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 5, T0);
    expect(lessor.expiredLeases(T0 + 5_000)).toEqual([1n]);
    lessor.revoke(1n);
    expect(lessor.expiredLeases(T0 + 60_000)).toEqual([]);
  });

  it('does not hand out a lease renewed before its expiry', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 5, T0);
    lessor.renew(1n, T0 + 4_000);
    expect(lessor.expiredLeases(T0 + 8_999)).toEqual([]);
    expect(lessor.expiredLeases(T0 + 9_000)).toEqual([1n]);
  });

  it('hands out at most half the revoke rate per call by default (etcd revokes rate/2 every 500 ms)', () => {
    const { lessor } = primaryLessor({ revokeRate: 10 });
    for (let i = 1n; i <= 12n; i++) lessor.grant(i, 5, T0);
    const first = lessor.expiredLeases(T0 + 5_000);
    const second = lessor.expiredLeases(T0 + 5_500);
    const third = lessor.expiredLeases(T0 + 6_000);
    expect([first.length, second.length, third.length]).toEqual([5, 5, 2]);
    expect(new Set([...first, ...second, ...third]).size).toBe(12);
  });

  it('takes an explicit limit', () => {
    const { lessor } = primaryLessor();
    for (let i = 1n; i <= 5n; i++) lessor.grant(i, 5, T0);
    expect(lessor.expiredLeases(T0 + 5_000, 2)).toEqual([1n, 2n]);
    expect(lessor.expiredLeases(T0 + 5_000, 10)).toEqual([3n, 4n, 5n]);
  });

  it('returns nothing on a follower', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 5, T0);
    expect(lessor.expiredLeases(T0 + 1e12)).toEqual([]);
  });
});

describe('promotion with a pile-up of expiries (etcd TestLessorRenewExtendPileup)', () => {
  it('spreads leases expiring in the same second so no second holds more than the revoke rate', () => {
    const revokeRate = 10;
    const { lessor, store } = newLessor({ revokeRate });
    const ttl = 10;
    for (let i = 1; i <= revokeRate * 10; i++) {
      lessor.grant(BigInt(2 * i), ttl, T0);
      lessor.grant(BigInt(2 * i + 1), ttl + 1, T0);
    }
    // A restart, then promotion: every lease would expire within the same two seconds.
    const { lessor: recovered } = newLessor({ revokeRate }, store);
    recovered.promote(T0, 0);
    const windowCounts = new Map<number, number>();
    for (const lease of recovered.leasesByExpiry()) {
      const s = Math.trunc(lease.remainingMs(T0) / 1000 + 0.1);
      windowCounts.set(s, (windowCounts.get(s) ?? 0) + 1);
    }
    for (let s = ttl; s < ttl + 20; s++) {
      const c = windowCounts.get(s) ?? 0;
      expect(c, `leases expiring at ${s}s`).toBeLessThanOrEqual(revokeRate);
      expect(c, `leases expiring at ${s}s`).toBeGreaterThanOrEqual(revokeRate / 2);
    }
  });

  it('leaves expiries alone below the revoke rate', () => {
    const { lessor } = newLessor({ revokeRate: 10 });
    for (let i = 1n; i <= 9n; i++) lessor.grant(i, 10, T0);
    lessor.promote(T0, 0);
    expect(new Set(lessor.leasesByExpiry().map((l) => l.expiryMs))).toEqual(new Set([T0 + 10_000]));
  });

  it('queues the moved expiries: a spread lease is not handed out at its old expiry', () => {
    const { lessor } = newLessor({ revokeRate: 4 });
    for (let i = 1n; i <= 8n; i++) lessor.grant(i, 10, T0);
    lessor.promote(T0, 0);
    const atTen = lessor.expiredLeases(T0 + 10_000, 100);
    expect(atTen).toHaveLength(3);
    const later = lessor.leasesByExpiry().filter((l) => l.expiryMs > T0 + 10_000);
    expect(later).toHaveLength(5);
    expect(lessor.expiredLeases(T0 + 12_999, 100)).toEqual(later.map((l) => l.id));
  });
});
