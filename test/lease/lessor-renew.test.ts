import { describe, expect, it } from 'vitest';
import { errorCode, newLessor, primaryLessor, T0 } from './helpers.ts';

describe('Lessor.renew', () => {
  it('resets the expiry to now + TTL and returns the TTL (etcd TestLessorRenew)', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    expect(lessor.renew(1n, T0 + 7_000)).toBe(10);
    expect(lessor.lookup(1n)?.remainingMs(T0 + 7_000)).toBe(10_000);
    expect(lessor.expiredLeases(T0 + 16_999)).toEqual([]);
    expect(lessor.expiredLeases(T0 + 17_000)).toEqual([1n]);
  });

  it('renews a lease until the very millisecond before its expiry', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    expect(lessor.renew(1n, T0 + 9_999)).toBe(10);
  });

  it('does not renew a lease at or past its expiry, even before its revoke is applied', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    expect(errorCode(() => lessor.renew(1n, T0 + 10_000))).toBe('ErrLeaseNotFound');
    expect(errorCode(() => lessor.renew(1n, T0 + 60_000))).toBe('ErrLeaseNotFound');
    expect(lessor.lookup(1n)).toBeDefined();
  });

  it('refuses an unknown lease with ErrLeaseNotFound', () => {
    const { lessor } = primaryLessor();
    expect(errorCode(() => lessor.renew(1n, T0))).toBe('ErrLeaseNotFound');
  });

  it('refuses on a follower with ErrNotPrimary: only the primary renews', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 10, T0);
    expect(errorCode(() => lessor.renew(1n, T0))).toBe('ErrNotPrimary');
    expect(errorCode(() => lessor.renew(2n, T0))).toBe('ErrNotPrimary');
  });

  it('writes nothing: a renew is not replicated', () => {
    const { lessor, store } = primaryLessor();
    lessor.grant(1n, 10, T0);
    const writes = store.writes;
    lessor.renew(1n, T0 + 1_000);
    expect(store.writes).toBe(writes);
  });
});
