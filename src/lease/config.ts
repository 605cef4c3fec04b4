/** etcd's `MaxLeaseTTL` (lease/lessor.go), seconds: grants above it fail with `ErrLeaseTTLTooLarge`. */
export const MAX_LEASE_TTL = 9_000_000_000;

/** etcd's `leaseRevokeRate`: leases revoked per second at most (half of it per 500 ms round). */
export const DEFAULT_REVOKE_RATE = 1000;

/**
 * etcd's `defaultExpiredleaseRetryInterval`: an expired lease handed out for revoking is handed
 * out again after this long if its revoke has not been applied by then.
 */
export const DEFAULT_EXPIRED_LEASE_RETRY_MS = 3000;

/** etcd's default `--heartbeat-interval` and `--election-timeout`, ms. */
const DEFAULT_HEARTBEAT_MS = 100;
const DEFAULT_ELECTION_MS = 1000;

/**
 * The minimum lease TTL in seconds as etcd's `NewServer` computes it (etcdserver/server.go):
 * `ceil(((3 * electionTicks) / 2) * heartbeat)`, integer division on the ticks, where
 * `electionTicks = electionMs / heartbeatMs` (embed's `ElectionTicks`, also integer). A lease must
 * outlive a leader election, or it could expire while nobody can renew it. 2 s at the defaults.
 */
export function minLeaseTtl(heartbeatMs = DEFAULT_HEARTBEAT_MS, electionMs = DEFAULT_ELECTION_MS): number {
  const electionTicks = Math.trunc(electionMs / heartbeatMs);
  const minTtlMs = Math.trunc((3 * electionTicks) / 2) * heartbeatMs;
  return Math.ceil(minTtlMs / 1000);
}

/**
 * The lessor settings etcd's server passes for a given heartbeat and election timeout: the
 * minimum TTL above, and the expired-lease retry interval set to the server's `ReqTimeout()`
 * (5 s + 2 x election timeout: 7 s at the defaults), which replaces the lessor's own 3 s default.
 * The server promotes the lessor with `extendMs` = the election timeout.
 */
export function etcdServerLessorOptions(
  heartbeatMs = DEFAULT_HEARTBEAT_MS,
  electionMs = DEFAULT_ELECTION_MS,
): { minTtl: number; expiredLeaseRetryMs: number; promoteExtendMs: number } {
  const electionTimeoutMs = Math.trunc(electionMs / heartbeatMs) * heartbeatMs;
  return {
    minTtl: minLeaseTtl(heartbeatMs, electionMs),
    expiredLeaseRetryMs: 5000 + 2 * electionTimeoutMs,
    promoteExtendMs: electionTimeoutMs,
  };
}
