import { Rpc, type RequestOp, type RpcError, type TxnRequest } from '../../server/index.ts';

/** etcd's default `--max-txn-ops`. */
export const MAX_TXN_OPS = 128;

/**
 * A txn op with no request set (`{}`, or `{"request_range": null}`, which Go does not send) is
 * one etcd refuses ("etcdserver: key not found", v3rpc `checkRequestOp`), but rpc.ts's
 * `RequestOp` cannot hold one, so the member never sees it. For a txn that has one, this is
 * etcd's `checkTxnRequest` in its order (too many ops, then compares with no key, then each op,
 * depth first), which decides what etcd would answer: the first failing check. Undefined when
 * the txn has no empty op (the member checks it).
 */
export function emptyOpError(txn: TxnRequest, maxOps = MAX_TXN_OPS): RpcError | undefined {
  if (!hasEmptyOp(txn)) return undefined;
  return firstTxnError(txn, maxOps);
}

function hasEmptyOp(txn: TxnRequest): boolean {
  return [...txn.success, ...txn.failure].some((op) => {
    if (Object.keys(op).length === 0) return true;
    return 'requestTxn' in op && hasEmptyOp(op.requestTxn);
  });
}

function firstTxnError(txn: TxnRequest, maxOps: number): RpcError | undefined {
  const ops = Math.max(txn.compare.length, txn.success.length, txn.failure.length);
  if (ops > maxOps) return Rpc.TooManyOps;
  if (txn.compare.some((c) => c.key.length === 0)) return Rpc.EmptyKey;
  for (const op of [...txn.success, ...txn.failure]) {
    const error = opError(op, maxOps - ops);
    if (error !== undefined) return error;
  }
  return undefined;
}

function opError(op: RequestOp, maxOps: number): RpcError | undefined {
  if ('requestRange' in op) return op.requestRange.key.length === 0 ? Rpc.EmptyKey : undefined;
  if ('requestDeleteRange' in op) return op.requestDeleteRange.key.length === 0 ? Rpc.EmptyKey : undefined;
  if ('requestPut' in op) {
    const put = op.requestPut;
    if (put.key.length === 0) return Rpc.EmptyKey;
    if (put.ignoreValue && put.value.length !== 0) return Rpc.ValueProvided;
    if (put.ignoreLease && put.lease !== 0n) return Rpc.LeaseProvided;
    return undefined;
  }
  if ('requestTxn' in op) return firstTxnError(op.requestTxn, maxOps);
  return Rpc.KeyNotFound;
}
