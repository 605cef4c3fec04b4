import type { TxnWrite } from '../../mvcc/index.ts';
import { Rpc } from './errors.ts';
import { revisionHeader } from './range.ts';
import type { DeleteRangeRequest, DeleteRangeResponse, PutRequest, PutResponse } from './rpc.ts';

/**
 * etcd's `applierV3backend.Put`: `ignore_value` / `ignore_lease` take the previous key's value or
 * lease (and need a previous key), `prev_kv` returns it. The caller has checked the lease
 * (outside a txn here; inside one, `checkRequests` did).
 */
export function applyPut(txn: TxnWrite, p: PutRequest): PutResponse {
  let value = p.value;
  let lease = p.lease;
  const response: PutResponse = { header: revisionHeader(0) };
  if (p.ignoreValue || p.ignoreLease || p.prevKv) {
    const previous = txn.range(p.key, '').kvs[0];
    if ((p.ignoreValue || p.ignoreLease) && previous === undefined) throw Rpc.KeyNotFound;
    if (previous !== undefined) {
      if (p.ignoreValue) value = previous.value;
      if (p.ignoreLease) lease = previous.lease;
      if (p.prevKv) response.prevKv = previous;
    }
  }
  response.header = revisionHeader(txn.put(p.key, value, lease));
  return response;
}

/** etcd's `applierV3backend.DeleteRange`, with `prev_kv` read in the same txn before deleting. */
export function applyDeleteRange(txn: TxnWrite, d: DeleteRangeRequest): DeleteRangeResponse {
  const prevKvs = d.prevKv ? txn.range(d.key, d.rangeEnd).kvs : [];
  const { deleted, rev } = txn.deleteRange(d.key, d.rangeEnd);
  return { header: revisionHeader(rev), deleted, prevKvs };
}
