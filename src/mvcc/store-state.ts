import type { Backend } from './backend.ts';
import type { Bytes, LeaseId } from './kv.ts';
import { newStoreCounts } from './store-counts.ts';
import type { TreeIndex } from './tree-index.ts';

/**
 * The port the lessor implements so the store can tell it which keys hang on which lease: etcd's
 * `Lessor.Attach`/`Detach` with one `LeaseItem{Key}`. A put attaches its lease (after detaching
 * the key's previous one), a delete detaches, and a restore attaches every live key's lease.
 * The store never checks that a lease exists: the applier does, before the put (as etcd's).
 */
export interface LeaseAttachments {
  attach(id: LeaseId, key: Bytes): void;
  detach(id: LeaseId, key: Bytes): void;
}

/**
 * What the KV store and its transactions share (etcd's `store` fields): one object, so the txn
 * views in kv-store-txn.ts can use it without the store exposing it.
 */
export class StoreState {
  /** The revision of the last completed write txn (etcd starts at 1: nothing written yet). */
  currentRev = 1;
  /** The last compacted main revision; -1 before the first compaction. */
  compactMainRev = -1;
  /** Whether a write txn is open: one at a time, as etcd's batch tx lock allows. */
  writing = false;
  /** etcd's mvcc metrics, moved where etcd moves them (store-counts.ts). */
  readonly counts = newStoreCounts();

  constructor(
    readonly index: TreeIndex,
    readonly backend: Backend,
    readonly leases: LeaseAttachments | undefined,
  ) {}

  attach(id: LeaseId, key: Bytes): void {
    if (this.leases === undefined) throw new Error('mvcc: no lessor to attach lease');
    this.leases.attach(id, key);
  }

  detach(id: LeaseId, key: Bytes): void {
    if (this.leases === undefined) throw new Error('mvcc: no lessor to detach lease');
    this.leases.detach(id, key);
  }
}
