import type { KeyValue } from '../../mvcc/index.ts';
import type { ResponseHeader, V3Api } from '../../server/index.ts';
import { firstCreate, leaseHex, prefixEnd, rangeOf, rangeResponse, sessionLease, waitDeletes, watchEach, watchFrom } from './concurrency.ts';
import type { LeaderKey } from './gateway-api.ts';
import { putOf } from './lock.ts';

/**
 * etcd's election service (etcdserver/api/v3election/election.go over
 * clientv3/concurrency/election.go) on a member's V3Api. A candidate is the key
 * `name/<lease in hex>` holding its value; the leader is the oldest candidate. Errors reach the
 * client as code Unknown (500), as the lock service's do.
 */

export const NOT_LEADER = 'election: not leader';
export const NO_LEADER = 'election: no leader';
export const MISSING_LEADER = '"leader" field must be provided';

/** `Campaign`: answers once this candidate leads; a client that leaves first resigns. */
export async function campaign(api: V3Api, request: { name: string; lease: bigint; value: string }, signal: AbortSignal): Promise<{ header: ResponseHeader; leader: LeaderKey }> {
  const lease = await sessionLease(api, request.lease);
  const prefix = `${request.name}/`;
  const key = `${prefix}${leaseHex(lease)}`;
  const txn = await api.txn({
    compare: [{ result: 'EQUAL', target: 'CREATE', key, rangeEnd: '', createRevision: 0 }],
    success: [{ requestPut: putOf(key, request.value, lease) }],
    failure: [{ requestRange: rangeOf(key) }],
  });
  let revision = txn.header.revision;
  if (!txn.succeeded) {
    const existing = rangeResponse(txn.responses[0]).kvs[0]!;
    revision = existing.createRevision;
    if (existing.value !== request.value) {
      try {
        await proclaimAs(api, key, revision, lease, request.value);
      } catch (error) {
        await resignAs(api, key, revision).catch(() => undefined);
        throw error;
      }
    }
  }
  try {
    await waitDeletes(api, prefix, revision - 1, signal);
  } catch (error) {
    if (signal.aborted) await resignAs(api, key, revision).catch(() => undefined);
    throw error;
  }
  // The header is the campaign txn's, even after a wait (Election.Campaign keeps `resp.Header`).
  return { header: txn.header, leader: { name: request.name, key, rev: revision, lease } };
}

/** `Proclaim`: a new value from the leader, if the leader key is still the one it created. */
export async function proclaim(api: V3Api, request: { leader?: LeaderKey; value: string }): Promise<{ header: ResponseHeader }> {
  const leader = request.leader;
  if (leader === undefined) throw new Error(MISSING_LEADER);
  // ResumeElection over a session on the leader's lease (a new one when it names none).
  const lease = await sessionLease(api, leader.lease);
  return { header: await proclaimAs(api, leader.key, leader.rev, lease, request.value) };
}

async function proclaimAs(api: V3Api, key: string, revision: number, lease: bigint, value: string): Promise<ResponseHeader> {
  const txn = await api.txn({
    compare: [{ result: 'EQUAL', target: 'CREATE', key, rangeEnd: '', createRevision: revision }],
    success: [{ requestPut: putOf(key, value, lease) }],
    failure: [],
  });
  if (!txn.succeeded) throw new Error(NOT_LEADER);
  return txn.header;
}

/** `Resign`: deletes the leader key if it is still the one it created (a no-op answer otherwise). */
export async function resign(api: V3Api, request: { leader?: LeaderKey }): Promise<{ header: ResponseHeader }> {
  const leader = request.leader;
  if (leader === undefined) throw new Error(MISSING_LEADER);
  await sessionLease(api, leader.lease);
  return { header: await resignAs(api, leader.key, leader.rev) };
}

async function resignAs(api: V3Api, key: string, revision: number): Promise<ResponseHeader> {
  const txn = await api.txn({
    compare: [{ result: 'EQUAL', target: 'CREATE', key, rangeEnd: '', createRevision: revision }],
    success: [{ requestDeleteRange: { key, rangeEnd: '', prevKv: false } }],
    failure: [],
  });
  return txn.header;
}

/** `Leader`: the oldest candidate's key-value. */
export async function leader(api: V3Api, request: { name: string }): Promise<{ header: ResponseHeader; kv: KeyValue }> {
  const response = await api.range(firstCreate(`${request.name}/`));
  const kv = response.kvs[0];
  if (kv === undefined) throw new Error(NO_LEADER);
  return { header: response.header, kv };
}

/**
 * `Observe` (concurrency `Election.observe`): the current leader, then every value it proclaims,
 * then, once its key goes, the next leader, and so on until the client leaves. With no leader
 * it waits for the first candidate's put. A failed read or watch ends the stream quietly.
 */
export async function observe(api: V3Api, request: { name: string }, send: (response: { header: ResponseHeader; kv: KeyValue }) => void, signal: AbortSignal): Promise<void> {
  const prefix = `${request.name}/`;
  try {
    while (!signal.aborted) {
      const current = await api.range(firstCreate(prefix));
      let header = current.header;
      let kv = current.kvs[0];
      if (kv === undefined) {
        await watchEach(api, watchFrom(prefix, current.header.revision, prefixEnd(prefix)), (response) => {
          const put = response.events.find((event) => event.type === 'PUT');
          if (put === undefined) return 'more';
          // The header's revision is the put's (a response may carry several revisions).
          header = { ...response.header, revision: put.kv.modRevision };
          kv = put.kv;
          return 'stop';
        }, signal);
      }
      send({ header, kv: kv! });
      await watchEach(api, watchFrom(kv!.key, header.revision + 1), (response) => {
        for (const event of response.events) {
          if (event.type === 'DELETE') return 'stop';
          send({ header: response.header, kv: event.kv });
        }
        return 'more';
      }, signal);
    }
  } catch {
    // Observe's channel closes on any error; the stream then ends without one.
  }
}
