import type { KeyValue, ReadView, TxnWrite } from '../../mvcc/index.ts';
import type { Compare, RequestOp, ResponseOp, TxnRequest, TxnResponse } from './rpc.ts';
import { applyRange, revisionHeader } from './range.ts';
import { applyDeleteRange, applyPut } from './writes.ts';

/**
 * etcd's txn application (etcdserver/apply.go: `Txn`, `compareToPath`, `applyCompare`,
 * `checkRequests`, `applyTxn`). A txn's path (which branch each nested txn takes) is decided
 * from the compares against one read view, then every request on the path is checked, and only
 * then does anything write: a txn either applies whole or fails with an error before writing,
 * identically on every member, since all of it is decided from the state the log has built.
 */

/** Whether every request of both branches is a range (etcd's `isTxnReadonly`). */
export function isTxnReadOnly(r: TxnRequest): boolean {
  return [...r.success, ...r.failure].every((op) => 'requestRange' in op);
}

/** Whether every request of both branches is a serializable range (etcd's `isTxnSerializable`). */
export function isTxnSerializable(r: TxnRequest): boolean {
  return [...r.success, ...r.failure].every((op) => 'requestRange' in op && op.requestRange.serializable);
}

/**
 * The branch each txn on the path takes, depth first: `[outer, first nested on the taken branch,
 * its nested..., next nested, ...]` (etcd's `txnPath`).
 */
export function compareToPath(view: ReadView, r: TxnRequest): boolean[] {
  const succeeded = r.compare.every((c) => applyCompare(view, c));
  const path = [succeeded];
  for (const op of succeeded ? r.success : r.failure) {
    if ('requestTxn' in op) path.push(...compareToPath(view, op.requestTxn));
  }
  return path;
}

/**
 * The requests on the path, in the order `applyTxn` will run them, for the checks etcd makes
 * before writing (`checkRequests`).
 */
export function requestsOnPath(r: TxnRequest, path: readonly boolean[]): RequestOp[] {
  const found: RequestOp[] = [];
  let cursor = 0;
  const walk = (txn: TxnRequest): void => {
    const ops = path[cursor++] === true ? txn.success : txn.failure;
    for (const op of ops) {
      if ('requestTxn' in op) walk(op.requestTxn);
      else found.push(op);
    }
  };
  walk(r);
  return found;
}

/**
 * Runs the requests on the path inside one write txn (or a read view for a read-only txn) and
 * builds the response tree. Nested responses carry a header with their revision only.
 */
export function applyTxnOps(txn: TxnWrite | ReadView, r: TxnRequest, path: readonly boolean[]): TxnResponse {
  let cursor = 0;
  const run = (t: TxnRequest): TxnResponse => {
    const succeeded = path[cursor++] === true;
    const responses: ResponseOp[] = [];
    for (const op of succeeded ? t.success : t.failure) {
      if ('requestRange' in op) responses.push({ responseRange: applyRange(txn, op.requestRange) });
      else if ('requestPut' in op) responses.push({ responsePut: applyPut(asWrite(txn), op.requestPut) });
      else if ('requestDeleteRange' in op) responses.push({ responseDeleteRange: applyDeleteRange(asWrite(txn), op.requestDeleteRange) });
      else responses.push({ responseTxn: run(op.requestTxn) });
    }
    // etcd leaves a nested txn's header empty.
    return { header: revisionHeader(0), succeeded, responses };
  };
  return run(r);
}

function asWrite(txn: TxnWrite | ReadView): TxnWrite {
  if (!('put' in txn)) throw new Error('etcdserver: a write inside a read-only txn');
  return txn;
}

/** etcd's `applyCompare`: every key of the compare's range must satisfy it. */
function applyCompare(view: ReadView, c: Compare): boolean {
  let kvs: KeyValue[];
  try {
    kvs = view.range(c.key, c.rangeEnd).kvs;
  } catch {
    return false;
  }
  if (kvs.length === 0) {
    // A missing key has no value to compare (gRPC cannot tell an empty value from none).
    if (c.target === 'VALUE') return false;
    return compareKeyValue(c, { key: c.key, createRevision: 0, modRevision: 0, version: 0, value: '', lease: 0n });
  }
  return kvs.every((kv) => compareKeyValue(c, kv));
}

function compareKeyValue(c: Compare, kv: KeyValue): boolean {
  const order = targetOrder(c, kv);
  switch (c.result) {
    case 'EQUAL':
      return order === 0;
    case 'NOT_EQUAL':
      return order !== 0;
    case 'GREATER':
      return order > 0;
    case 'LESS':
      return order < 0;
  }
}

/** The key's target against the compare's (an unset target union compares with zero). */
function targetOrder(c: Compare, kv: KeyValue): number {
  const cmp = <T extends number | bigint | string>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);
  switch (c.target) {
    case 'VALUE':
      return cmp(kv.value, c.value ?? '');
    case 'CREATE':
      return cmp(kv.createRevision, c.createRevision ?? 0);
    case 'MOD':
      return cmp(kv.modRevision, c.modRevision ?? 0);
    case 'VERSION':
      return cmp(kv.version, c.version ?? 0);
    case 'LEASE':
      return cmp(kv.lease, c.lease ?? 0n);
  }
}
