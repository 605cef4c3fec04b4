import { describe, expect, it } from 'vitest';
import { GrpcCode, RpcError, ServerError } from '../../src/server/index.ts';
import { ServerCluster, type SimMember } from '../helpers/server-cluster.ts';

/** Ticks (100 ms) after which every peer has been connected for etcd's 5 s health interval. */
const HEALTHY = 55;

const followersOf = (cluster: ServerCluster, leader: SimMember): SimMember[] => [...cluster.members.values()].filter((m) => m !== leader);

describe('MoveLeader (etcd 3.4: etcdctl move-leader, /v3/maintenance/transfer-leadership)', () => {
  it('hands leadership to a follower and answers once every member sees it lead', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const target = followersOf(cluster, leader)[0]!;
    const termBefore = leader.server.raftStatus.term;
    const response = await cluster.drive(leader.server.v3.moveLeader({ targetId: target.id }));
    expect(response).toEqual({});
    // Answered as soon as the old leader saw the transferee lead: no tick needed after.
    expect(leader.server.leader).toBe(target.id);
    expect(target.server.raftStatus.isLeader).toBe(true);
    expect(target.server.raftStatus.term).toBe(termBefore + 1);
    for (const m of cluster.members.values()) expect(m.server.leader).toBe(target.id);
    const write = await cluster.serveV2(target.name, { method: 'PUT', path: '/1/k', val: 'after the move' });
    expect(write.event?.action).toBe('set');
  });

  it('refuses on a follower: not leader (even for a transfer to itself)', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const follower = followersOf(cluster, leader)[0]!;
    const refused = cluster.drive(follower.server.v3.moveLeader({ targetId: follower.id }));
    await expect(refused).rejects.toThrow(new RpcError(GrpcCode.FailedPrecondition, 'etcdserver: not leader'));
    await expect(refused).rejects.toBeInstanceOf(RpcError);
    expect(leader.server.raftStatus.isLeader).toBe(true);
  });

  it('refuses a learner or an unknown member: bad leader transferee', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    const learner = await cluster.drive(leader.server.addMember(['http://node4:2380'], cluster.nowMs, true));
    cluster.join('node4', learner.id);
    cluster.tick(30);
    for (const targetId of [learner.id, 'abcdef']) {
      const refused = cluster.drive(leader.server.v3.moveLeader({ targetId }));
      await expect(refused).rejects.toThrow(new RpcError(GrpcCode.FailedPrecondition, 'etcdserver: bad leader transferee'));
    }
    expect(leader.server.raftStatus.isLeader).toBe(true);
  });

  it('answers at once for a transfer to the leader itself', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const term = leader.server.raftStatus.term;
    await expect(leader.server.v3.moveLeader({ targetId: leader.id })).resolves.toEqual({});
    expect(leader.server.raftStatus.term).toBe(term);
  });

  it('waits while the transferee cannot take over, until the request gives up: leader transfer took too long', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const target = followersOf(cluster, leader)[0]!;
    cluster.crash(target.name);
    const controller = new AbortController();
    let settled = false;
    const moving = leader.server.v3.moveLeader({ targetId: target.id }, controller.signal).finally(() => (settled = true));
    moving.catch(() => undefined);
    // Raft abandons the transfer after an election timeout; the leader leads on and takes writes.
    cluster.tick(30);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(leader.server.raftStatus.isLeader).toBe(true);
    const write = await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/k', val: 'still leading' });
    expect(write.event?.action).toBe('set');
    controller.abort();
    await expect(moving).rejects.toThrow(ServerError.TimeoutLeaderTransfer);
    // Not one of v3rpc's mapped errors: a client sees it with code Unknown.
    await expect(moving).rejects.not.toBeInstanceOf(RpcError);
  });

  it('a request already given up answers timed out, though Raft was still asked to move', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    const target = followersOf(cluster, leader)[0]!;
    const controller = new AbortController();
    controller.abort();
    // etcd hands Raft the transfer before it looks at the context in its wait loop.
    await expect(leader.server.v3.moveLeader({ targetId: target.id }, controller.signal)).rejects.toThrow(ServerError.TimeoutLeaderTransfer);
    cluster.tick(5);
    expect(target.server.raftStatus.isLeader).toBe(true);
  });
});
