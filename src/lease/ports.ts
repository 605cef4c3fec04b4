import type { LeaseId } from './lease.ts';

/** One row of etcd's `lease` bucket (leasepb.Lease: ID, TTL, RemainingTTL). */
export interface PersistedLease {
  id: LeaseId;
  /** Granted TTL in seconds. */
  ttl: number;
  /** Checkpointed remaining TTL in seconds; 0 when none. */
  remainingTtl: number;
}

/**
 * Where the lessor keeps its leases (etcd's lease bucket in the backend). SYNCHRONOUS: the member
 * implements it on Durable Object SQLite, and the lessor writes it inside the apply of the entry
 * that changed the lease, in the same transaction as the key deletions of a revoke and the
 * applied index (etcd: "lease deletion needs to be in the same backend transaction with the kv
 * deletion"). Expiry is never stored: recovered leases never expire until the lessor is promoted.
 */
export interface LeaseStore {
  /** Inserts or replaces the lease's row. */
  put(id: LeaseId, ttl: number, remainingTtl: number): void;
  /** Removes the lease's row; a missing row is not an error. */
  delete(id: LeaseId): void;
  /** Every stored lease, each once, in any order. */
  all(): PersistedLease[];
}

/**
 * What the mvcc store calls on the lessor while applying writes (etcd's `Lessor.Attach/Detach`
 * from mvcc/kvstore_txn.go): a put with a lease attaches the key, a delete (or a put moving the
 * key to another lease) detaches it first. Keys are byte strings. The mvcc side declares the same
 * shape as its `LeaseAttachments`; `Lessor` satisfies it structurally.
 */
export interface LeaseAttachments {
  attach(id: LeaseId, key: string): void;
  detach(id: LeaseId, key: string): void;
}
