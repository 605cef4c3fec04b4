import { describe, expect, it } from 'vitest';
import { MembershipError, ServerError } from '../../src/server/index.ts';
import { ServerCluster } from '../helpers/server-cluster.ts';

/** Ticks (100 ms) after which every peer has been connected for etcd's 5 s health interval. */
const HEALTHY = 55;

const others = (cluster: ServerCluster, name: string) => [...cluster.members.values()].filter((m) => m.name !== name);

describe('membership changes', () => {
  it('removes the leader: it steps down, a new leader is elected, and the cluster keeps serving', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    const before = leader.server.store.index();
    await cluster.drive(leader.server.removeMember(leader.id));
    cluster.tick(30);
    expect(leader.server.isRemoved).toBe(true);
    const next = cluster.leader();
    expect(next).toBeDefined();
    expect(next!.name).not.toBe(leader.name);
    expect(next!.server.cluster.list().map((m) => m.id)).not.toContain(leader.id);
    expect(next!.server.cluster.isRemoved(leader.id)).toBe(true);
    // etcd's store writes for a removal: delete /0/members/<id> and create /0/removed_members/<id>.
    expect(next!.server.store.index()).toBe(before + 2);
    const write = await cluster.serveV2(next!.name, { method: 'PUT', path: '/1/after', val: 'v' });
    expect(write.event?.action).toBe('set');
  });

  it('adds a member as unstarted; started, it catches up and publishes its name', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/k', val: 'v' });
    const added = await cluster.drive(leader.server.addMember(['http://node4:2380'], cluster.nowMs));
    expect(added).toMatchObject({ name: '', peerURLs: ['http://node4:2380'], clientURLs: [] });
    expect(added.id).toMatch(/^[0-9a-f]{1,16}$/);
    expect(leader.server.cluster.member(added.id)?.name).toBe('');

    const joined = cluster.join('node4', added.id);
    cluster.tick(30);
    expect(joined.server.store.get('/1/k').node.value).toBe('v');
    expect(leader.server.cluster.member(added.id)?.name).toBe('node4');
  });

  it('gives a re-added peer URL a new ID and never reuses the removed one', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    const victim = others(cluster, leader.name)[0]!;
    await cluster.drive(leader.server.removeMember(victim.id));
    cluster.nowMs += 1000;
    const again = await cluster.drive(leader.server.addMember([`http://${victim.name}:2380`], cluster.nowMs));
    expect(again.id).not.toBe(victim.id);
    await expect(cluster.drive(leader.server.removeMember(victim.id))).rejects.toThrow(MembershipError.IDRemoved);
  });

  it('refuses an unknown member, a peer URL in use, and a change while a voter is unstarted', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    await expect(cluster.drive(leader.server.removeMember('abcdef'))).rejects.toThrow(MembershipError.IDNotFound);
    await expect(cluster.drive(leader.server.addMember(['http://node2:2380'], cluster.nowMs))).rejects.toThrow(MembershipError.PeerURLExists);
    // A member added but not started is a voter nobody is connected to: etcd refuses the next
    // change as an unhealthy cluster until it starts.
    await cluster.drive(leader.server.addMember(['http://a:2380'], cluster.nowMs));
    await expect(cluster.drive(leader.server.addMember(['http://b:2380'], cluster.nowMs))).rejects.toThrow(ServerError.Unhealthy);
  });

  it('refuses an add that would leave the started members short of a quorum', async () => {
    const cluster = new ServerCluster(['solo']);
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    // A one-member cluster may grow by one (etcd's restore path); then one started of three is too few.
    await cluster.drive(leader.server.addMember(['http://a:2380'], cluster.nowMs));
    await expect(cluster.drive(leader.server.addMember(['http://b:2380'], cluster.nowMs))).rejects.toThrow(ServerError.NotEnoughStartedMembers);
  });

  it('refuses changes while a peer has not been connected for five seconds (etcd: unhealthy cluster)', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    await expect(cluster.drive(leader.server.addMember(['http://new:2380'], cluster.nowMs), 1)).rejects.toThrow(ServerError.Unhealthy);
    cluster.tick(HEALTHY);
    const victim = others(cluster, leader.name)[0]!;
    cluster.crash(victim.name);
    cluster.tick(20);
    // A member that is down may be removed; adding one now would need every peer connected.
    await expect(cluster.drive(leader.server.addMember(['http://new:2380'], cluster.nowMs), 1)).rejects.toThrow(ServerError.Unhealthy);
    await cluster.drive(leader.server.removeMember(victim.id));
    expect(leader.server.cluster.isRemoved(victim.id)).toBe(true);
  });

  it('updates peer URLs through the log, refusing one another member uses', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    const target = others(cluster, leader.name)[0]!;
    const taken = others(cluster, leader.name)[1]!;
    await expect(cluster.drive(leader.server.updateMember(target.id, [`http://${taken.name}:2380`]))).rejects.toThrow(MembershipError.PeerURLExists);
    const before = leader.server.store.index();
    await cluster.drive(leader.server.updateMember(target.id, [`http://${target.name}:2380`]));
    expect(leader.server.store.index()).toBe(before + 1);
  });
});

describe('a member added after the log was compacted', () => {
  it('catches up from a snapshot, membership included', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3'], { snapshotCount: 20 });
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    for (let i = 0; i < 60; i++) await cluster.serveV2(leader.name, { method: 'PUT', path: `/1/k${i}`, val: String(i) });
    expect(leader.disk.firstIndex()).toBeGreaterThan(10);
    const added = await cluster.drive(leader.server.addMember(['http://node4:2380'], cluster.nowMs));
    const joined = cluster.join('node4', added.id);
    cluster.tick(30);
    expect(joined.disk.snapshot().metadata.index).toBeGreaterThan(0);
    expect(joined.server.store.get('/1/k59').node.value).toBe('59');
    expect(joined.server.cluster.list().map((m) => m.name).sort()).toEqual(['node1', 'node2', 'node3', 'node4']);
  });
});
