import { describe, expect, it } from 'vitest';
import { ClientRateLimiter, bodyTooLarge, parseRateLimit } from '../../src/http/client-limits.ts';

describe('client limits', () => {
  it('refuses only bodies declared past the cap', () => {
    expect(bodyTooLarge(null)).toBe(false);
    expect(bodyTooLarge(String(16 * 1024 * 1024))).toBe(false);
    expect(bodyTooLarge(String(16 * 1024 * 1024 + 1))).toBe(true);
    expect(bodyTooLarge('garbage')).toBe(false);
    expect(bodyTooLarge('11', 10)).toBe(true);
  });

  it('lets a burst through, then refills at the rate', () => {
    const limiter = new ClientRateLimiter({ ratePerSecond: 2, burst: 3 });
    for (let i = 0; i < 3; i++) expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(1);
    // Another client has its own bucket.
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('a', 400)).toBe(1);
    expect(limiter.take('a', 500)).toBe(0);
    expect(limiter.take('a', 500)).toBe(1);
    // Never more than the burst, however long idle.
    for (let i = 0; i < 3; i++) expect(limiter.take('a', 60_000)).toBe(0);
    expect(limiter.take('a', 60_000)).toBe(1);
  });

  it('says how long to wait at a slow rate', () => {
    const limiter = new ClientRateLimiter({ ratePerSecond: 0.1, burst: 1 });
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(10);
  });

  it('keeps its map bounded, forgetting idle clients first', () => {
    const limiter = new ClientRateLimiter({ ratePerSecond: 1, burst: 1 }, 3);
    limiter.take('busy', 0);
    limiter.take('idle1', 0);
    limiter.take('idle2', 0);
    // At 5 s idle1/idle2 and busy have refilled; new clients evict refilled buckets.
    for (let i = 0; i < 10; i++) limiter.take(`c${i}`, 5000 + i);
    expect(limiter.clients).toBeLessThanOrEqual(3);
  });

  it('parses RATE_LIMIT', () => {
    expect(parseRateLimit(undefined)).toEqual({ ratePerSecond: 1000, burst: 2000 });
    expect(parseRateLimit('off')).toBeUndefined();
    expect(parseRateLimit('5/10')).toEqual({ ratePerSecond: 5, burst: 10 });
    expect(parseRateLimit('0/10')).toEqual({ ratePerSecond: 1000, burst: 2000 });
  });
});
