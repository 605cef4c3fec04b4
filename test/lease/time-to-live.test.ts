import { describe, expect, it } from 'vitest';
import { FOREVER_SECONDS } from '../../src/lease/index.ts';
import { errorCode, newLessor, primaryLessor, T0 } from './helpers.ts';

describe('Lessor.timeToLive', () => {
  it('reports the remaining seconds truncated, as etcd\'s int64(Remaining().Seconds()): 9 just after a 10 s grant', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    expect(lessor.timeToLive(1n, T0).ttl).toBe(10);
    expect(lessor.timeToLive(1n, T0 + 1).ttl).toBe(9);
    expect(lessor.timeToLive(1n, T0 + 0.001).ttl).toBe(9);
    expect(lessor.timeToLive(1n, T0 + 1_000).ttl).toBe(9);
    expect(lessor.timeToLive(1n, T0 + 1_001).ttl).toBe(8);
    expect(lessor.timeToLive(1n, T0 + 9_999).ttl).toBe(0);
  });

  it('truncates toward zero past the expiry: 0 for the first second, then negative, until the revoke', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    expect(lessor.timeToLive(1n, T0 + 10_000).ttl).toBe(0);
    expect(Object.is(lessor.timeToLive(1n, T0 + 10_500).ttl, 0)).toBe(true);
    expect(lessor.timeToLive(1n, T0 + 11_000).ttl).toBe(-1);
    expect(lessor.timeToLive(1n, T0 + 12_500).ttl).toBe(-2);
  });

  it('reports the granted TTL after the minimum was applied', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 1, T0);
    expect(lessor.timeToLive(1n, T0)).toEqual({ id: 1n, ttl: 5, grantedTtl: 5, keys: [] });
  });

  it('lists the keys, in byte order, only when asked', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    lessor.attach(1n, 'zz');
    lessor.attach(1n, 'aa');
    expect(lessor.timeToLive(1n, T0).keys).toEqual([]);
    expect(lessor.timeToLive(1n, T0, true).keys).toEqual(['aa', 'zz']);
  });

  it('reports etcd\'s MaxInt64 duration in seconds for a lease that never expires (a leader not yet promoted)', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 10, T0);
    expect(lessor.timeToLive(1n, T0).ttl).toBe(FOREVER_SECONDS);
    expect(FOREVER_SECONDS).toBe(Number((2n ** 63n - 1n) / 1_000_000_000n));
  });

  it('refuses an unknown lease with ErrLeaseNotFound', () => {
    const { lessor } = primaryLessor();
    expect(errorCode(() => lessor.timeToLive(1n, T0))).toBe('ErrLeaseNotFound');
  });
});
