import type { AuthInfo, V3AuthStore } from '../../auth/index.ts';
import type { Lessor } from '../../lease/index.ts';
import type { LeaseId } from '../../mvcc/index.ts';
import type { RequestOp, TxnRequest, WatchCreateRequest } from './rpc.ts';

/**
 * The permission checks etcd 3.4 makes of a request's keys (etcdserver/apply_auth.go): each throws
 * the auth store's error for the first key the user may not touch.
 */

/**
 * `checkTxnAuth`: read permission on every compare's keys, then every request of both branches
 * (a range: read; a put: write; a delete: read of what `prev_kv` returns, then write).
 *
 * Hardening: etcd 3.4 skips a nested txn altogether (its switch has no case for one), so a user
 * could read and write any key by wrapping the request in a second txn. Here a nested txn is
 * checked as the outer one is, compares and both branches, at every depth.
 */
export function checkTxnAuth(store: V3AuthStore, info: AuthInfo | undefined, txn: TxnRequest): void {
  for (const c of txn.compare) store.isRangePermitted(info, c.key, c.rangeEnd);
  checkOps(store, info, txn.success);
  checkOps(store, info, txn.failure);
}

function checkOps(store: V3AuthStore, info: AuthInfo | undefined, ops: readonly RequestOp[]): void {
  for (const op of ops) {
    if ('requestRange' in op) store.isRangePermitted(info, op.requestRange.key, op.requestRange.rangeEnd);
    else if ('requestPut' in op) store.isPutPermitted(info, op.requestPut.key);
    else if ('requestDeleteRange' in op) {
      const d = op.requestDeleteRange;
      if (d.prevKv) store.isRangePermitted(info, d.key, d.rangeEnd);
      store.isDeleteRangePermitted(info, d.key, d.rangeEnd);
    } else if ('requestTxn' in op) checkTxnAuth(store, info, op.requestTxn);
  }
}

/**
 * `checkLeasePuts`: a lease may be revoked, or given to a new key, only by a user who may write
 * every key it holds (revoking deletes them all).
 */
export function checkLeasePuts(store: V3AuthStore, lessor: Lessor, info: AuthInfo | undefined, id: LeaseId): void {
  const lease = lessor.lookup(id);
  if (lease === undefined) return;
  for (const key of lease.keys()) store.isPutPermitted(info, key);
}

/**
 * The keys a watch's creation is checked against (v3rpc/watch.go `recvLoop`): an empty key is
 * "\0", the smallest; a range end of "\0" means every key from the key on.
 *
 * Hardening: etcd turns that "\0" into an empty range end before its check, which then checks the
 * key alone, so a user who may read one key could watch every key above it. Here such a watch is
 * checked over everything it watches (`[key, ∞)`, the range end "\0" of a range request).
 */
export function watchedRange(create: WatchCreateRequest): { key: string; rangeEnd: string } {
  return { key: create.key === '' ? '\0' : create.key, rangeEnd: create.rangeEnd };
}
