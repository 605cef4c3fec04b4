import { prefixEnd, toBase64, type Bytes } from '../model/bytes.ts';
import { V3KeyTree } from '../model/v3-key-tree.ts';
import { v3Call } from './http.ts';
import { ALL_KEYS, headerRevision, keyValue, type HeaderJSON, type KeyValueJSON } from './v3-gateway.ts';
import { watchAllKeys, type V3WatchHandlers, type WatchTransport } from './v3-watch.ts';

/** Keys per range page while loading: a large keyspace comes in bounded answers. */
const PAGE_KEYS = 500;

interface RangeJSON {
  header?: HeaderJSON;
  kvs?: KeyValueJSON[];
  more?: boolean;
}

export interface V3PutOptions {
  /** Attach a new lease of this many seconds (granted first). */
  leaseTtlSeconds?: number;
  /** Keep the key's current lease (`ignore_lease`). */
  keepLease?: boolean;
}

/**
 * The v3 keyspace through the JSON gateway: every key loaded with `/v3/kv/range` in pages pinned
 * to the first page's revision (one consistent view, as `etcdctl get --prefix` with a limit
 * pages), written with `/v3/kv/put` and `/v3/kv/deleterange`, leases from `/v3/lease/*`, and
 * followed with one `/v3/watch` from the loaded revision + 1.
 */
export class V3Keyspace {
  constructor(private readonly transport?: WatchTransport) {}

  async load(): Promise<V3KeyTree> {
    let revision = 0;
    let from = ALL_KEYS.key;
    const kvs = [];
    for (;;) {
      const page = await v3Call<RangeJSON>('/v3/kv/range', {
        key: toBase64(from),
        range_end: toBase64(ALL_KEYS.rangeEnd),
        limit: String(PAGE_KEYS),
        ...(revision === 0 ? {} : { revision: String(revision) }),
      });
      if (revision === 0) revision = headerRevision(page.header);
      const got = (page.kvs ?? []).map(keyValue);
      kvs.push(...got);
      const last = got[got.length - 1];
      if (page.more !== true || last === undefined) break;
      // The next page starts just after the last key (the smallest key greater than it).
      from = `${last.key}\0`;
    }
    return V3KeyTree.fromRange(kvs, revision);
  }

  async put(key: Bytes, value: Bytes, options: V3PutOptions = {}): Promise<void> {
    const body: Record<string, unknown> = { key: toBase64(key), value: toBase64(value) };
    if (options.leaseTtlSeconds !== undefined) body.lease = await this.grantLease(options.leaseTtlSeconds);
    else if (options.keepLease === true) body.ignore_lease = true;
    await v3Call('/v3/kv/put', body);
  }

  async remove(key: Bytes): Promise<void> {
    await v3Call('/v3/kv/deleterange', { key: toBase64(key) });
  }

  /** Deletes every key with this prefix in one revision (etcdctl `del --prefix`). */
  async removePrefix(prefix: Bytes): Promise<number> {
    const range = prefix === '' ? ALL_KEYS : { key: prefix, rangeEnd: prefixEnd(prefix) };
    const answer = await v3Call<{ deleted?: string }>('/v3/kv/deleterange', { key: toBase64(range.key), range_end: toBase64(range.rangeEnd) });
    return Number(answer.deleted ?? 0);
  }

  /** A new lease's ID (decimal, as the gateway writes int64). */
  async grantLease(ttlSeconds: number): Promise<string> {
    const answer = await v3Call<{ ID?: string }>('/v3/lease/grant', { TTL: String(ttlSeconds) });
    if (answer.ID === undefined) throw new Error('the lease grant answered no ID');
    return answer.ID;
  }

  /** A lease's remaining and granted TTL in seconds; -1 remaining for a lease that is gone. */
  async timeToLive(id: string): Promise<{ ttl: number; grantedTtl: number }> {
    const answer = await v3Call<{ TTL?: string; grantedTTL?: string }>('/v3/lease/timetolive', { ID: id });
    return { ttl: Number(answer.TTL ?? 0), grantedTtl: Number(answer.grantedTTL ?? 0) };
  }

  watch(fromRevision: number, handlers: V3WatchHandlers): () => void {
    return watchAllKeys(fromRevision, handlers, this.transport);
  }
}
