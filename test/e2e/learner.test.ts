import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgecd, eventually, run, type CommandResult } from '../helpers/commands.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { startRealEtcdWithLearner, type RealEtcdWithLearner } from '../helpers/real-etcd-learner.ts';
import { normalise } from '../helpers/v3-requests.ts';

/**
 * A learner end to end, as an operator runs it with etcdctl 3.4 (v3, gRPC through edgecd's gRPC
 * server) and `edgecd member`: a follower is removed and wiped, added back as a learner, started;
 * it catches up and serves what etcd 3.4 lets a learner serve (Status, serializable reads) and
 * refuses the rest (compared with a real etcd 3.4 learner); it is promoted once in sync, then
 * serves everything and can lead.
 */

/** etcd refuses membership changes until every voter has been connected for 5 s. */
const HEALTH_INTERVAL_MS = 6_000;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const lines = (r: CommandResult): string[] => r.stdout.trim().split('\n').filter((l) => l !== '');

/** `etcdctl` 3.4 in v3 mode (gRPC) against `endpoint` (host:port). */
function etcdctl3(endpoint: string, ...args: string[]): Promise<CommandResult> {
  return run('etcdctl', ['--endpoints', endpoint, ...args], { env: { ETCDCTL_API: '3' } });
}

const hostPort = (url: string): string => url.replace(/^http:\/\//, '');
/** A row of `member list` (simple): ID, status, name, peer addrs, client addrs, is learner. */
const memberRow = (r: CommandResult, id: string): string | undefined => lines(r).find((l) => l.startsWith(`${id}, `));

describe('a learner on edgecd, with etcdctl 3.4 over gRPC', () => {
  let cluster: LaunchedCluster;
  let oracle: RealEtcdWithLearner;
  let front: string;
  let learner: { name: string; id: string; endpoint: string; clientURL: string };
  let clusterId: string;

  beforeAll(async () => {
    [cluster, oracle] = await Promise.all([launchCluster(), startRealEtcdWithLearner()]);
    front = hostPort(cluster.url);
  });
  afterAll(async () => {
    await Promise.all([cluster?.destroy(), oracle?.stop()]);
  });

  it('removes a follower and adds it back as a learner, listed unstarted', async () => {
    await pause(HEALTH_INTERVAL_MS);
    const leader = (await (await fetch(`${cluster.url}/v2/members/leader`)).json()) as { name: string };
    const list = await etcdctl3(front, 'member', 'list');
    const victim = lines(list).map((l) => l.split(', ')).find((row) => row[2] !== leader.name)!;
    const [oldId, , name] = victim as [string, string, string];
    const index = Number(name.replace('node', '')) - 1;
    const removed = await etcdctl3(front, 'member', 'remove', oldId);
    expect(removed.stdout).toMatch(new RegExp(`^Member ${oldId} removed from cluster [0-9a-f]{16}\\n$`));
    expect((await etcdctl3(front, 'put', 'before-learner', 'v1')).stdout).toBe('OK\n');
    const wiped = await edgecd('member', 'wipe', '--name', name, '--data-dir', cluster.dataDir);
    expect(wiped.code).toBe(0);

    const added = await etcdctl3(front, 'member', 'add', name, '--learner', '--peer-urls', `http://${name}:2380`);
    expect(added.stderr).toBe('');
    const out = lines(added);
    const match = /^Member ([0-9a-f]{1,16}) added to cluster ([0-9a-f]{1,16})$/.exec(out[0] ?? '');
    expect(match).not.toBeNull();
    clusterId = match![2]!;
    learner = { name, id: match![1]!, endpoint: hostPort(cluster.memberURLs[index]!), clientURL: cluster.memberURLs[index]! };
    expect(out.slice(1)).toEqual([
      `ETCD_NAME="${name}"`,
      expect.stringMatching(new RegExp(`^ETCD_INITIAL_CLUSTER="(node\\d=http://node\\d:2380,?){3}"$`)),
      `ETCD_INITIAL_ADVERTISE_PEER_URLS="http://${name}:2380"`,
      'ETCD_INITIAL_CLUSTER_STATE="existing"',
    ]);
    const row = memberRow(await etcdctl3(front, 'member', 'list'), learner.id);
    expect(row).toBe(`${learner.id}, unstarted, , http://${name}:2380, , true`);
  });

  it('refuses to promote it before it has caught up, and refuses a second learner', async () => {
    const promote = await etcdctl3(front, 'member', 'promote', learner.id);
    expect(promote.code).not.toBe(0);
    expect(promote.stderr).toContain('etcdserver: can only promote a learner member which is in sync with leader');
    const second = await etcdctl3(front, 'member', 'add', 'node9', '--learner', '--peer-urls', 'http://node9:2380');
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('etcdserver: too many learner members in cluster');
  });

  it('edgecd member start: the learner joins, catches up and publishes itself', async () => {
    const start = await edgecd('member', 'start', '--name', learner.name, '--initial-advertise-peer-urls', `http://${learner.name}:2380`, '--initial-cluster-state', 'existing', '--endpoint', cluster.url, '--data-dir', cluster.dataDir);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    const row = memberRow(await etcdctl3(front, 'member', 'list'), learner.id);
    expect(row).toBe(`${learner.id}, started, ${learner.name}, http://${learner.name}:2380, ${learner.clientURL}, true`);
  });

  it('serves what a learner may: serializable reads and its status', async () => {
    const got = await eventually(
      () => etcdctl3(learner.endpoint, 'get', 'before-learner', '--consistency=s'),
      (r) => r.stdout === 'before-learner\nv1\n',
    );
    expect(got.stdout).toBe('before-learner\nv1\n');
    const status = await etcdctl3(learner.endpoint, 'endpoint', 'status');
    expect(status.code).toBe(0);
    // endpoint, ID, version, db size, is leader, is learner, term, index, applied index, errors
    const fields = status.stdout.trim().split(', ');
    expect(fields.slice(0, 3)).toEqual([learner.endpoint, learner.id, '3.4.23']);
    expect(fields.slice(4, 6)).toEqual(['false', 'true']);
  });

  it("answers the v3 gateway on the learner's own URL as a real etcd 3.4 learner does", async () => {
    /** Status, the headers a client acts on, and each line of the body, normalised as the differential does. */
    const see = async (url: string, path: string, body: string): Promise<unknown> => {
      const base = Number(((await (await fetch(`${url}/v3/kv/range`, { method: 'POST', body: '{"key":"AA==","serializable":true}' })).json()) as { header: { revision: string } }).header.revision);
      const response = await fetch(`${url}${path}`, { method: 'POST', body, signal: AbortSignal.timeout(5_000) });
      const text = await response.text();
      const units = text.split('\n').filter((l) => l !== '').map((l) => {
        try {
          return normalise(JSON.parse(l), base);
        } catch {
          return l;
        }
      });
      return { status: response.status, type: response.headers.get('content-type'), metadata: response.headers.get('grpc-metadata-content-type'), units };
    };
    const requests: [string, string][] = [
      ['/v3/kv/range', '{"key":"YWJzZW50"}'],
      ['/v3/kv/range', '{"key":"YWJzZW50","serializable":true}'],
      ['/v3/kv/range', '{"key":1}'],
      ['/v3/kv/put', '{"key":"YQ==","value":"Yg=="}'],
      ['/v3/kv/txn', '{}'],
      ['/v3/maintenance/status', '{"x":1}'],
      ['/v3/maintenance/status', 'nope'],
      ['/v3/maintenance/hash', '{}'],
      ['/v3/maintenance/transfer-leadership', '{"targetID":"1"}'],
      ['/v3/cluster/member/list', '{}'],
      ['/v3/cluster/member/add', '{"peerURLs":["not a url"]}'],
      ['/v3/cluster/member/promote', '{"ID":"1"}'],
      ['/v3/lock/lock', '{"name":"eA=="}'],
      ['/v3/auth/authenticate', '{"name":"a","password":"b"}'],
      ['/v3/watch', '{"create_request":{"key":"Zm9v"}}'],
      ['/v3/watch', ''],
      ['/v3/watch', 'nope'],
      ['/v3/lease/keepalive', ''],
      ['/v3/election/observe', '{"name":"eA=="}'],
      ['/v3/election/observe', 'nope'],
    ];
    for (const [path, body] of requests) {
      const [mine, etcds] = await Promise.all([see(learner.clientURL, path, body), see(oracle.learnerURL, path, body)]);
      expect(mine, `${path} ${body}`).toEqual(etcds);
    }
  });

  it('refuses everything else on the learner, as a real etcd 3.4 learner does: rpc not supported for learner', async () => {
    /** What a user sees: the exit code and etcdctl's last line (earlier ones are clientv3's retry logs). */
    const outcome = async (endpoint: string, args: string[]): Promise<{ code: number | null; last: string | undefined }> => {
      const r = await etcdctl3(endpoint, ...args);
      return { code: r.code, last: r.stderr.trim().split('\n').at(-1) };
    };
    const commands = [['get', 'before-learner'], ['put', 'on-learner', 'x'], ['member', 'list'], ['lease', 'grant', '60'], ['lock', 'l'], ['elect', 'e', 'v'], ['lease', 'keep-alive', '--once', '1']];
    for (const args of commands) {
      const [mine, etcds] = await Promise.all([outcome(learner.endpoint, args), outcome(hostPort(oracle.learnerURL), args)]);
      expect(mine.last, args.join(' ')).toContain('etcdserver: rpc not supported for learner');
      // etcd's own keep-alive client sometimes reports the refused stream as a bare EOF
      // (clientv3's recv loop races the stream's error), so only the exit code is compared there.
      if (args[1] === 'keep-alive') expect(mine.code, args.join(' ')).toBe(etcds.code);
      else expect(mine, args.join(' ')).toEqual(etcds);
    }
    // Nothing was written through it.
    expect((await etcdctl3(front, 'get', 'on-learner')).stdout).toBe('');
    // A watch is refused too, and clientv3 keeps retrying it: etcdctl waits, printing nothing.
    const watch = (endpoint: string): Promise<CommandResult> =>
      run('etcdctl', ['--endpoints', endpoint, 'watch', 'before-learner', '--rev=1'], { env: { ETCDCTL_API: '3' }, timeoutMs: 4_000 });
    const [mine, etcds] = await Promise.all([watch(learner.endpoint), watch(hostPort(oracle.learnerURL))]);
    expect({ code: mine.code, stdout: mine.stdout }).toEqual({ code: etcds.code, stdout: etcds.stdout });
    expect(mine.code).toBeNull();
  });

  it('etcdctl member promote makes it a voter once it is in sync', async () => {
    const promoted = await eventually(
      () => etcdctl3(front, 'member', 'promote', learner.id),
      (r) => r.code === 0,
    );
    expect(promoted.stderr).toBe('');
    expect(promoted.stdout).toBe(`Member ${learner.id} promoted in cluster ${clusterId}\n`);
    const row = memberRow(await etcdctl3(front, 'member', 'list'), learner.id);
    expect(row).toBe(`${learner.id}, started, ${learner.name}, http://${learner.name}:2380, ${learner.clientURL}, false`);
    const again = await etcdctl3(front, 'member', 'promote', learner.id);
    expect(again.stderr).toContain('etcdserver: can only promote a learner member');
  });

  it('the promoted member serves linearizable reads and writes, and can lead', async () => {
    const read = await eventually(() => etcdctl3(learner.endpoint, 'get', 'before-learner'), (r) => r.code === 0);
    expect(read.stdout).toBe('before-learner\nv1\n');
    expect((await etcdctl3(learner.endpoint, 'put', 'after-promote', 'yes')).stdout).toBe('OK\n');
    const status = (await etcdctl3(learner.endpoint, 'endpoint', 'status')).stdout.trim().split(', ');
    expect(status[5]).toBe('false');

    const moved = await etcdctl3(front, 'move-leader', learner.id);
    expect(moved.stderr).toBe('');
    expect(moved.stdout).toMatch(new RegExp(`^Leadership transferred from [0-9a-f]{1,16} to ${learner.id}\\n$`));
    const leader = (await (await fetch(`${cluster.url}/v2/members/leader`)).json()) as { id: string };
    expect(leader.id).toBe(learner.id);
    expect((await etcdctl3(front, 'get', 'after-promote', '--print-value-only')).stdout).toBe('yes\n');
  });

  it('move-leader refuses a member that is not a voter, and a follower endpoint', async () => {
    const unknown = await etcdctl3(front, 'move-leader', 'abcdef');
    expect(unknown.stderr).toContain('etcdserver: bad leader transferee');
    // etcdctl looks for the leader among the endpoints it is given: a follower alone is none.
    const follower = cluster.memberURLs.map(hostPort).find((e) => e !== learner.endpoint)!;
    const fromFollower = await etcdctl3(follower, 'move-leader', learner.id);
    expect(fromFollower.stderr).toContain('no leader endpoint given at');
  });
});
