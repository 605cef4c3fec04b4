import type { Event, Store, TTLOptions } from '../store/index.ts';
import { CLUSTER_VERSION_KEY, MEMBER_ATTRIBUTES_PATH, MEMBER_RAFT_ATTRIBUTES_PATH, type RaftCluster } from './cluster.ts';
import { ServerError } from './errors.ts';
import type { V2Request } from './request.ts';
import type { V3Result } from './v3/apply-v3.ts';

/**
 * An applied request's outcome: its event, or the store's error (a refusal is a result too: every
 * member reaches it), or neither (membership writes and SYNC have no reader).
 */
export interface ApplyResult {
  event?: Event;
  error?: Error;
  /** A v3 request's outcome (its response or rpctypes error). */
  v3?: V3Result;
}

/**
 * etcd's `applierV2store` (etcdserver/apply_v2.go): what a committed v2 request does to the store.
 * Every member runs this for every committed request, so it must be deterministic: time comes
 * from the request (a TTL's absolute expiry, a SYNC's leader time), never from a local clock.
 */
export function applyV2Request(store: Store, cluster: RaftCluster, r: V2Request): ApplyResult {
  try {
    switch (r.method) {
      case 'POST':
        return { event: store.create(r.path, r.dir, r.val, true, ttlOptions(r)) };
      case 'PUT':
        return applyPut(store, cluster, r);
      case 'DELETE':
        if (r.prevIndex > 0 || r.prevValue !== '') {
          return { event: store.compareAndDelete(r.path, r.prevValue, r.prevIndex) };
        }
        return { event: store.delete(r.path, r.dir, r.recursive) };
      case 'QGET':
        return { event: store.get(r.path, r.recursive, r.sorted) };
      case 'SYNC':
        store.deleteExpiredKeys(r.time);
        return {};
      default:
        return { error: new ServerError(ServerError.UnknownMethod) };
    }
  } catch (error) {
    return { error: error as Error };
  }
}

function applyPut(store: Store, cluster: RaftCluster, r: V2Request): ApplyResult {
  const ttl = ttlOptions(r);
  if (r.prevExist !== undefined) {
    if (r.prevExist) {
      if (r.prevIndex === 0 && r.prevValue === '') return { event: store.update(r.path, r.val, ttl) };
      return { event: store.compareAndSwap(r.path, r.prevValue, r.prevIndex, r.val, ttl) };
    }
    return { event: store.create(r.path, r.dir, r.val, false, ttl) };
  }
  if (r.prevIndex > 0 || r.prevValue !== '') {
    return { event: store.compareAndSwap(r.path, r.prevValue, r.prevIndex, r.val, ttl) };
  }
  // A member publishing its attributes and the leader setting the cluster version are PUTs into
  // /0 that etcd routes to the membership, which writes the store itself; no one reads the event.
  const published = MEMBER_ATTRIBUTES_PATH.exec(r.path);
  if (published !== null) {
    cluster.updateAttributes(published[1]!, JSON.parse(r.val) as { name?: string; clientURLs?: string[] });
    return {};
  }
  const updated = MEMBER_RAFT_ATTRIBUTES_PATH.exec(r.path);
  if (updated !== null) {
    // `member update` (etcd: a ConfChangeUpdateNode). Peer URLs name members here but change no
    // Raft voter, so it travels as an ordinary entry; validation happens at apply, as in etcd.
    const { peerURLs } = JSON.parse(r.val) as { peerURLs: string[] };
    cluster.validateUpdate(updated[1]!, peerURLs);
    cluster.updatePeerURLs(updated[1]!, peerURLs);
    return {};
  }
  if (r.path === CLUSTER_VERSION_KEY) {
    cluster.setVersion(r.val);
    return {};
  }
  return { event: store.set(r.path, r.dir, r.val, ttl) };
}

function ttlOptions(r: V2Request): TTLOptions {
  const options: TTLOptions = {};
  if (r.expiration !== 0) options.expireTime = r.expiration;
  if (r.refresh !== undefined) options.refresh = r.refresh;
  return options;
}
