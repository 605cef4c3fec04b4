import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KVStore, type Bytes, type KeyValue, type LeaseId } from '../../src/mvcc/index.ts';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { run } from '../helpers/commands.ts';
import { MemoryBackend } from '../helpers/memory-backend.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { LeaseItems } from '../mvcc/helpers.ts';

/**
 * The same random history (puts, deletes, txns, leases and their revocation, physical
 * compactions) on a real etcd 3.4 and on edgecd's mvcc store: HashKV (CRC-32C over the key
 * bucket, etcd's corruption check) and every range must come out the same, at the current and
 * at older revisions. HashKV is gRPC only (the gateway's /v3/maintenance/hash is the whole-db
 * Hash), so it is read with `etcdctl endpoint hashkv`.
 */

const b64 = (s: Bytes): string => Buffer.from(s, 'latin1').toString('base64');
const unb64 = (s: string | undefined): Bytes => Buffer.from(s ?? '', 'base64').toString('latin1');

let etcd: RealEtcdCluster;
let url: string;

beforeAll(async () => {
  etcd = await startRealEtcd();
  url = etcd.clientURLs[0]!;
});
afterAll(async () => {
  await etcd?.stop();
});

async function call(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: ${JSON.stringify(json)}`);
  return json;
}

const headerRevision = (r: Record<string, unknown>): number => Number((r.header as { revision?: string }).revision ?? 0);

async function etcdHashKV(rev: number): Promise<{ hash: number; revision: number; compactRevision: number }> {
  const out = await run('etcdctl', ['--endpoints', url, 'endpoint', 'hashkv', `--rev=${rev}`, '-w', 'json'], { env: { ETCDCTL_API: '3' } });
  if (out.code !== 0) throw new Error(out.stderr);
  const [first] = JSON.parse(out.stdout) as { HashKV: { header: { revision: number }; hash: number; compact_revision: number } }[];
  return { hash: first!.HashKV.hash, revision: first!.HashKV.header.revision, compactRevision: first!.HashKV.compact_revision };
}

async function etcdRange(rev: number): Promise<KeyValue[]> {
  const r = await call('/v3/kv/range', { key: b64('\0'), range_end: b64('\0'), revision: String(rev) });
  const kvs = (r.kvs ?? []) as Record<string, string | undefined>[];
  return kvs.map((kv) => ({
    key: unb64(kv.key),
    value: unb64(kv.value),
    createRevision: Number(kv.create_revision ?? 0),
    modRevision: Number(kv.mod_revision ?? 0),
    version: Number(kv.version ?? 0),
    lease: BigInt(kv.lease ?? 0),
  }));
}

type TxnOp = { put: Bytes; value: Bytes } | { del: Bytes };

const KEYS: Bytes[] = ['a', 'b', 'foo', 'foo/1', 'foo/2', '\x00', '\x7f\x80', '\xff\xfe', 'z'];
const VALUES: Bytes[] = ['', 'v', 'value', '\x00\x01\x02', '\xff'.repeat(20), 'x'.repeat(300)];

describe('mvcc against real etcd 3.4', () => {
  it('gives the same HashKV and ranges as etcd for the same random history', async () => {
    const random = seededRandom(2024);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const leases = new LeaseItems();
    const store = new KVStore(new MemoryBackend(), { leases, compactionBatchLimit: 3 });
    const granted: LeaseId[] = [];
    let nextLease = 7_000_000_000_000_000_000n;
    let compacted = 0;

    const check = async (): Promise<void> => {
      const revs = new Set([0, store.rev()]);
      for (let i = 0; i < 2 && store.rev() > compacted; i++) revs.add(compacted + 1 + Math.floor(random() * (store.rev() - compacted)));
      for (const rev of revs) {
        if (rev !== 0 && rev <= compacted) continue;
        const theirs = await etcdHashKV(rev);
        const ours = store.hashByRev(rev);
        expect({ rev, hash: ours.hash, revision: ours.currentRev, compactRevision: ours.compactRev }).toEqual({ rev, ...theirs });
      }
      const at = Math.max(compacted, 1) + Math.floor(random() * (store.rev() - Math.max(compacted, 1) + 1));
      expect(store.range('\0', '\0', { rev: at }).kvs, `range at ${at}`).toEqual(await etcdRange(at));
    };

    for (let step = 0; step < 160; step++) {
      const roll = random();
      let theirRev: number;
      if (roll < 0.45) {
        const key = pick(KEYS);
        const value = pick(VALUES);
        const lease = granted.length > 0 && random() < 0.3 ? pick(granted) : 0n;
        theirRev = headerRevision(await call('/v3/kv/put', { key: b64(key), value: b64(value), ...(lease !== 0n ? { lease } : {}) }));
        store.put(key, value, lease);
      } else if (roll < 0.6) {
        const key = pick(KEYS);
        const end = pick(['', '\0', 'foo0', '\xff']);
        theirRev = headerRevision(await call('/v3/kv/deleterange', { key: b64(key), ...(end === '' ? {} : { range_end: b64(end) }) }));
        store.deleteRange(key, end);
      } else if (roll < 0.78) {
        // A txn: puts on distinct keys, deletes of other single keys (etcd refuses overlaps).
        const keys = [...KEYS].sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 3));
        const ops = keys.map((key, i): TxnOp => (i % 3 === 2 ? { del: key } : { put: key, value: pick(VALUES) }));
        theirRev = headerRevision(
          await call('/v3/kv/txn', {
            success: ops.map((op) =>
              'put' in op ? { request_put: { key: b64(op.put), value: b64(op.value) } } : { request_delete_range: { key: b64(op.del) } },
            ),
          }),
        );
        const txn = store.write();
        for (const op of ops) ('put' in op ? txn.put(op.put, op.value) : txn.deleteRange(op.del, ''));
        txn.end();
      } else if (roll < 0.85) {
        const id = nextLease++;
        theirRev = headerRevision(await call('/v3/lease/grant', { TTL: '100000', ID: id.toString() }));
        granted.push(id);
      } else if (roll < 0.9 && granted.length > 0) {
        // A revoke deletes the lease's keys in one txn, in key order (etcd's lessor.Revoke).
        const id = granted.splice(Math.floor(random() * granted.length), 1)[0]!;
        theirRev = headerRevision(await call('/v3/lease/revoke', { ID: id.toString() }));
        const attached = [...leases.byKey].filter(([, lease]) => lease === id).map(([key]) => key).sort();
        const txn = store.write();
        for (const key of attached) txn.deleteRange(key, '');
        txn.end();
      } else if (roll < 0.95 && store.rev() > compacted + 1) {
        const rev = compacted + 1 + Math.floor(random() * (store.rev() - compacted));
        await call('/v3/kv/compaction', { revision: String(rev), physical: true });
        store.compact(rev);
        compacted = rev;
        // Physical deletion in steps, to any depth: the hash must not care.
        for (let i = Math.floor(random() * 4); i > 0; i--) store.runCompactionStep();
        theirRev = store.rev();
      } else {
        await check();
        continue;
      }
      expect(store.rev(), `step ${step}`).toBe(theirRev);
    }
    await check();
    while (store.runCompactionStep());
    await check();
  });
});
