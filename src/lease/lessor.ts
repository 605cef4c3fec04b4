import { CheckpointSchedule, MAX_CHECKPOINT_BATCH, type LeaseCheckpoint } from './checkpoints.ts';
import { DEFAULT_EXPIRED_LEASE_RETRY_MS, DEFAULT_REVOKE_RATE, MAX_LEASE_TTL, minLeaseTtl } from './config.ts';
import { LeaseError } from './errors.ts';
import { FOREVER, FOREVER_SECONDS, Lease, NO_LEASE, type LeaseId, type ReadonlyLease } from './lease.ts';
import { LeaseQueue } from './lease-queue.ts';
import type { LeaseAttachments, LeaseStore } from './ports.ts';
import { compareByExpiry, spreadExpiries } from './spread-expiries.ts';

export interface LessorOptions {
  /** etcd's `MinLeaseTTL`, seconds: shorter grants are raised to it. Default `minLeaseTtl()` = 2. */
  minTtl?: number;
  /** etcd's `leaseRevokeRate`, leases per second. Default 1000. */
  revokeRate?: number;
  /** etcd's `ExpiredLeasesRetryInterval`. Default 3000 (the lessor's; etcd's server passes 7000). */
  expiredLeaseRetryMs?: number;
  /** Turns lease checkpoints on (etcd's `--experimental-enable-lease-checkpoint`); off by default, as in 3.4. */
  checkpointIntervalMs?: number;
  /** Persist checkpointed remaining TTLs (`--experimental-enable-lease-checkpoint-persist`). Default false. */
  checkpointPersist?: boolean;
}

/** etcd's `LeaseTimeToLiveResponse` fields the lessor decides. */
export interface TimeToLive {
  id: LeaseId;
  /** Remaining seconds, truncated toward zero as etcd's `int64(l.Remaining().Seconds())`. */
  ttl: number;
  grantedTtl: number;
  /** The attached keys in byte order when asked for, else empty. */
  keys: string[];
}

/**
 * etcd's lessor (lease/lessor.go) as a pure state machine. Every method that reads time takes
 * `nowMs`: milliseconds on the member's own clock, monotonic preferred, any origin (only
 * differences are used; expiries are never stored or sent).
 *
 * Applied on every member from the log: `grant`, `revoke`, `checkpoint`, and the `attach` /
 * `detach` the mvcc store makes while applying puts and deletes. Decided by the primary (the Raft
 * leader) alone: `renew` and `expiredLeases` (the server proposes a revoke for each), and
 * `dueCheckpoints`. The server calls `promote` when, as leader, it has applied the first entry
 * of its term, and `demote` when it stops being leader; a follower never expires anything.
 */
export class Lessor implements LeaseAttachments {
  private leases = new Map<LeaseId, Lease>();
  /** key -> the lease it is attached to (etcd's `itemMap`). */
  private items = new Map<string, LeaseId>();
  private primary = false;
  /** The primary's expiry queue (etcd's `leaseExpiredNotifier`); empty on a follower. */
  private readonly expiries = new LeaseQueue();
  private readonly checkpoints: CheckpointSchedule | undefined;
  private readonly minTtl: number;
  private readonly revokeRate: number;
  private readonly retryMs: number;
  private readonly checkpointPersist: boolean;

  /** Recovers the stored leases (etcd's `initAndRecover`): they never expire until promoted. */
  constructor(
    private store: LeaseStore,
    options: LessorOptions = {},
  ) {
    this.minTtl = options.minTtl ?? minLeaseTtl();
    this.revokeRate = options.revokeRate ?? DEFAULT_REVOKE_RATE;
    this.retryMs = options.expiredLeaseRetryMs ?? DEFAULT_EXPIRED_LEASE_RETRY_MS;
    this.checkpointPersist = options.checkpointPersist ?? false;
    if (!(this.revokeRate >= 2)) throw new RangeError('revokeRate must be at least 2 (half of it per round)');
    if (!(this.retryMs > 0)) throw new RangeError('expiredLeaseRetryMs must be positive');
    const interval = options.checkpointIntervalMs;
    if (interval !== undefined && !(interval > 0)) throw new RangeError('checkpointIntervalMs must be positive');
    this.checkpoints = interval === undefined ? undefined : new CheckpointSchedule(interval);
    this.recover(store);
  }

  get isPrimary(): boolean {
    return this.primary;
  }

  /**
   * etcd's `Grant`, applied from the log. The TTL is raised to the minimum; on the primary the
   * lease expires `ttl` seconds from `nowMs`, elsewhere never.
   */
  grant(id: LeaseId, ttl: number, nowMs: number): ReadonlyLease {
    if (id === NO_LEASE) throw new LeaseError('ErrLeaseNotFound');
    if (ttl > MAX_LEASE_TTL) throw new LeaseError('ErrLeaseTTLTooLarge');
    if (this.leases.has(id)) throw new LeaseError('ErrLeaseExists');
    const lease = new Lease(id, Math.max(ttl, this.minTtl));
    this.leases.set(id, lease);
    this.store.put(id, lease.ttl, lease.remainingTtl);
    if (this.primary) {
      lease.refresh(nowMs, 0);
      this.expiries.set(id, lease.expiryMs);
      this.checkpoints?.schedule(lease, nowMs);
    }
    return lease;
  }

  /**
   * etcd's `Revoke`, applied from the log. `deleteKeys` gets the attached keys in byte order
   * (etcd sorts them so every member's backend hashes the same) and must delete them all in the
   * write transaction of this apply: one revision. It runs while the lease still exists, so the
   * mvcc store's `detach` calls during the deletes succeed. Then the lease and its row are gone.
   * Returns the keys given to `deleteKeys`.
   */
  revoke(id: LeaseId, deleteKeys?: (keys: readonly string[]) => void): readonly string[] {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new LeaseError('ErrLeaseNotFound');
    const keys = lease.keys();
    deleteKeys?.(keys);
    for (const key of lease.items) if (this.items.get(key) === id) this.items.delete(key);
    this.leases.delete(id);
    this.expiries.delete(id);
    this.checkpoints?.forget(id);
    this.store.delete(id);
    return keys;
  }

  /**
   * etcd's `Checkpoint`, applied from the log: records the lease's remaining TTL, which a later
   * `promote` counts from instead of the full TTL. An unknown lease is ignored, as in etcd.
   */
  checkpoint(id: LeaseId, remainingTtl: number, nowMs: number): void {
    const lease = this.leases.get(id);
    if (lease === undefined) return;
    lease.remainingTtl = remainingTtl;
    if (this.checkpointPersist) this.store.put(id, lease.ttl, lease.remainingTtl);
    if (this.primary) this.checkpoints?.schedule(lease, nowMs);
  }

  /** Attaches a key (the mvcc store's put). An unknown lease throws `ErrLeaseNotFound`. */
  attach(id: LeaseId, key: string): void {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new LeaseError('ErrLeaseNotFound');
    lease.items.add(key);
    this.items.set(key, id);
  }

  /** Detaches a key (the mvcc store's delete, or a put that changes the key's lease). */
  detach(id: LeaseId, key: string): void {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new LeaseError('ErrLeaseNotFound');
    lease.items.delete(key);
    this.items.delete(key);
  }

  /** etcd's `GetLease`: the lease a key is attached to, 0n for none. */
  getLease(key: string): LeaseId {
    return this.items.get(key) ?? NO_LEASE;
  }

  /**
   * etcd's `Renew` (a keepalive): primary only, never through the log. The lease then expires its
   * TTL from `nowMs`; returns that TTL. `ErrNotPrimary` on a follower (its server forwards to the
   * leader), `ErrLeaseNotFound` for an unknown lease or one already past its expiry (etcd makes
   * that renew wait for the revoke in flight, which then answers not found).
   */
  renew(id: LeaseId, nowMs: number): number {
    if (!this.primary) throw new LeaseError('ErrNotPrimary');
    const lease = this.leases.get(id);
    if (lease === undefined || lease.expired(nowMs)) throw new LeaseError('ErrLeaseNotFound');
    if (this.checkpoints !== undefined && lease.remainingTtl > 0) {
      // etcd proposes clearing the checkpoint and refreshes once that is applied, so from the full
      // TTL; here the clear waits for `dueCheckpoints`, and the full TTL counts from now.
      this.checkpoints.clearOnRenew(lease);
      lease.expiryMs = nowMs + lease.ttl * 1000;
    } else {
      // etcd's `refresh(0)`: the TTL, or a checkpointed remaining TTL that came through the log.
      lease.refresh(nowMs, 0);
    }
    this.expiries.set(id, lease.expiryMs);
    return lease.ttl;
  }

  /** etcd's `Lookup`. */
  lookup(id: LeaseId): ReadonlyLease | undefined {
    return this.leases.get(id);
  }

  /** etcd's `Leases`: every lease, soonest expiry first (equal expiries by ID). */
  leasesByExpiry(): ReadonlyLease[] {
    return [...this.leases.values()].sort(compareByExpiry);
  }

  get size(): number {
    return this.leases.size;
  }

  /**
   * What etcd's leader answers to `LeaseTimeToLive` (etcdserver/v3_server.go): the remaining
   * seconds truncated toward zero (a lease past its expiry but not yet revoked reads 0 or below;
   * one that never expires, `FOREVER_SECONDS`). `ErrLeaseNotFound` for an unknown lease (v3rpc
   * then answers TTL -1). Only the leader's answer is meaningful: followers forward.
   */
  timeToLive(id: LeaseId, nowMs: number, withKeys = false): TimeToLive {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new LeaseError('ErrLeaseNotFound');
    const remaining = lease.remainingMs(nowMs);
    const seconds = remaining === FOREVER ? FOREVER_SECONDS : Math.trunc(remaining / 1000);
    return { id, ttl: seconds === 0 ? 0 : seconds, grantedTtl: lease.ttl, keys: withKeys ? lease.keys() : [] };
  }

  /**
   * etcd's `Promote(extend)`: this member became the primary. Every lease expires its TTL (or its
   * checkpointed remaining TTL) plus `extendMs` (the election timeout) from `nowMs`, with etcd's
   * spreading of pile-ups beyond the revoke rate.
   */
  promote(nowMs: number, extendMs: number): void {
    this.primary = true;
    for (const lease of this.leases.values()) {
      lease.refresh(nowMs, extendMs);
      this.expiries.set(lease.id, lease.expiryMs);
      this.checkpoints?.schedule(lease, nowMs);
    }
    for (const lease of spreadExpiries([...this.leases.values()], nowMs, extendMs, this.revokeRate)) {
      this.expiries.set(lease.id, lease.expiryMs);
      this.checkpoints?.schedule(lease, nowMs);
    }
  }

  /** etcd's `Demote`: no longer primary; no lease expires here any more. */
  demote(): void {
    for (const lease of this.leases.values()) lease.forever();
    this.expiries.clear();
    this.checkpoints?.reset();
    this.primary = false;
  }

  /**
   * etcd's `findExpiredLeases(limit)`, run by its `revokeExpiredLeases` every 500 ms with
   * `limit` = half the revoke rate: the primary's leases past their expiry, soonest first, for
   * the server to propose revokes. A lease handed out is handed out again only after
   * `expiredLeaseRetryMs` if it is still there (its revoke was lost). Empty on a follower.
   */
  expiredLeases(nowMs: number, limit = Math.trunc(this.revokeRate / 2)): LeaseId[] {
    const out: LeaseId[] = [];
    if (!this.primary) return out;
    for (let top = this.expiries.peek(); top !== undefined && out.length < limit; top = this.expiries.peek()) {
      const lease = this.leases.get(top.id);
      if (lease === undefined) {
        this.expiries.delete(top.id);
        continue;
      }
      if (nowMs < top.timeMs) break;
      this.expiries.set(top.id, nowMs + this.retryMs);
      if (lease.expired(nowMs)) out.push(lease.id);
    }
    return out;
  }

  /**
   * The checkpoints the primary should propose now, at most `limit` (one entry's worth): first
   * the clears of renewed leases, then etcd's `findDueScheduledCheckpoints`. Empty when
   * checkpoints are off or on a follower.
   */
  dueCheckpoints(nowMs: number, limit = MAX_CHECKPOINT_BATCH): LeaseCheckpoint[] {
    if (!this.primary || this.checkpoints === undefined) return [];
    return this.checkpoints.due(this.leases, nowMs, limit);
  }

  /**
   * etcd's `Recover`: drops every lease and reloads them from `store` (after a snapshot was
   * installed into it), TTLs raised to the minimum, never expiring until the next `promote`.
   * Keys are re-attached by the mvcc store's restore, as in etcd.
   */
  recover(store: LeaseStore = this.store): void {
    this.store = store;
    this.leases = new Map();
    this.items = new Map();
    this.expiries.clear();
    this.checkpoints?.reset();
    for (const row of store.all()) {
      const lease = new Lease(row.id, Math.max(row.ttl, this.minTtl));
      lease.remainingTtl = row.remainingTtl;
      this.leases.set(row.id, lease);
    }
  }
}
