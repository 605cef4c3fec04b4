import { describe, expect, it } from 'vitest';
import { EtcdError } from '../../src/store/index.ts';
import { ServerError } from '../../src/server/index.ts';
import { ServerCluster } from '../helpers/server-cluster.ts';

describe('a single-member cluster', () => {
  it('elects itself, publishes, records the cluster version, and takes the first user write at index 4 as etcd does', async () => {
    const cluster = new ServerCluster(['node1']);
    cluster.elect();
    const response = await cluster.serveV2('node1', { method: 'PUT', path: '/1/foo', val: 'bar' });
    expect(response.event?.action).toBe('set');
    expect(response.event?.etcdIndex).toBe(4);
    expect(response.event?.node.modifiedIndex).toBe(4);
    expect(cluster.member('node1').server.cluster.version).toBe('3.4.0');
  });

  it('answers reads from memory and quorum reads through ReadIndex without a log write', async () => {
    const cluster = new ServerCluster(['node1']);
    cluster.elect();
    await cluster.serveV2('node1', { method: 'PUT', path: '/1/k', val: 'v' });
    const before = cluster.member('node1').server.raftStatus.commit;
    const read = await cluster.serveV2('node1', { method: 'QGET', path: '/1/k' });
    expect(read.event?.node.value).toBe('v');
    expect(cluster.member('node1').server.raftStatus.commit).toBe(before);
  });

  it('returns store errors as results of the replicated request', async () => {
    const cluster = new ServerCluster(['node1']);
    cluster.elect();
    await expect(cluster.serveV2('node1', { method: 'PUT', path: '/1/k', val: 'v', prevExist: true })).rejects.toBeInstanceOf(EtcdError);
  });
});

describe('the space quota', () => {
  it('refuses a write that would take the store past it, without writing it, and takes deletes to free space', async () => {
    const cluster = new ServerCluster(['node1'], { quotaBytes: 2_000 });
    cluster.elect();
    const value = 'x'.repeat(400);
    let written = 0;
    let refusal: unknown;
    for (let i = 0; i < 10 && refusal === undefined; i++) {
      await cluster.serveV2('node1', { method: 'PUT', path: `/1/k${i}`, val: value }).then(() => written++, (error: unknown) => (refusal = error));
    }
    expect(written).toBeGreaterThan(0);
    expect(refusal).toBeInstanceOf(ServerError);
    expect((refusal as ServerError).message).toBe('etcdserver: no space');
    const server = cluster.member('node1').server;
    const commit = server.raftStatus.commit;
    await expect(cluster.serveV2('node1', { method: 'POST', path: '/1/queue', val: value })).rejects.toThrow('etcdserver: no space');
    expect(server.raftStatus.commit).toBe(commit);
    expect(server.store.approximateBytes()).toBeLessThanOrEqual(2_000);
    // Deletes are never refused, and what they free can be written again.
    await cluster.serveV2('node1', { method: 'DELETE', path: '/1/k0' });
    await expect(cluster.serveV2('node1', { method: 'PUT', path: '/1/again', val: value })).resolves.toBeDefined();
  });
});

describe('a three-member cluster', () => {
  it('computes the same first user index as a real three-member etcd (8)', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const response = await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/foo', val: 'bar' });
    expect(response.event?.etcdIndex).toBe(8);
  });

  it('accepts a write at a follower (forwarded to the leader) and every member applies it', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    const response = await cluster.serveV2(follower.name, { method: 'PUT', path: '/1/x', val: '1' });
    expect(response.event?.node.value).toBe('1');
    cluster.tick(2);
    for (const m of cluster.members.values()) expect(m.server.store.get('/1/x').node.value).toBe('1');
  });

  it('expires TTL keys through leader-proposed SYNC entries, with the same index everywhere', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/ttl', val: 'v', expiration: cluster.nowMs + 1000 });
    cluster.tick(20);
    const indexes = [...cluster.members.values()].map((m) => m.server.store.index());
    expect(new Set(indexes).size).toBe(1);
    for (const m of cluster.members.values()) expect(() => m.server.store.get('/1/ttl')).toThrow(EtcdError);
  });

  it('elects a new leader when the leader crashes, and keeps serving writes', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const first = cluster.elect();
    cluster.crash(first.name);
    cluster.tick(40);
    const second = cluster.leader();
    expect(second).toBeDefined();
    expect(second!.name).not.toBe(first.name);
    const response = await cluster.serveV2(second!.name, { method: 'PUT', path: '/1/after', val: 'x' });
    expect(response.event?.action).toBe('set');
  });

  it('loses nothing acknowledged across a crash and restart of every member', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    for (let i = 0; i < 20; i++) await cluster.serveV2(leader.name, { method: 'PUT', path: `/1/k${i}`, val: String(i) });
    for (const name of cluster.members.keys()) cluster.crash(name);
    for (const name of cluster.members.keys()) cluster.restart(name);
    const again = cluster.elect();
    for (let i = 0; i < 20; i++) expect(again.server.store.get(`/1/k${i}`).node.value).toBe(String(i));
  });

  it('snapshots every snapshot-count entries and catches up a lagging follower from the snapshot', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3'], { snapshotCount: 20 });
    const leader = cluster.elect();
    const lagging = [...cluster.members.values()].find((m) => m !== leader)!;
    cluster.crash(lagging.name);
    for (let i = 0; i < 60; i++) await cluster.serveV2(leader.name, { method: 'PUT', path: `/1/s${i}`, val: String(i) });
    expect(leader.disk.firstIndex()).toBeGreaterThan(1);
    cluster.restart(lagging.name);
    cluster.tick(30);
    expect(lagging.server.store.get('/1/s59').node.value).toBe('59');
    expect(lagging.server.store.index()).toBe(leader.server.store.index());
  });

  it('applies a retried write once: a request ID already applied answers with the first outcome', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const first = await cluster.serveV2(leader.name, { id: 'client-1', method: 'POST', path: '/1/queue', val: 'job' });
    const retry = await cluster.serveV2(leader.name, { id: 'client-1', method: 'POST', path: '/1/queue', val: 'job' });
    expect(retry.event?.node.key).toBe(first.event?.node.key);
    expect(leader.server.store.get('/1/queue').node.nodes).toHaveLength(1);
  });
});

describe('what a member writes', () => {
  it('writes a replicated request once per member: the commit index that follows is not written alone (volatile state, Raft Figure 2)', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    cluster.tick(5);
    const before = [...cluster.members.values()].map((m) => m.disk.saves);
    await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/k', val: 'v' });
    cluster.tick(5);
    const writes = [...cluster.members.values()].map((m, i) => m.disk.saves - before[i]!);
    expect(writes).toEqual([1, 1, 1]);
  });

  it('restarts from a snapshot taken while the commit index was not yet written', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3'], { snapshotCount: 10 });
    const leader = cluster.elect();
    for (let i = 0; i < 35; i++) await cluster.serveV2(leader.name, { method: 'PUT', path: `/1/s${i}`, val: String(i) });
    for (const name of cluster.members.keys()) cluster.crash(name);
    for (const name of cluster.members.keys()) cluster.restart(name);
    const again = cluster.elect();
    expect(again.server.store.get('/1/s34').node.value).toBe('34');
  });
});
