import { describe, expect, it } from 'vitest';
import type { PutRequest } from '../../../src/server/index.ts';
import { ServerCluster, type SimMember } from '../../helpers/server-cluster.ts';

const put = (key: string, value: string, lease = 0n): PutRequest => ({ key, value, lease, prevKv: false, ignoreValue: false, ignoreLease: false });
/** etcd's HealthInterval (5 s) in 100 ms ticks: membership changes wait for it. */
const HEALTHY = 55;

async function hashes(cluster: ServerCluster): Promise<Map<string, { hash: number; revision: number }>> {
  cluster.tick(3);
  const out = new Map<string, { hash: number; revision: number }>();
  for (const m of cluster.members.values()) {
    if (!m.up) continue;
    const response = await cluster.drive(m.server.v3.hash());
    out.set(m.name, { hash: response.hash, revision: response.header.revision });
  }
  return out;
}

function theOne(all: Map<string, { hash: number; revision: number }>): { hash: number; revision: number } {
  const distinct = new Set([...all.values()].map((h) => `${h.hash}@${h.revision}`));
  expect([...distinct]).toHaveLength(1);
  return [...all.values()][0]!;
}

describe("Hash (etcd 3.4's maintenance Hash: the whole backend)", () => {
  it('is the same on every member in the same state, and moves with every kind of state it covers', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader: SimMember = cluster.elect();
    cluster.tick(HEALTHY);
    const v3 = leader.server.v3;
    const seen = new Set<number>();
    const step = async (what: string, change: () => Promise<unknown>): Promise<void> => {
      await cluster.drive(change());
      const { hash, revision } = theOne(await hashes(cluster));
      expect(seen.has(hash), `${what} changed the hash`).toBe(false);
      seen.add(hash);
      expect(revision).toBe(leader.server.v3.header().revision);
    };
    await step('nothing yet', async () => undefined);
    await step('a put', () => v3.put(put('a', '1')));
    await step('another value for the key', () => v3.put(put('a', '2')));
    await step('a delete (a tombstone row)', () => v3.deleteRange({ key: 'a', rangeEnd: '', prevKv: false }));
    const lease = await cluster.drive(v3.leaseGrant({ ttl: 600, id: 0n }));
    seen.add(theOne(await hashes(cluster)).hash);
    await step('a key on the lease', () => v3.put(put('leased', 'x', lease.id)));
    const beforeAlarm = theOne(await hashes(cluster)).hash;
    await step('an alarm', () => v3.alarm({ action: 'ACTIVATE', memberId: leader.id, alarm: 'CORRUPT' }));
    await cluster.drive(v3.alarm({ action: 'DEACTIVATE', memberId: leader.id, alarm: 'CORRUPT' }));
    expect(theOne(await hashes(cluster)).hash, 'the alarm cleared: the state before it').toBe(beforeAlarm);
    await step('a compaction (rows gone, compaction revisions in meta)', () => v3.compact({ revision: 4, physical: true }));
    await step('a member added', () => leader.server.addMember(['http://node4:2380'], cluster.nowMs, true));
    await step('a lease revoked (its key deleted)', () => v3.leaseRevoke({ id: lease.id }));
  });

  it('does not depend on how far a member has run a compaction', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const v3 = leader.server.v3;
    for (let i = 0; i < 30; i++) await cluster.drive(v3.put(put(`k${i % 3}`, `v${i}`)));
    // Not physical: answered before the rows are deleted, which takes ticks; the hash waits.
    await cluster.drive(v3.compact({ revision: 25, physical: false }));
    let settled = false;
    const pending = leader.server.v3.hash().finally(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    const hash = (await cluster.drive(pending)).hash;
    expect(theOne(await hashes(cluster)).hash).toBe(hash);
  });

  it('is the same on a member that caught up from a snapshot', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3'], { snapshotCount: 20 });
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    const v3 = leader.server.v3;
    const grant = await cluster.drive(v3.leaseGrant({ ttl: 600, id: 0n }));
    for (let i = 0; i < 40; i++) await cluster.drive(v3.put(put(`k${i % 7}`, `v${i}`, i % 5 === 0 ? grant.id : 0n)));
    await cluster.drive(v3.compact({ revision: 20, physical: true }));
    await cluster.drive(v3.alarm({ action: 'ACTIVATE', memberId: leader.id, alarm: 'CORRUPT' }));
    for (let i = 0; i < 30; i++) await cluster.serveV2(leader.name, { method: 'PUT', path: `/1/v2-${i}`, val: String(i) });
    const added = await cluster.drive(leader.server.addMember(['http://node4:2380'], cluster.nowMs));
    const joined = cluster.join('node4', added.id);
    cluster.tick(30);
    expect(joined.disk.snapshot().metadata.index).toBeGreaterThan(0);
    const all = await hashes(cluster);
    expect(all.size).toBe(4);
    theOne(all);
  });
});
