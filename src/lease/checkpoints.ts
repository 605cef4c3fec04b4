import type { Lease, LeaseId } from './lease.ts';
import { LeaseQueue } from './lease-queue.ts';

/** One entry of etcd's `LeaseCheckpointRequest`: a lease's remaining TTL to record in the log. */
export interface LeaseCheckpoint {
  id: LeaseId;
  /** Seconds; 0 clears the checkpoint (the lease then counts its full TTL again). */
  remainingTtl: number;
}

/** etcd's `maxLeaseCheckpointBatchSize`: checkpoints per proposed entry. */
export const MAX_CHECKPOINT_BATCH = 1000;

/**
 * The primary's checkpoint schedule (etcd 3.4's `--experimental-enable-lease-checkpoint`, off by
 * default): every `intervalMs` a lease with more than that left gets its remaining TTL proposed,
 * so a new leader does not hand it a full TTL again. A renew of a checkpointed lease proposes a
 * clear (etcd's Renew calls the checkpointer with `Remaining_TTL: 0`); here the clear waits in
 * an outbox that the next `due` call empties first, since the lessor does no I/O.
 */
export class CheckpointSchedule {
  private readonly queue = new LeaseQueue();
  private readonly clears = new Set<LeaseId>();

  constructor(private readonly intervalMs: number) {}

  /** etcd's `scheduleCheckpointIfNeeded`. */
  schedule(lease: Lease, nowMs: number): void {
    if (lease.effectiveTtl() > Math.trunc(this.intervalMs / 1000)) this.queue.set(lease.id, nowMs + this.intervalMs);
  }

  /** A renew of a lease that carries a checkpoint: propose clearing it. */
  clearOnRenew(lease: Lease): void {
    this.clears.add(lease.id);
  }

  forget(id: LeaseId): void {
    this.queue.delete(id);
    this.clears.delete(id);
  }

  reset(): void {
    this.queue.clear();
    this.clears.clear();
  }

  /** The pending clears, then etcd's `findDueScheduledCheckpoints(limit)`. */
  due(leases: ReadonlyMap<LeaseId, Lease>, nowMs: number, limit: number): LeaseCheckpoint[] {
    const out: LeaseCheckpoint[] = [];
    for (const id of this.clears) {
      if (out.length >= limit) return out;
      this.clears.delete(id);
      if (leases.has(id)) out.push({ id, remainingTtl: 0 });
    }
    for (let top = this.queue.peek(); top !== undefined && out.length < limit; top = this.queue.peek()) {
      if (top.timeMs > nowMs) break;
      this.queue.delete(top.id);
      const lease = leases.get(top.id);
      if (lease === undefined || !(nowMs < lease.expiryMs)) continue;
      const remainingTtl = Math.ceil((lease.expiryMs - nowMs) / 1000);
      if (remainingTtl >= lease.ttl) continue;
      out.push({ id: top.id, remainingTtl });
    }
    return out;
  }
}
