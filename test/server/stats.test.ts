import { describe, expect, it } from 'vitest';
import { formatGoDuration, formatGoTime, LeaderStats, ServerStats } from '../../src/server/stats.ts';
import { ServerCluster } from '../helpers/server-cluster.ts';

describe("etcd's v2 server stats", () => {
  it("formats times and durations as Go's time package does", () => {
    expect(formatGoTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678Z');
    expect(formatGoTime(Date.UTC(2026, 0, 2, 3, 4, 5, 600))).toBe('2026-01-02T03:04:05.6Z');
    expect(formatGoTime(Date.UTC(2026, 0, 2, 3, 4, 5, 0))).toBe('2026-01-02T03:04:05Z');
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(250)).toBe('250ms');
    expect(formatGoDuration(0.0015)).toBe('1.5µs');
    expect(formatGoDuration(9397.709)).toBe('9.397709s');
    expect(formatGoDuration(123_875.5)).toBe('2m3.8755s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
  });

  it('starts as a follower with no leader, in etcd field order', () => {
    const stats = new ServerStats('node1', 'a1', 1000);
    expect(Object.keys(stats.toJSON(2000))).toEqual(['name', 'id', 'state', 'startTime', 'leaderInfo', 'recvAppendRequestCnt', 'sendAppendRequestCnt']);
    expect(stats.toJSON(2000)).toMatchObject({ state: 'StateFollower', leaderInfo: { leader: '', uptime: '1s' } });
  });

  it('counts MsgApps and shows rates only while they are fresh', () => {
    const stats = new ServerStats('node2', 'b2', 0);
    stats.recvAppendReq('a1', 100, 1000);
    stats.recvAppendReq('a1', 300, 1500);
    const json = stats.toJSON(1600);
    expect(json).toMatchObject({ state: 'StateFollower', recvAppendRequestCnt: 2, recvPkgRate: 4, recvBandwidthRate: 800 });
    expect(json.leaderInfo).toMatchObject({ leader: 'a1', startTime: formatGoTime(1000) });
    expect(Object.keys(json)).toEqual(['name', 'id', 'state', 'startTime', 'leaderInfo', 'recvAppendRequestCnt', 'recvPkgRate', 'recvBandwidthRate', 'sendAppendRequestCnt']);
    expect(stats.toJSON(2600)).not.toHaveProperty('recvPkgRate');
  });

  it('becomes leader on sending a MsgApp, and stays so until one arrives (as etcd)', () => {
    const stats = new ServerStats('node1', 'a1', 0);
    stats.sendAppendReq(10, 5);
    expect(stats.toJSON(10)).toMatchObject({ state: 'StateLeader', leaderInfo: { leader: 'a1' }, sendAppendRequestCnt: 1 });
    stats.recvAppendReq('b2', 10, 20);
    expect(stats.toJSON(30)).toMatchObject({ state: 'StateFollower', leaderInfo: { leader: 'b2' } });
  });

  it("keeps each follower's latency mean, deviation and extremes", () => {
    const leader = new LeaderStats('a1');
    expect(leader.toJSON(['a1', 'c3', 'b2'])).toEqual({
      leader: 'a1',
      followers: {
        b2: { latency: { current: 0, average: 0, standardDeviation: 0, minimum: 2 ** 63, maximum: 0 }, counts: { fail: 0, success: 0 } },
        c3: { latency: { current: 0, average: 0, standardDeviation: 0, minimum: 2 ** 63, maximum: 0 }, counts: { fail: 0, success: 0 } },
      },
    });
    leader.succ('b2', 2);
    leader.succ('b2', 4);
    leader.fail('b2');
    expect(leader.toJSON(['a1', 'b2']).followers['b2']).toEqual({
      latency: { current: 4, average: 3, standardDeviation: 1, minimum: 2, maximum: 4 },
      counts: { fail: 1, success: 2 },
    });
    expect(Object.keys(leader.toJSON(['a1', 'c3', 'b2']).followers)).toEqual(['b2', 'c3']);
  });
});

describe('stats in a running cluster', () => {
  it("counts MsgApps on both ends, shows leader stats on the leader only, and etcd's membership reads", async () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = cluster.elect();
    await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/k', val: 'v' });
    cluster.settle();
    const self = leader.server.selfStats();
    expect(self).toMatchObject({ name: leader.name, id: leader.id, state: 'StateLeader', leaderInfo: { leader: leader.id } });
    expect(self.sendAppendRequestCnt).toBeGreaterThan(0);
    expect(leader.server.leaderStatsJSON()?.leader).toBe(leader.id);
    expect(Object.keys(leader.server.leaderStatsJSON()!.followers)).toHaveLength(2);
    for (const m of cluster.members.values()) {
      if (m === leader) continue;
      expect(m.server.selfStats()).toMatchObject({ state: 'StateFollower', leaderInfo: { leader: leader.id }, sendAppendRequestCnt: 0 });
      expect(m.server.selfStats().recvAppendRequestCnt).toBeGreaterThan(0);
      expect(m.server.leaderStatsJSON()).toBeUndefined();
      // Three bootstrap membership changes, validated as etcd does: the first finds no members
      // (a failed get), the next two find members but no removed ones.
      expect(m.server.store.statistics()).toMatchObject({ getsSuccess: 2, getsFail: 3, createSuccess: 3 });
    }
  });

  it('records follower round trips the transport reports', () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = cluster.elect();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    leader.server.recordPeerDelivery(follower.id, 3);
    leader.server.recordPeerFailure(follower.id);
    expect(leader.server.leaderStatsJSON()!.followers[follower.id]).toMatchObject({ latency: { current: 3, minimum: 3, maximum: 3 }, counts: { fail: 1, success: 1 } });
  });
});
