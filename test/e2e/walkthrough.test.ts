import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, edgecd, etcdctl, eventually, type CommandResult } from '../helpers/commands.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * The seed document's cluster walkthrough, step by step, with etcdctl 3.4 (v2 mode), curl and
 * `edgecd member`: list the members, remove the leader and see a new one elected, add the member
 * back, see its stale data refused, wipe it, start it, and use the v2 API.
 */

const MEMBER_LINE = /^([0-9a-f]{1,16}): name=(node\d) peerURLs=http:\/\/node\d:2380 clientURLs=http:\/\/127\.0\.0\.1:\d+ isLeader=(true|false)$/;
/** etcd refuses membership changes until every peer has been connected for 5 s. */
const HEALTH_INTERVAL_MS = 6_000;

const lines = (r: CommandResult): string[] => r.stdout.trim().split('\n').filter((l) => l !== '');
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the seed walkthrough on edgecd', () => {
  let cluster: LaunchedCluster;
  let endpoint: string;
  let leader: { id: string; name: string };
  let readded: string;

  beforeAll(async () => {
    cluster = await launchCluster();
    endpoint = cluster.url;
  });
  afterAll(async () => cluster?.destroy());

  it('etcdctl member list: three started members, exactly one isLeader=true', async () => {
    const list = await etcdctl(endpoint, 'member', 'list');
    expect(list.code).toBe(0);
    const members = lines(list).map((l) => MEMBER_LINE.exec(l));
    expect(members).toHaveLength(3);
    expect(members.every((m) => m !== null)).toBe(true);
    const leaders = members.filter((m) => m![3] === 'true');
    expect(leaders).toHaveLength(1);
    leader = { id: leaders[0]![1]!, name: leaders[0]![2]! };
  });

  it('etcdctl member remove <leader>: the old leader steps down and a new one is elected', async () => {
    await pause(HEALTH_INTERVAL_MS);
    const removed = await etcdctl(endpoint, 'member', 'remove', leader.id);
    expect(removed.stdout.trim()).toBe(`Removed member ${leader.id} from cluster`);
    const list = await eventually(
      () => etcdctl(endpoint, 'member', 'list'),
      (r) => lines(r).length === 2 && lines(r).some((l) => l.endsWith('isLeader=true')),
    );
    const members = lines(list).map((l) => MEMBER_LINE.exec(l));
    expect(members.map((m) => m?.[1])).not.toContain(leader.id);
    expect(members.filter((m) => m?.[3] === 'true')).toHaveLength(1);
  });

  it('the cluster keeps serving', async () => {
    const set = await etcdctl(endpoint, 'set', '/after-removal', 'still here');
    expect(set.stdout.trim()).toBe('still here');
  });

  it('etcdctl member add: the member is listed as unstarted', async () => {
    await pause(HEALTH_INTERVAL_MS);
    const added = await etcdctl(endpoint, 'member', 'add', leader.name, `http://${leader.name}:2380`);
    expect(added.code).toBe(0);
    const out = lines(added);
    const match = /^Added member named (node\d) with ID ([0-9a-f]{1,16}) to cluster$/.exec(out[0] ?? '');
    expect(match?.[1]).toBe(leader.name);
    readded = match![2]!;
    expect(readded).not.toBe(leader.id);
    expect(out[1]).toBe(`ETCD_NAME="${leader.name}"`);
    expect(out[2]).toMatch(/^ETCD_INITIAL_CLUSTER="(node\d=http:\/\/node\d:2380,?){3}"$/);
    expect(out[3]).toBe('ETCD_INITIAL_CLUSTER_STATE="existing"');
    const list = await etcdctl(endpoint, 'member', 'list');
    expect(lines(list)).toContain(`${readded}[unstarted]: peerURLs=http://${leader.name}:2380`);
  });

  it('etcdctl member update rewrites its peer URLs (here to the same one: a peer URL names the member object)', async () => {
    const updated = await etcdctl(endpoint, 'member', 'update', readded, `http://${leader.name}:2380`);
    expect(updated.stdout.trim()).toBe(`Updated member with ID ${readded} in cluster`);
  });

  it("starting it on the removed member's old storage is refused with etcd's words", async () => {
    const start = await edgecd('member', 'start', '--name', leader.name, '--initial-advertise-peer-urls', `http://${leader.name}:2380`, '--initial-cluster-state', 'existing', '--endpoint', endpoint, '--data-dir', cluster.dataDir);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('the member has been permanently removed from the cluster');
    expect(start.stderr).toContain('the data-dir used by this member must be removed.');
  });

  it('edgecd member wipe clears it, and the start succeeds: it catches up and publishes itself', async () => {
    // Whoever can connect to the control socket can wipe a member: only the launcher's user may.
    expect(statSync(join(cluster.dataDir, 'control.sock')).mode & 0o777).toBe(0o600);
    const wipe = await edgecd('member', 'wipe', '--name', leader.name, '--data-dir', cluster.dataDir);
    expect(wipe.code).toBe(0);
    const start = await edgecd('member', 'start', '--name', leader.name, '--initial-advertise-peer-urls', `http://${leader.name}:2380`, '--initial-cluster-state', 'existing', '--endpoint', endpoint, '--data-dir', cluster.dataDir);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    const list = await etcdctl(endpoint, 'member', 'list');
    const members = lines(list).map((l) => MEMBER_LINE.exec(l));
    expect(members).toHaveLength(3);
    expect(members.every((m) => m !== null)).toBe(true);
    expect(members.map((m) => m![1])).toContain(readded);
    expect(members.filter((m) => m![3] === 'true')).toHaveLength(1);
    const health = await etcdctl(endpoint, 'cluster-health');
    expect(health.stdout).toContain('cluster is healthy');
  });

  it("the seed's curl lines: set, get, delete a key and list the members", async () => {
    const set = await curl(`${endpoint}/v2/keys/hello`, '-XPUT', '-d', 'value=hello world');
    expect(set.stdout).toMatch(/^\{"action":"set","node":\{"key":"\/hello","value":"hello world","modifiedIndex":(\d+),"createdIndex":\1\}\}\n$/);
    const get = await curl(`${endpoint}/v2/keys/hello`);
    expect(get.stdout).toMatch(/^\{"action":"get","node":\{"key":"\/hello","value":"hello world","modifiedIndex":\d+,"createdIndex":\d+\}\}\n$/);
    const del = await curl(`${endpoint}/v2/keys/hello`, '-XDELETE');
    expect(del.stdout).toMatch(/^\{"action":"delete","node":\{"key":"\/hello","modifiedIndex":\d+,"createdIndex":\d+\},"prevNode":\{"key":"\/hello","value":"hello world","modifiedIndex":\d+,"createdIndex":\d+\}\}\n$/);
    const members = JSON.parse((await curl(`${endpoint}/v2/members`)).stdout) as { members: { id: string; name: string }[] };
    expect(members.members.map((m) => m.name).sort()).toEqual(['node1', 'node2', 'node3']);
    // A member's own client URL serves the same keyspace, as an etcd member's does.
    const own = await curl(`${cluster.memberURLs[0]}/v2/keys/after-removal`);
    expect(own.stdout).toContain('"value":"still here"');
  });
});
