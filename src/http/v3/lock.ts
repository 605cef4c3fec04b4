import type { PutRequest, ResponseHeader, V3Api } from '../../server/index.ts';
import { firstCreate, leaseHex, rangeOf, rangeResponse, sessionLease, waitDeletes } from './concurrency.ts';

/**
 * etcd's lock service (etcdserver/api/v3lock/lock.go over clientv3/concurrency/mutex.go), on a
 * member's V3Api: a lock on `name` is the key `name/<lease in hex>` put with the session's lease;
 * the holder is the key under `name/` created first, and a waiter waits for every key created
 * before its own to go. Errors reach the client as code Unknown (500): the service is a client of
 * the member, and clientv3's errors carry no gRPC status.
 */

export function putOf(key: string, value: string, lease: bigint): PutRequest {
  return { key, value, lease, prevKv: false, ignoreValue: false, ignoreLease: false };
}

/** `Lock`: answers once this request holds the lock; a client that leaves first has its key deleted. */
export async function lock(api: V3Api, request: { name: string; lease: bigint }, signal: AbortSignal): Promise<{ header: ResponseHeader; key: string }> {
  const lease = await sessionLease(api, request.lease);
  const prefix = `${request.name}/`;
  const key = `${prefix}${leaseHex(lease)}`;
  // Mutex.Lock: put the key unless this session has it already; read the holder in the same txn.
  const txn = await api.txn({
    compare: [{ result: 'EQUAL', target: 'CREATE', key, rangeEnd: '', createRevision: 0 }],
    success: [{ requestPut: putOf(key, '', lease) }, { requestRange: firstCreate(prefix) }],
    failure: [{ requestRange: rangeOf(key) }, { requestRange: firstCreate(prefix) }],
  });
  let myRevision = txn.header.revision;
  if (!txn.succeeded) myRevision = rangeResponse(txn.responses[0]).kvs[0]!.createRevision;
  const holder = rangeResponse(txn.responses[1]).kvs[0];
  if (holder === undefined || holder.createRevision === myRevision) return { header: txn.header, key };
  try {
    return { header: await waitDeletes(api, prefix, myRevision - 1, signal), key };
  } catch (error) {
    // Mutex.Lock releases its key when the wait fails (the client left, the watch was cancelled).
    await api.deleteRange({ key, rangeEnd: '', prevKv: false }).catch(() => undefined);
    throw error;
  }
}

/** `Unlock`: deletes the key the lock answered. */
export async function unlock(api: V3Api, request: { key: string }): Promise<{ header: ResponseHeader }> {
  const response = await api.deleteRange({ key: request.key, rangeEnd: '', prevKv: false });
  return { header: response.header };
}
