import { describe, expect, it } from 'vitest';
import type { PutRequest, RangeRequest, TxnRequest, WatchResponse } from '../../../src/server/index.ts';
import { ServerCluster } from '../../helpers/server-cluster.ts';

const put = (key: string, value: string, extra: Partial<PutRequest> = {}): PutRequest => ({
  key, value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false, ...extra,
});
const range = (key: string, extra: Partial<RangeRequest> = {}): RangeRequest => ({
  key, rangeEnd: '', limit: 0, revision: 0, sortOrder: 'NONE', sortTarget: 'KEY', serializable: false,
  keysOnly: false, countOnly: false, minModRevision: 0, maxModRevision: 0, minCreateRevision: 0, maxCreateRevision: 0, ...extra,
});

describe('the v3 API of a member', () => {
  it('writes through the log and every member applies it at the same revision', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const response = await cluster.drive(leader.server.v3.put(put('foo', 'bar')));
    expect(response.header).toMatchObject({ revision: 2, clusterId: cluster.clusterId, memberId: leader.id });
    cluster.tick(2);
    for (const m of cluster.members.values()) {
      const got = await cluster.drive(m.server.v3.range(range('foo', { serializable: true })));
      expect(got.kvs).toEqual([{ key: 'foo', value: 'bar', createRevision: 2, modRevision: 2, version: 1, lease: 0n }]);
      expect(got.header.revision).toBe(2);
    }
  });

  it('answers a linearizable range on a follower after a ReadIndex round', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    await cluster.drive(leader.server.v3.put(put('k', 'v1')));
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    const got = await cluster.drive(follower.server.v3.range(range('k')));
    expect(got.kvs.map((kv) => kv.value)).toEqual(['v1']);
  });

  it('decides a txn on compares and applies one branch in one revision', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const txn: TxnRequest = {
      compare: [{ result: 'EQUAL', target: 'CREATE', key: 'lock', rangeEnd: '', createRevision: 0 }],
      success: [{ requestPut: put('lock', 'me') }, { requestPut: put('owner', 'me') }],
      failure: [{ requestRange: range('lock') }],
    };
    const first = await cluster.drive(leader.server.v3.txn(txn));
    expect(first.succeeded).toBe(true);
    expect(first.header.revision).toBe(2);
    const second = await cluster.drive(leader.server.v3.txn(txn));
    expect(second.succeeded).toBe(false);
    expect(second.header.revision).toBe(2);
    expect(second.responses).toMatchObject([{ responseRange: { kvs: [{ key: 'lock', value: 'me' }], count: 1 } }]);
  });

  it('refuses a txn that puts a key twice, before proposing it', async () => {
    const cluster = new ServerCluster(['node1']);
    const leader = cluster.elect();
    const txn: TxnRequest = { compare: [], success: [{ requestPut: put('a', '1') }, { requestPut: put('a', '2') }], failure: [] };
    await expect(cluster.drive(leader.server.v3.txn(txn))).rejects.toThrow('etcdserver: duplicate key given in txn request');
  });

  it('fails a write txn whose range is at a future revision on every member, writing nothing', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const txn: TxnRequest = { compare: [], success: [{ requestPut: put('x', '1') }, { requestRange: range('x', { revision: 99 }) }], failure: [] };
    await expect(cluster.drive(leader.server.v3.txn(txn))).rejects.toThrow('etcdserver: mvcc: required revision is a future revision');
    cluster.tick(2);
    for (const m of cluster.members.values()) {
      const got = await cluster.drive(m.server.v3.range(range('x', { serializable: true })));
      expect(got.kvs).toEqual([]);
      expect(got.header.revision).toBe(1);
    }
  });

  it('grants a lease with at least the minimum TTL and revokes its keys in one revision', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const grant = await cluster.drive(leader.server.v3.leaseGrant({ ttl: 1, id: 0n }));
    expect(grant.ttl).toBe(2);
    expect(grant.id).toBeGreaterThan(0n);
    await cluster.drive(leader.server.v3.put(put('a', '1', { lease: grant.id })));
    await cluster.drive(leader.server.v3.put(put('b', '2', { lease: grant.id })));
    const ttl = await cluster.drive(leader.server.v3.leaseTimeToLive({ id: grant.id, keys: true }));
    expect(ttl.keys).toEqual(['a', 'b']);
    await cluster.drive(leader.server.v3.leaseRevoke({ id: grant.id }));
    const after = await cluster.drive(leader.server.v3.range(range('a', { rangeEnd: 'c' })));
    expect(after.kvs).toEqual([]);
    expect(after.header.revision).toBe(4);
    const gone = await cluster.drive(leader.server.v3.leaseTimeToLive({ id: grant.id, keys: false }));
    expect(gone.ttl).toBe(-1);
  });

  it('refuses a put with an unknown lease', async () => {
    const cluster = new ServerCluster(['node1']);
    const leader = cluster.elect();
    await expect(cluster.drive(leader.server.v3.put(put('a', '1', { lease: 12345n })))).rejects.toThrow('etcdserver: requested lease not found');
  });

  it('expires a lease on the leader\'s clock and replicates the revoke', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const grant = await cluster.drive(leader.server.v3.leaseGrant({ ttl: 2, id: 0n }));
    await cluster.drive(leader.server.v3.put(put('ephemeral', 'x', { lease: grant.id })));
    cluster.tick(35);
    for (const m of cluster.members.values()) {
      const got = await cluster.drive(m.server.v3.range(range('ephemeral', { serializable: true })));
      expect(got.kvs).toEqual([]);
    }
  });

  it('keeps a renewed lease alive through a follower, which forwards to the leader', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    const grant = await cluster.drive(leader.server.v3.leaseGrant({ ttl: 3, id: 0n }));
    for (let i = 0; i < 5; i++) {
      cluster.tick(15);
      const renewed = await cluster.drive(follower.server.v3.leaseKeepAlive({ id: grant.id }));
      expect(renewed.ttl).toBe(3);
    }
    const unknown = await cluster.drive(follower.server.v3.leaseKeepAlive({ id: 777n }));
    expect(unknown.ttl).toBe(0);
  });

  it('streams watch events in revision order, from an old revision through new writes', async () => {
    const cluster = new ServerCluster(['node1']);
    const leader = cluster.elect();
    for (let i = 0; i < 3; i++) await cluster.drive(leader.server.v3.put(put('w', String(i))));
    const seen: WatchResponse[] = [];
    const stream = leader.server.v3.watch((r) => seen.push(r));
    stream.send({ createRequest: { key: 'w', rangeEnd: '', startRevision: 2, progressNotify: false, filters: [], prevKv: true, watchId: 0, fragment: false } });
    cluster.tick(2);
    await cluster.drive(leader.server.v3.put(put('w', 'new')));
    cluster.tick(1);
    expect(seen[0]).toMatchObject({ created: true, watchId: 0 });
    const events = seen.flatMap((r) => r.events);
    expect(events.map((e) => [e.kv.value, e.kv.modRevision, e.prevKv?.value])).toEqual([
      ['0', 2, undefined],
      ['1', 3, '0'],
      ['2', 4, '1'],
      ['new', 5, '2'],
    ]);
    stream.close();
  });

  it('does not apply a v3 entry twice after a restart (the store remembers its applied index)', async () => {
    const cluster = new ServerCluster(['node1']);
    const leader = cluster.elect();
    for (let i = 0; i < 5; i++) await cluster.drive(leader.server.v3.put(put('k', String(i))));
    cluster.crash('node1');
    cluster.restart('node1');
    const again = cluster.elect();
    const got = await cluster.drive(again.server.v3.range(range('k')));
    expect(got.kvs[0]).toMatchObject({ value: '4', version: 5, modRevision: 6 });
    expect(got.header.revision).toBe(6);
  });

  it('raises NOSPACE past the key quota: puts refused on every member until the alarm is disarmed', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3'], { v3QuotaKeys: 3 });
    const leader = cluster.elect();
    for (const k of ['a', 'b', 'c']) await cluster.drive(leader.server.v3.put(put(k, '1')));
    await expect(cluster.drive(leader.server.v3.put(put('d', '1')))).rejects.toThrow('etcdserver: mvcc: database space exceeded');
    const alarms = await cluster.drive(leader.server.v3.alarm({ action: 'GET', memberId: '', alarm: 'NONE' }));
    expect(alarms.alarms).toEqual([{ memberId: leader.id, alarm: 'NOSPACE' }]);
    // Capped: even an overwrite is refused, a delete is not.
    await expect(cluster.drive(leader.server.v3.put(put('a', '2')))).rejects.toThrow('database space exceeded');
    // As with etcd: free space (delete, then compact away the tombstone), then disarm.
    const deleted = await cluster.drive(leader.server.v3.deleteRange({ key: 'c', rangeEnd: '', prevKv: false }));
    await cluster.drive(leader.server.v3.compact({ revision: deleted.header.revision, physical: true }));
    await cluster.drive(leader.server.v3.alarm({ action: 'DEACTIVATE', memberId: leader.id, alarm: 'NOSPACE' }));
    await expect(cluster.drive(leader.server.v3.put(put('a', '3')))).resolves.toBeDefined();
    const status = await cluster.drive(leader.server.v3.status());
    expect(status.errors).toEqual([]);
  });
});
