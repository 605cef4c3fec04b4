import { describe, expect, it } from 'vitest';
import type { PutRequest, RangeRequest } from '../../../src/server/index.ts';
import { ServerCluster } from '../../helpers/server-cluster.ts';

const put = (key: string, value: string, lease = 0n): PutRequest => ({ key, value, lease, prevKv: false, ignoreValue: false, ignoreLease: false });
const all: RangeRequest = {
  key: '\0', rangeEnd: '\0', limit: 0, revision: 0, sortOrder: 'NONE', sortTarget: 'KEY', serializable: true,
  keysOnly: false, countOnly: false, minModRevision: 0, maxModRevision: 0, minCreateRevision: 0, maxCreateRevision: 0,
};
/** etcd's HealthInterval (5 s) in 100 ms ticks: membership changes wait for it. */
const HEALTHY = 55;

describe('a member that catches up from a snapshot', () => {
  it('receives the v3 key bucket, compaction, leases and alarms with it, and hashes the same', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3'], { snapshotCount: 20 });
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    const v3 = leader.server.v3;
    const grant = await cluster.drive(v3.leaseGrant({ ttl: 600, id: 0n }));
    for (let i = 0; i < 40; i++) await cluster.drive(v3.put(put(`k${i % 7}`, `v${i}`, i % 5 === 0 ? grant.id : 0n)));
    await cluster.drive(v3.deleteRange({ key: 'k3', rangeEnd: '', prevKv: false }));
    await cluster.drive(v3.compact({ revision: 20, physical: true }));
    for (let i = 0; i < 30; i++) await cluster.serveV2(leader.name, { method: 'PUT', path: `/1/v2-${i}`, val: String(i) });
    expect(leader.disk.firstIndex()).toBeGreaterThan(10);

    const added = await cluster.drive(leader.server.addMember(['http://node4:2380'], cluster.nowMs));
    const joined = cluster.join('node4', added.id);
    cluster.tick(30);
    expect(joined.disk.snapshot().metadata.index).toBeGreaterThan(0);

    const mine = await cluster.drive(joined.server.v3.range(all));
    const theirs = await cluster.drive(leader.server.v3.range(all));
    expect(mine.kvs).toEqual(theirs.kvs);
    expect(mine.header.revision).toBe(theirs.header.revision);
    const hashes = await Promise.all([joined, leader].map((m) => cluster.drive(m.server.v3.hashKV({ revision: 0 }))));
    expect(hashes[0]!.hash).toBe(hashes[1]!.hash);
    expect(hashes[0]!.compactRevision).toBe(20);
    await expect(cluster.drive(joined.server.v3.range({ ...all, revision: 19 }))).rejects.toThrow('required revision has been compacted');
    const leases = await cluster.drive(joined.server.v3.leaseLeases());
    expect(leases.leases.map((l) => l.id)).toEqual([grant.id]);

    // And it goes on applying the log after the snapshot like everyone else.
    await cluster.drive(v3.put(put('after', 'snapshot')));
    cluster.tick(3);
    const later = await cluster.drive(joined.server.v3.range({ ...all, key: 'after', rangeEnd: '' }));
    expect(later.kvs.map((kv) => kv.value)).toEqual(['snapshot']);
  });
});
