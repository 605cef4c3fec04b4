import { describe, expect, it } from 'vitest';
import { MembershipError, ServerError } from '../../src/server/index.ts';
import { RaftCluster } from '../../src/server/cluster.ts';
import { Store } from '../../src/store/index.ts';
import { ServerCluster, type SimMember } from '../helpers/server-cluster.ts';

/** Ticks (100 ms) after which every peer has been connected for etcd's 5 s health interval. */
const HEALTHY = 55;

const followersOf = (cluster: ServerCluster, leader: SimMember): SimMember[] => [...cluster.members.values()].filter((m) => m !== leader);

/** A healthy three-member cluster with a learner added (not started). */
async function withLearner(options: { snapshotCount?: number; names?: string[] } = {}): Promise<{ cluster: ServerCluster; leader: SimMember; learnerId: string }> {
  const cluster = new ServerCluster(options.names ?? ['node1', 'node2', 'node3'], options);
  const leader = cluster.elect();
  cluster.tick(HEALTHY);
  const added = await cluster.drive(leader.server.addMember(['http://node4:2380'], cluster.nowMs, true));
  return { cluster, leader, learnerId: added.id };
}

describe('adding a learner (etcd 3.4: member add --learner)', () => {
  it('is a learner in the membership, in Raft and in the store, on every member', async () => {
    const cluster = new ServerCluster(['node1', 'node2', 'node3']);
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    const before = leader.server.store.index();
    const added = await cluster.drive(leader.server.addMember(['http://node4:2380'], cluster.nowMs, true));
    expect(added).toMatchObject({ name: '', peerURLs: ['http://node4:2380'], clientURLs: [], isLearner: true });
    cluster.tick(2);
    for (const m of cluster.members.values()) {
      expect(m.server.cluster.member(added.id)?.isLearner).toBe(true);
      expect(m.server.cluster.votingMembers().map((v) => v.id)).not.toContain(added.id);
    }
    // One store write, as etcd's: raftAttributes with `"isLearner":true`.
    expect(leader.server.store.index()).toBe(before + 1);
    expect(leader.server.store.get(`/0/members/${added.id}/raftAttributes`).node.value).toBe('{"peerURLs":["http://node4:2380"],"isLearner":true}');
    const status = await cluster.drive(leader.server.v3.memberList(false));
    expect(status.members.find((m) => m.id === added.id)?.isLearner).toBe(true);
  });

  it('started, it catches up and publishes, but never counts for a quorum nor leads', async () => {
    // Two voters and the learner: were it counted, the leader and it would be two of three.
    const { cluster, leader, learnerId } = await withLearner({ names: ['node1', 'node2'] });
    await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/k', val: 'v' });
    const learner = cluster.join('node4', learnerId);
    cluster.tick(30);
    expect(learner.server.store.get('/1/k').node.value).toBe('v');
    expect(leader.server.cluster.member(learnerId)?.name).toBe('node4');
    expect(learner.server.v3.isLearner()).toBe(true);
    expect((await cluster.drive(learner.server.v3.status())).isLearner).toBe(true);
    // The other voter down: the leader alone is no quorum of two voters.
    for (const m of followersOf(cluster, leader).filter((f) => f !== learner)) cluster.crash(m.name);
    await expect(cluster.serveV2(leader.name, { method: 'PUT', path: '/1/x', val: 'y' }, 120)).rejects.toThrow();
    expect(() => learner.server.store.get('/1/x')).toThrow('Key not found');
    // The leader stepped down (CheckQuorum); the learner never campaigns.
    cluster.tick(100);
    expect(leader.server.raftStatus.isLeader).toBe(false);
    expect(learner.server.raftStatus.isLeader).toBe(false);
    expect(learner.server.raftStatus.term).toBe(leader.server.raftStatus.term);
  });

  it('refuses a second learner (etcd allows one: too many learner members)', async () => {
    const { cluster, leader } = await withLearner();
    await expect(cluster.drive(leader.server.addMember(['http://node5:2380'], cluster.nowMs, true))).rejects.toThrow(MembershipError.TooManyLearners);
    await expect(cluster.drive(leader.server.v3.memberAdd({ peerURLs: ['http://node5:2380'], isLearner: true }, cluster.nowMs))).rejects.toThrow(
      'etcdserver: too many learner members in cluster',
    );
  });

  it('does not count a learner when judging whether a voter may be added', async () => {
    // One started voter and an unstarted learner: one started of two voters after the add is
    // etcd's restore case, allowed; counting the learner would make it one of three.
    const cluster = new ServerCluster(['solo']);
    const leader = cluster.elect();
    cluster.tick(HEALTHY);
    await cluster.drive(leader.server.addMember(['http://learner:2380'], cluster.nowMs, true));
    const voter = await cluster.drive(leader.server.addMember(['http://voter:2380'], cluster.nowMs));
    expect(voter.isLearner).toBe(false);
    expect(leader.server.cluster.votingMembers()).toHaveLength(2);
  });

  it('removes a learner: gone from the membership and from Raft', async () => {
    const { cluster, leader, learnerId } = await withLearner();
    await cluster.drive(leader.server.removeMember(learnerId));
    expect(leader.server.cluster.member(learnerId)).toBeUndefined();
    expect(leader.server.cluster.isRemoved(learnerId)).toBe(true);
  });

  it('loses its learner flag when its peer URLs are updated, as etcd 3.4 drops it', async () => {
    const { cluster, leader, learnerId } = await withLearner();
    await cluster.drive(leader.server.updateMember(learnerId, ['http://node4:2381']));
    expect(leader.server.cluster.member(learnerId)).toMatchObject({ peerURLs: ['http://node4:2381'], isLearner: false });
    expect(leader.server.store.get(`/0/members/${learnerId}/raftAttributes`).node.value).toBe('{"peerURLs":["http://node4:2381"]}');
    // Not a learner to the membership any more, so it cannot be promoted (Raft still has it as one).
    await expect(cluster.drive(leader.server.promoteMember(learnerId))).rejects.toThrow(ServerError.LearnerNotReady);
  });

  it('keeps the learner flag across a restart from a snapshot', async () => {
    const { cluster, leader, learnerId } = await withLearner({ snapshotCount: 5 });
    for (let i = 0; i < 12; i++) await cluster.serveV2(leader.name, { method: 'PUT', path: `/1/k${i}`, val: String(i) });
    const follower = followersOf(cluster, leader)[0]!;
    expect(follower.disk.snapshot().metadata.index).toBeGreaterThan(0);
    cluster.crash(follower.name);
    cluster.restart(follower.name);
    expect(follower.server.cluster.member(learnerId)?.isLearner).toBe(true);
  });
});

describe('promoting a learner (etcd 3.4: member promote)', () => {
  it('refuses a learner that has not caught up: in sync with the leader means 90% of its log', async () => {
    const { cluster, leader, learnerId } = await withLearner();
    await expect(cluster.drive(leader.server.promoteMember(learnerId))).rejects.toThrow(ServerError.LearnerNotReady);
    await expect(cluster.drive(leader.server.v3.memberPromote({ id: learnerId }))).rejects.toThrow(
      'etcdserver: can only promote a learner member which is in sync with leader',
    );
    expect(leader.server.cluster.member(learnerId)?.isLearner).toBe(true);
  });

  it('promotes a learner in sync: a voter in the membership, the store and Raft on every member', async () => {
    const { cluster, leader, learnerId } = await withLearner({ names: ['node1', 'node2'] });
    const learner = cluster.join('node4', learnerId);
    cluster.tick(30);
    const before = leader.server.store.index();
    const members = await cluster.drive(leader.server.promoteMember(learnerId));
    expect(members.find((m) => m.id === learnerId)).toMatchObject({ name: 'node4', isLearner: false });
    cluster.tick(3);
    expect(leader.server.store.index()).toBe(before + 1);
    expect(leader.server.store.get(`/0/members/${learnerId}/raftAttributes`).node.value).toBe('{"peerURLs":["http://node4:2380"]}');
    for (const m of cluster.members.values()) expect(m.server.cluster.member(learnerId)?.isLearner).toBe(false);
    expect(learner.server.v3.isLearner()).toBe(false);
    // Now it counts: with the other old voter down, the leader and it are two of three voters.
    for (const m of followersOf(cluster, leader).filter((f) => f !== learner)) cluster.crash(m.name);
    const write = await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/after', val: 'promoted' });
    expect(write.event?.action).toBe('set');
  });

  it('a promoted learner can lead: leadership moved to it', async () => {
    const { cluster, leader, learnerId } = await withLearner();
    cluster.join('node4', learnerId);
    cluster.tick(30);
    await cluster.drive(leader.server.promoteMember(learnerId));
    await cluster.drive(leader.server.v3.moveLeader({ targetId: learnerId }));
    expect(cluster.member('node4').server.raftStatus.isLeader).toBe(true);
  });

  it('a follower forwards the promotion to the leader, and answers with the leader\'s members', async () => {
    const { cluster, leader, learnerId } = await withLearner();
    const follower = followersOf(cluster, leader)[0]!;
    // Not ready: the leader's refusal is passed on at once.
    await expect(cluster.drive(follower.server.promoteMember(learnerId))).rejects.toThrow(ServerError.LearnerNotReady);
    cluster.join('node4', learnerId);
    cluster.tick(30);
    const response = await cluster.drive(follower.server.v3.memberPromote({ id: learnerId }));
    expect(response.header.memberId).toBe(follower.id);
    expect(response.members.find((m) => m.id === learnerId)?.isLearner).toBe(false);
  });

  it('refuses a voter (not a learner), an unknown ID (not found) and a removed one, from the leader or a follower', async () => {
    const { cluster, leader, learnerId } = await withLearner();
    const follower = followersOf(cluster, leader)[0]!;
    for (const at of [leader, follower]) {
      await expect(cluster.drive(at.server.promoteMember(follower.id))).rejects.toThrow(MembershipError.MemberNotLearner);
      await expect(cluster.drive(at.server.promoteMember('abcdef'))).rejects.toThrow(MembershipError.IDNotFound);
    }
    await expect(cluster.drive(leader.server.v3.memberPromote({ id: 'abcdef' }))).rejects.toThrow('etcdserver: member not found');
    await expect(cluster.drive(leader.server.v3.memberPromote({ id: follower.id }))).rejects.toThrow('etcdserver: can only promote a learner member');
    await cluster.drive(leader.server.removeMember(learnerId));
    await expect(cluster.drive(leader.server.promoteMember(learnerId))).rejects.toThrow(MembershipError.IDRemoved);
  });

});

describe('the strict reconfiguration checks with a learner (membership/cluster.go)', () => {
  /** A membership from contexts, as the log's conf changes would build it. */
  function membership(members: { id: string; started: boolean; learner?: boolean }[]): RaftCluster {
    const cluster = new RaftCluster(new Store({ clock: { now: () => 0 }, namespaces: ['/0', '/1'] }));
    for (const m of members) {
      cluster.addMember({ id: m.id, name: m.started ? `n${m.id}` : '', peerURLs: [`http://${m.id}:2380`], clientURLs: [], ...(m.learner ? { isLearner: true } : {}) });
    }
    return cluster;
  }

  it('IsReadyToPromoteMember: the learner counts as a started voter; the started voters with it must be a quorum', () => {
    expect(membership([{ id: 'a1', started: true }, { id: 'b2', started: false }, { id: 'c3', started: true, learner: true }]).isReadyToPromoteMember()).toBe(true);
    // Two started of four voters after the promotion: no quorum.
    const short = membership([{ id: 'a1', started: true }, { id: 'b2', started: false }, { id: 'c3', started: false }, { id: 'd4', started: true, learner: true }]);
    expect(short.isReadyToPromoteMember()).toBe(false);
  });

  it('IsReadyToAddVotingMember and IsReadyToRemoveVotingMember count voters only', () => {
    // Started learners do not make up for unstarted voters.
    const cluster = membership([{ id: 'a1', started: true }, { id: 'b2', started: false }, { id: 'c3', started: true, learner: true }]);
    expect(cluster.isReadyToAddVotingMember()).toBe(false);
    expect(cluster.isReadyToRemoveVotingMember('a1')).toBe(false);
    expect(cluster.isReadyToRemoveVotingMember('b2')).toBe(true);
  });

});
