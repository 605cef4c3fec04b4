import { FOREVER, type Lease } from './lease.ts';

/** Soonest expiry first; equal expiries by ID, so every run orders them the same (Go's sort is not stable). */
export function compareByExpiry(a: Lease, b: Lease): number {
  if (a.expiryMs !== b.expiryMs) {
    if (a.expiryMs === FOREVER) return 1;
    if (b.expiryMs === FOREVER) return -1;
    return a.expiryMs - b.expiryMs;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The pile-up rule of etcd's `Promote` (lease/lessor.go): after a new leader refreshes every
 * lease, leases that would expire in the same second beyond 3/4 of the revoke rate are pushed
 * later, so a burst of expiries (say, many leases recovered at once) never takes the whole revoke
 * budget. Within a window starting at `baseWindow`, the n-th lease past the target moves to
 * `baseWindow + n / target` seconds. Only runs with at least `revokeRate` leases, as etcd.
 *
 * Returns the leases whose expiry moved (the lessor re-queues them).
 */
export function spreadExpiries(leases: readonly Lease[], nowMs: number, extendMs: number, revokeRate: number): Lease[] {
  if (leases.length < revokeRate || leases.length === 0) return [];
  const sorted = [...leases].sort(compareByExpiry);
  // etcd's integer (3 * leaseRevokeRate) / 4; at least 1 so a tiny rate cannot divide by zero.
  const targetExpiresPerSecond = Math.max(1, Math.trunc((3 * revokeRate) / 4));
  let baseWindow = sorted[0]!.remainingMs(nowMs);
  let nextWindow = baseWindow + 1000;
  let expires = 0;
  const moved: Lease[] = [];
  for (const lease of sorted) {
    const remaining = lease.remainingMs(nowMs);
    if (remaining > nextWindow) {
      baseWindow = remaining;
      nextWindow = baseWindow + 1000;
      expires = 1;
      continue;
    }
    expires++;
    if (expires <= targetExpiresPerSecond) continue;
    // A lease already n seconds past the window's start is moved by that much less.
    const delayMs = 1000 * (expires / targetExpiresPerSecond) - (remaining - baseWindow);
    nextWindow = baseWindow + delayMs;
    lease.refresh(nowMs, delayMs + extendMs);
    moved.push(lease);
  }
  return moved;
}
