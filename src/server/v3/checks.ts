import type { Bytes } from '../../mvcc/index.ts';
import { Rpc, type RpcError } from './errors.ts';
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from './rpc.ts';

/**
 * etcd's `--max-txn-ops` default: a txn's compare, success and failure lists each hold at most
 * this many operations.
 */
export const MAX_TXN_OPS = 128;

/**
 * The checks etcd's v3rpc `kvServer` makes before a request reaches the server
 * (etcdserver/api/v3rpc/key.go): they depend on the request alone, so the serving member refuses
 * a bad request before proposing it and every member that applies the log sees only good ones.
 */

export function checkRange(r: RangeRequest): RpcError | undefined {
  return r.key === '' ? Rpc.EmptyKey : undefined;
}

export function checkPut(r: PutRequest): RpcError | undefined {
  if (r.key === '') return Rpc.EmptyKey;
  if (r.ignoreValue && r.value !== '') return Rpc.ValueProvided;
  if (r.ignoreLease && r.lease !== 0n) return Rpc.LeaseProvided;
  return undefined;
}

export function checkDeleteRange(r: DeleteRangeRequest): RpcError | undefined {
  return r.key === '' ? Rpc.EmptyKey : undefined;
}

/** `checkTxnRequest`, then `checkIntervals` on both branches (after, to avoid quadratic work). */
export function checkTxn(r: TxnRequest, maxTxnOps = MAX_TXN_OPS): RpcError | undefined {
  return checkTxnOps(r, maxTxnOps) ?? duplicateKey(r.success) ?? duplicateKey(r.failure);
}

function checkTxnOps(r: TxnRequest, maxTxnOps: number): RpcError | undefined {
  const opc = Math.max(r.compare.length, r.success.length, r.failure.length);
  if (opc > maxTxnOps) return Rpc.TooManyOps;
  if (r.compare.some((c) => c.key === '')) return Rpc.EmptyKey;
  // etcd passes the remaining budget to nested txns (maxTxnOps - opc), as it does here.
  for (const op of [...r.success, ...r.failure]) {
    const error = checkRequestOp(op, maxTxnOps - opc);
    if (error !== undefined) return error;
  }
  return undefined;
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): RpcError | undefined {
  if ('requestRange' in op) return checkRange(op.requestRange);
  if ('requestPut' in op) return checkPut(op.requestPut);
  if ('requestDeleteRange' in op) return checkDeleteRange(op.requestDeleteRange);
  if ('requestTxn' in op) return checkTxnOps(op.requestTxn, maxTxnOps);
  // An empty union (`{}` on the wire): etcd answers "key not found".
  return Rpc.KeyNotFound;
}

/**
 * etcd's `checkIntervals`: within one branch, no key may be put twice or put and deleted, at this
 * level or in nested txns; a key put in both arms of one nested txn is fine (only one runs).
 */
function duplicateKey(ops: readonly RequestOp[]): RpcError | undefined {
  try {
    collectIntervals(ops);
    return undefined;
  } catch (error) {
    if (error === Rpc.DuplicateKey) return Rpc.DuplicateKey;
    throw error;
  }
}

/**
 * A delete's extent as etcd's interval tree holds it: `[key, rangeEnd)`, or the point
 * `[key, key+"\0")` when there is no range end. A put collides with a delete when its point
 * overlaps the interval (Go's `adt.Interval.Compare` is 0). An inverted interval (a range end
 * below the key, e.g. `"\0"`) overlaps no point, so a plain scan gives the tree's answers.
 */
interface Interval {
  begin: Bytes;
  end: Bytes;
}

function overlapsPoint(interval: Interval, key: Bytes): boolean {
  const pointEnd = `${key}\0`;
  return !(key < interval.begin && pointEnd <= interval.begin) && key < interval.end;
}

function collectIntervals(ops: readonly RequestOp[]): { puts: Set<Bytes>; dels: Interval[] } {
  const dels: Interval[] = [];
  for (const op of ops) {
    if (!('requestDeleteRange' in op)) continue;
    const { key, rangeEnd } = op.requestDeleteRange;
    dels.push(rangeEnd !== '' ? { begin: key, end: rangeEnd } : { begin: key, end: `${key}\0` });
  }
  const collides = (key: Bytes): boolean => dels.some((d) => overlapsPoint(d, key));

  const puts = new Set<Bytes>();
  for (const op of ops) {
    if (!('requestTxn' in op)) continue;
    const then = collectIntervals(op.requestTxn.success);
    const otherwise = collectIntervals(op.requestTxn.failure);
    for (const key of then.puts) {
      if (puts.has(key) || collides(key)) throw Rpc.DuplicateKey;
      puts.add(key);
    }
    for (const key of otherwise.puts) {
      if (puts.has(key) && !then.puts.has(key)) throw Rpc.DuplicateKey;
      if (collides(key)) throw Rpc.DuplicateKey;
      puts.add(key);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (!('requestPut' in op)) continue;
    const { key } = op.requestPut;
    if (puts.has(key) || collides(key)) throw Rpc.DuplicateKey;
    puts.add(key);
  }
  return { puts, dels };
}
