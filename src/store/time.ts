/**
 * Time as the store sees it: epoch milliseconds (a fraction carries sub-millisecond precision),
 * rendered and parsed the way Go's `time.RFC3339Nano` does, since etcd's JSON shows `expiration`
 * that way and its snapshots store `ExpireTime` that way.
 */

/** The injected time source; the store never reads a wall clock itself. */
export interface Clock {
  now(): number;
}

/** Go's zero `time.Time`, which etcd uses to mean "permanent" in a snapshot. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Go's `t.UTC().Format(time.RFC3339Nano)`: nanoseconds with trailing zeros trimmed, `Z`. */
export function formatRFC3339Nano(ms: number): string {
  let whole = Math.floor(ms);
  let nanos = Math.round((ms - whole) * 1e6);
  if (nanos >= 1e6) {
    whole += 1;
    nanos -= 1e6;
  }
  const d = new Date(whole);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const fraction = (d.getUTCMilliseconds() * 1e6 + nanos).toString().padStart(9, '0').replace(/0+$/, '');
  return `${date}T${time}${fraction === '' ? '' : '.' + fraction}Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 time (any offset, up to nanoseconds) into epoch ms; undefined if malformed. */
export function parseRFC3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const num = (i: number): number => Number(m[i] ?? '0');
  const base = Date.UTC(num(1), num(2) - 1, num(3), num(4), num(5), num(6));
  // Date.UTC maps years 0-99 to 1900-1999; Go's zero time is year 1.
  const date = new Date(base);
  if (num(1) < 100) date.setUTCFullYear(num(1));
  const nanos = Number((m[7] ?? '').padEnd(9, '0'));
  const offset = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (num(10) * 60 + num(11)) * 60_000;
  return date.getTime() + nanos / 1e6 - offset;
}

const MIN_DURATION_NS = -9_223_372_036_854_775_808;
const MAX_DURATION_NS = 9_223_372_036_854_775_807;

/**
 * etcd's `ttl`: the seconds left, rounded up, so a key set with ttl=5 shows 5 until it has less
 * than 4 s left (node.go `expirationAndTTL`). Computed in whole nanoseconds, as Go does.
 */
export function ttlSeconds(expireTimeMs: number, nowMs: number): number {
  // Go's `Time.Sub` saturates at ±2^63 ns (about 292 years): an update can set a wrapped TTL's
  // expiry centuries back (only create takes expiries before 2000 as permanent).
  const nanos = Math.max(MIN_DURATION_NS, Math.min(MAX_DURATION_NS, Math.round((expireTimeMs - nowMs) * 1e6)));
  const seconds = Math.trunc(nanos / 1e9);
  return nanos % 1e9 > 0 ? seconds + 1 : seconds;
}
