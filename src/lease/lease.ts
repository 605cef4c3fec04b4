/** etcd's `LeaseID` (int64). 0 is `NoLease`; IDs use all 63 bits (and may be negative), so bigint. */
export type LeaseId = bigint;

/** etcd's `NoLease`. */
export const NO_LEASE: LeaseId = 0n;

/**
 * The expiry of a lease no member may expire (etcd's `forever`, the zero `time.Time`): every
 * lease on a follower, and every lease recovered from storage until the lessor is promoted.
 */
export const FOREVER = Number.POSITIVE_INFINITY;

/**
 * What `TimeToLive` reports for a lease that never expires: Go's `int64(d.Seconds())` of the
 * `math.MaxInt64` duration etcd's `Remaining()` returns for `forever`. A new leader answers it
 * between winning the election and promoting its lessor (etcd promotes on the term's first apply).
 */
export const FOREVER_SECONDS = 9_223_372_036;

/** A lease as the lessor's readers see it. */
export interface ReadonlyLease {
  readonly id: LeaseId;
  /** The granted TTL in seconds, after the minimum TTL was applied (etcd's `Lease.TTL()`). */
  readonly ttl: number;
  /**
   * etcd's `Lease.remainingTTL`: the last checkpointed remaining TTL in seconds, 0 when none
   * (checkpoints are off by default). Not the live remaining time: see `remainingMs`.
   */
  readonly remainingTtl: number;
  /** When the primary will expire it, on the caller's millisecond clock; `FOREVER` if never. */
  readonly expiryMs: number;
  /** etcd's `Remaining()`: expiry - now, `FOREVER` when the lease never expires. */
  remainingMs(nowMs: number): number;
  /** The attached keys in byte order (etcd returns map order; sorted is deterministic). */
  keys(): string[];
  readonly keyCount: number;
}

/** One lease's state (etcd's `lease.Lease`), mutated only by the lessor. */
export class Lease implements ReadonlyLease {
  expiryMs = FOREVER;
  remainingTtl = 0;
  readonly items = new Set<string>();

  constructor(
    readonly id: LeaseId,
    public ttl: number,
  ) {}

  /** etcd's `RemainingTTL()`: the checkpointed remaining TTL if one is set, else the full TTL. */
  effectiveTtl(): number {
    return this.remainingTtl > 0 ? this.remainingTtl : this.ttl;
  }

  /** etcd's `refresh(extend)`: expiry = now + extend + RemainingTTL() seconds. */
  refresh(nowMs: number, extendMs: number): void {
    this.expiryMs = nowMs + extendMs + this.effectiveTtl() * 1000;
  }

  forever(): void {
    this.expiryMs = FOREVER;
  }

  remainingMs(nowMs: number): number {
    return this.expiryMs === FOREVER ? FOREVER : this.expiryMs - nowMs;
  }

  /** etcd's `expired()`: `Remaining() <= 0`. */
  expired(nowMs: number): boolean {
    return this.remainingMs(nowMs) <= 0;
  }

  keys(): string[] {
    return [...this.items].sort();
  }

  get keyCount(): number {
    return this.items.size;
  }
}
