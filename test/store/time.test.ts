import { describe, expect, it } from 'vitest';
import { formatRFC3339Nano, parseRFC3339 } from '../../src/store/index.ts';
import { ttlSeconds } from '../../src/store/time.ts';

describe('expiration renders like Go time.RFC3339Nano in UTC', () => {
  it.each([
    [Date.UTC(2025, 0, 1), '2025-01-01T00:00:00Z'],
    [Date.UTC(2025, 0, 1) + 500, '2025-01-01T00:00:00.5Z'],
    [Date.UTC(2025, 11, 31, 23, 59, 59, 123), '2025-12-31T23:59:59.123Z'],
    [Date.UTC(2025, 0, 1) + 0.25, '2025-01-01T00:00:00.00025Z'],
    [Date.UTC(2025, 0, 1) + 1.5, '2025-01-01T00:00:00.0015Z'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatRFC3339Nano(ms)).toBe(text);
  });

  it('parses what it renders, and other offsets', () => {
    expect(parseRFC3339('2025-01-01T00:00:00.5Z')).toBe(Date.UTC(2025, 0, 1) + 500);
    expect(parseRFC3339('2025-01-01T01:00:00+01:00')).toBe(Date.UTC(2025, 0, 1));
    const goZero = new Date(0);
    goZero.setUTCFullYear(1);
    expect(parseRFC3339('0001-01-01T00:00:00Z')).toBe(goZero.getTime());
    expect(parseRFC3339('yesterday')).toBeUndefined();
  });
});

describe('ttl is the seconds left rounded up, as etcd computes it', () => {
  it.each([
    [5000, 5],
    [4999.999, 5],
    [4000.000001, 5],
    [4000, 4],
    [1, 1],
    [0, 0],
    [-500, 0],
    [-1500, -1],
    // Go's Time.Sub saturates at -2^63 ns: 300 years back shows etcd's -9223372036.
    [-300 * 365 * 86_400_000, -9_223_372_036],
  ])('%d ms left → %d', (left, ttl) => {
    expect(ttlSeconds(1_000_000 + left, 1_000_000) + 0).toBe(ttl);
  });
});
