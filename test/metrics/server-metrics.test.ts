import { describe, expect, it } from 'vitest';
import { parseText, writeText } from '../../src/metrics/index.ts';
import type { EtcdServer } from '../../src/server/index.ts';
import { AuthCluster } from '../auth/auth-cluster.ts';
import { ServerCluster } from '../helpers/server-cluster.ts';

/** One sample's value from a member's exposition, or undefined if the series is absent. */
function sample(server: EtcdServer, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = parseText(writeText(server.metrics.registry.gather())).find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found?.value;
}

describe("a member's server metrics", () => {
  it('show leadership, and the commit and applied indexes as etcd does', () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = cluster.elect();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    expect(sample(leader.server, 'etcd_server_is_leader')).toBe(1);
    expect(sample(follower.server, 'etcd_server_is_leader')).toBe(0);
    for (const m of cluster.members.values()) {
      expect(sample(m.server, 'etcd_server_has_leader')).toBe(1);
      expect(sample(m.server, 'etcd_server_leader_changes_seen_total')).toBe(1);
      expect(sample(m.server, 'etcd_server_proposals_committed_total')).toBe(m.server.raftStatus.commit);
      expect(sample(m.server, 'etcd_server_proposals_applied_total')).toBe(m.server.raftStatus.applied);
      expect(sample(m.server, 'etcd_server_id', { server_id: m.id })).toBe(1);
      expect(sample(m.server, 'edgecd_raft_term')).toBe(m.server.raftStatus.term);
    }
    expect(sample(leader.server, 'etcd_cluster_version', { cluster_version: '3.4' })).toBe(1);
  });

  it('count v2 requests by method, failures by code, and store reads and writes by action', async () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = cluster.elect();
    const before = (action: string) => sample(leader.server, 'etcd_debugging_store_writes_total', { action }) ?? 0;
    const setsBefore = before('set');
    await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/a', val: '1' });
    await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/a', val: '2' });
    await cluster.serveV2(leader.name, { method: 'GET', path: '/1/a' });
    await cluster.serveV2(leader.name, { method: 'GET', path: '/1', recursive: true });
    await expect(cluster.serveV2(leader.name, { method: 'GET', path: '/1/missing' })).rejects.toThrow();
    await expect(cluster.serveV2(leader.name, { method: 'DELETE', path: '/1/missing' })).rejects.toThrow();
    const s = leader.server;
    expect(sample(s, 'etcd_http_received_total', { method: 'PUT' })).toBe(2);
    expect(sample(s, 'etcd_http_received_total', { method: 'GET' })).toBe(3);
    expect(sample(s, 'etcd_http_failed_total', { method: 'GET', code: '404' })).toBe(1);
    expect(sample(s, 'etcd_http_failed_total', { method: 'DELETE', code: '404' })).toBe(1);
    expect(sample(s, 'etcd_http_successful_duration_seconds_count', { method: 'PUT' })).toBe(2);
    expect(before('set') - setsBefore).toBe(2);
    expect(sample(s, 'etcd_debugging_store_writes_total', { action: 'delete' })).toBe(1);
    expect(sample(s, 'etcd_debugging_store_reads_total', { action: 'getRecursive' })).toBe(1);
    // Every member applies the writes, so its store counts them; only the serving one saw the requests.
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    expect(before.call(null, 'set')).toBe(sample(follower.server, 'etcd_debugging_store_writes_total', { action: 'set' }));
    expect(sample(follower.server, 'etcd_http_received_total', { method: 'PUT' })).toBeUndefined();
  });

  it('count a watch as a watch request, not as an HTTP request', async () => {
    const cluster = new ServerCluster(['n1']);
    const leader = cluster.elect();
    await cluster.serveV2(leader.name, { method: 'GET', path: '/1/w', wait: true });
    expect(sample(leader.server, 'etcd_debugging_store_watch_requests_total')).toBe(1);
    expect(sample(leader.server, 'etcd_debugging_store_watchers')).toBe(1);
    expect(sample(leader.server, 'etcd_http_received_total', { method: 'GET' })).toBeUndefined();
  });

  it('drop etcd_server_has_leader to 0 on a member cut off from its peers', () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = cluster.elect();
    const lonely = [...cluster.members.values()].find((m) => m !== leader)!;
    for (const other of cluster.members.values()) if (other !== lonely) cluster.partition(lonely.name, other.name);
    cluster.tick(40);
    expect(sample(lonely.server, 'etcd_server_has_leader')).toBe(0);
    expect(sample(leader.server, 'etcd_server_has_leader')).toBe(1);
  });

  it('count proposals that fail for want of a leader', async () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = cluster.elect();
    const lonely = [...cluster.members.values()].find((m) => m !== leader)!;
    for (const other of cluster.members.values()) if (other !== lonely) cluster.partition(lonely.name, other.name);
    const write = cluster.serveV2(lonely.name, { method: 'PUT', path: '/1/x', val: 'y' }, 200);
    await expect(write).rejects.toThrow(/timed out/);
    expect(sample(lonely.server, 'etcd_server_proposals_failed_total')).toBe(1);
    expect(sample(lonely.server, 'etcd_server_proposals_pending')).toBe(0);
  });
});

describe("a member's readiness (etcd's ReadyNotify)", () => {
  it('is reached once its own publish is applied, and again only after the next start publishes', async () => {
    const settled = () => new Promise((resolve) => setImmediate(resolve));
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    for (const m of cluster.members.values()) expect(m.server.isReady).toBe(false);
    cluster.elect();
    await settled();
    for (const m of cluster.members.values()) expect(m.server.isReady).toBe(true);
    cluster.crash('n2');
    cluster.restart('n2');
    // Replaying the log re-applies the old publish: that is not this start's.
    cluster.tick(2);
    await settled();
    expect(cluster.member('n2').server.isReady).toBe(false);
    for (let i = 0; i < 30 && !cluster.member('n2').server.isReady; i++) {
      cluster.tick();
      await settled();
    }
    expect(cluster.member('n2').server.isReady).toBe(true);
  });
});

describe("the NOSPACE alarm", () => {
  it('is raised by a write refused for space and cleared by the next write taken', async () => {
    const cluster = new ServerCluster(['n1'], { quotaBytes: 2_000 });
    const leader = cluster.elect();
    await expect(cluster.serveV2(leader.name, { method: 'PUT', path: '/1/big', val: 'x'.repeat(4_000) })).rejects.toThrow(/no space/);
    expect(leader.server.alarms()).toEqual(['NOSPACE']);
    await cluster.serveV2(leader.name, { method: 'PUT', path: '/1/small', val: 'x' });
    expect(leader.server.alarms()).toEqual([]);
  });
});

describe('the v2 requests a member makes itself', () => {
  it("are counted by the store but not as clients' HTTP requests (etcd's Do, not its keys handler)", async () => {
    const auth = new AuthCluster();
    const server = auth.cluster.member(auth.leaderName()).server;
    const reads = () => sample(server, 'etcd_debugging_store_reads_total', { action: 'get' }) ?? 0;
    const before = reads();
    // Each client request first asks the v2 auth store whether auth is enabled (a store read).
    expect((await auth.send('GET', '/v2/keys/')).status).toBe(200);
    expect((await auth.send('PUT', '/v2/keys/k', { body: 'value=v', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status).toBe(201);
    expect(sample(server, 'etcd_http_received_total', { method: 'GET' })).toBe(1);
    expect(sample(server, 'etcd_http_received_total', { method: 'PUT' })).toBe(1);
    expect(reads() - before).toBeGreaterThan(1);
  });
});
