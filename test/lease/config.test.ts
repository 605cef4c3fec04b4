import { describe, expect, it } from 'vitest';
import { etcdServerLessorOptions, minLeaseTtl } from '../../src/lease/index.ts';

describe('the minimum lease TTL etcd\'s server derives from its timing flags', () => {
  it('is 2 s at the defaults (100 ms heartbeat, 1000 ms election: 15 ticks of 100 ms, rounded up)', () => {
    expect(minLeaseTtl()).toBe(2);
    expect(minLeaseTtl(100, 1000)).toBe(2);
  });

  it('divides the election ticks in integers before multiplying, as Go does', () => {
    // 1050 / 100 = 10 ticks; (3 * 10) / 2 = 15 ticks = 1.5 s -> 2.
    expect(minLeaseTtl(100, 1050)).toBe(2);
    // 3 ticks; (3 * 3) / 2 = 4 ticks of 300 ms = 1.2 s -> 2.
    expect(minLeaseTtl(300, 1000)).toBe(2);
    // 50 ticks; 75 ticks of 100 ms = 7.5 s -> 8.
    expect(minLeaseTtl(100, 5000)).toBe(8);
    // 10 ticks of 10 ms: 150 ms -> 1.
    expect(minLeaseTtl(10, 100)).toBe(1);
  });

  it('comes with etcd\'s server settings: retry after the request timeout, promote with the election timeout', () => {
    expect(etcdServerLessorOptions()).toEqual({ minTtl: 2, expiredLeaseRetryMs: 7000, promoteExtendMs: 1000 });
    expect(etcdServerLessorOptions(100, 5000)).toEqual({ minTtl: 8, expiredLeaseRetryMs: 15000, promoteExtendMs: 5000 });
  });
});
