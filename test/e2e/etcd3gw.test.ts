import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chosenTargets, startChosenTargets, type StartedTargets, type V3Target, type V3TargetName } from '../helpers/v3-targets.ts';

/**
 * Debian's python3-etcd3gw 2.0.0 (etcd's JSON gateway client), unchanged, against edgecd and a
 * real etcd 3.4 side by side (V3_TARGET picks them; see test/helpers/v3-targets.ts):
 * - one session through its whole API (test/e2e/python/etcd3gw_session.py): each target's
 *   printout must show the API working, and edgecd's must equal etcd's;
 * - its upstream functional tests, unchanged, pointed at each target
 *   (test/e2e/python/etcd3gw_upstream.py).
 * Both targets are fresh 3-member clusters, so the same session gives both the same revisions.
 */

const PYTHON = '/usr/bin/python3';
const SESSION = join(import.meta.dirname, 'python', 'etcd3gw_session.py');
const UPSTREAM = join(import.meta.dirname, 'python', 'etcd3gw_upstream.py');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runPython(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PYTHON, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    // 'close', not 'exit': 'exit' may come before the last of the child's output has been read.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

const choice = chosenTargets();
let started: StartedTargets | undefined;
const targets = new Map<V3TargetName, V3Target>();
let skipReason: string | undefined;
const sessions = new Map<V3TargetName, Promise<Run>>();
const upstreamRuns = new Map<V3TargetName, Promise<Run>>();

beforeAll(async () => {
  started = await startChosenTargets(choice, { etcdMembers: 3 });
  skipReason = started.skipReason;
  // The session and then the upstream suite on each target; the targets run side by side.
  for (const [name, target] of started.targets) {
    targets.set(name, target);
    const { hostname, port } = new URL(target.url);
    const session = runPython([SESSION, hostname, port, target.memberURLs.join(',')]);
    sessions.set(name, session);
    upstreamRuns.set(name, session.then(() => runPython([UPSTREAM], { ETCD_HOST: hostname, ETCD_PORT: port })));
  }
});

afterAll(async () => {
  await Promise.allSettled([...upstreamRuns.values()]);
  await started?.stop();
});

async function session(name: V3TargetName): Promise<Record<string, unknown>> {
  const run = await sessions.get(name)!;
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** What the session must show on any target: etcd 3.4's answers, as measured on 3.4.23. */
function expectTheAPIWorks(seen: Record<string, unknown>): void {
  // etcd3gw's default api_path '/v3alpha/' is gone from 3.4; '/v3beta/' still works.
  expect(seen['api-path-v3alpha']).toEqual(['Etcd3Exception', ['Not Found'], '404 page not found\n']);
  expect(seen['api-path-v3beta']).toEqual([]);
  expect(seen.get).toEqual([['one'], ['2001'], ['bytes\u00ff']]);
  expect(seen['get-metadata']).toEqual([['one', { key: '/gw/a', create_revision: 1, mod_revision: 1, version: '1' }]]);
  expect(seen['get-no-value']).toEqual([['', { key: '/gw/novalue', create_revision: 4, mod_revision: 4, version: '1' }]]);
  expect([seen.delete, seen['delete-missing'], seen['get-deleted']]).toEqual([true, false, []]);
  expect(seen.get_all).toEqual(['gw-all']);
  expect(seen['get_prefix-sorted']).toMatchObject({ 'ascend/key': ['a', 'b', 'c', 'd', 'e'], 'descend/key': ['e', 'd', 'c', 'b', 'a'], 'ascend/value': ['d', 'b', 'a', 'c', 'e'] });
  expect(seen['range-limit']).toMatchObject({ count: '5', more: true });
  expect(seen['range-count-only']).toEqual({ count: '5', header: { revision: 15 } });
  expect(seen.delete_prefix).toEqual([true, [], false]);
  expect(seen.create).toEqual([true, false, ['first']]);
  expect(seen.replace).toEqual([true, false, ['third']]);
  expect(seen.txn).toMatchObject({ responses: [{ response_range: { count: '1' } }, { response_put: { prev_kv: { value: 'before' } } }, { response_delete_range: {} }] });
  expect((seen.txn as Record<string, unknown>).succeeded).toBeUndefined();
  expect(seen['txn-compare-kinds']).toMatchObject({ succeeded: true });
  expect(seen.status).toMatchObject({ version: '3.4.23', header: ['cluster_id', 'member_id', 'raft_term', 'revision'], 'leader-is-a-member': true, 'member-is-a-member': true });
  expect(seen.members).toEqual({ count: 3, fields: [0, 1, 2].map(() => ['ID', 'clientURLs', 'name', 'peerURLs']), clientURLs: true, names: 3 });
  expect(seen.lease).toEqual({ 'id-is-int': true, ttl: true, 'keys-empty': [] });
  expect(seen['lease-keys']).toEqual(['/gw/leased/1', '/gw/leased/2']);
  expect(seen['lease-refresh']).toBe(60);
  expect(seen['lease-revoke']).toEqual([true, [], -1, [], -1]);
  expect(seen['lease-expired']).toEqual([[], -1, -1]);
  expect(seen['lease-unknown']).toEqual([-1, -1]);
  const leaseNotFound = ['Etcd3Exception', ['Not Found'], { code: 5, error: 'etcdserver: requested lease not found', message: 'etcdserver: requested lease not found' }];
  expect(seen['lease-revoke-again']).toEqual(leaseNotFound);
  expect(seen['put-unknown-lease']).toEqual(leaseNotFound);
  // Events seen equal the writes, nothing after cancel, and the iterator ends on cancel.
  expect(seen.watch).toEqual([[['PUT', '/gw/w', '1', 28, 1], ['PUT', '/gw/w', '2', 29, 2], ['DELETE', '/gw/w', '', 31, 0]], true]);
  expect(seen.watch_prefix).toEqual([[['PUT', '/gw/wp/a', '1', 33, 1], ['PUT', '/gw/wp/b', '2', 34, 1], ['DELETE', '/gw/wp/a', '', 36, 0], ['DELETE', '/gw/wp/b', '', 36, 0]], true]);
  expect(seen['watch-filter-nodelete']).toEqual([[['PUT', '/gw/wf/a', '1', 37, 1], ['PUT', '/gw/wf/a', '2', 39, 1]], true]);
  expect(seen['watch-history-prev_kv']).toEqual([[['PUT', '/gw/w', '1', 28, 1], ['PUT', '/gw/w', '2', 29, 2, 'MQ=='], ['DELETE', '/gw/w', '', 31, 0, 'Mg=='], ['PUT', '/gw/w', 'after cancel', 32, 1]], true]);
  expect(seen.watch_prefix_once).toEqual(['PUT', '/gw/once/k', 'v', 40, 1]);
  expect(seen['watch_once-timeout']).toEqual(['WatchTimedOut', [], null]);
  expect(seen.lock).toEqual({
    acquire: true, is_acquired: true, 'value-is-uuid': true, refresh: 60,
    'contended-acquire': false, 'contended-is_acquired': false,
    release: true, 'released-is_acquired': false, 'release-again': false,
    'second-acquire': true, 'second-is_acquired': true, 'first-is_acquired': false, 'second-release': true,
  });
  expect([seen['lock-context'], seen['lock-context-after']]).toEqual([[true, false], false]);
  expect(seen['lock-expiry']).toEqual([true, false, true, false, false, true]);
  expect(seen['error-duplicate-key-txn']).toEqual(['Etcd3Exception', ['Bad Request'], { code: 3, error: 'etcdserver: duplicate key given in txn request', message: 'etcdserver: duplicate key given in txn request' }]);
  expect(seen['error-compacted']).toEqual(['Etcd3Exception', ['Bad Request'], { code: 11, error: 'etcdserver: mvcc: required revision has been compacted', message: 'etcdserver: mvcc: required revision has been compacted' }]);
  expect(seen['error-unknown-route']).toEqual(['Etcd3Exception', ['Not Found'], 'Not Found\n']);
}

describe('python3-etcd3gw against edgecd and real etcd 3.4', () => {
  it('one session through its whole API shows it working on real etcd', async (ctx) => {
    ctx.skip(!targets.has('etcd'), 'V3_TARGET leaves real etcd out');
    expectTheAPIWorks(await session('etcd'));
  });

  it("and edgecd's session is the same as real etcd's", async (ctx) => {
    ctx.skip(!targets.has('edgecd'), skipReason ?? 'V3_TARGET leaves edgecd out');
    const seen = await session('edgecd');
    expectTheAPIWorks(seen);
    if (targets.has('etcd')) expect(seen).toEqual(await session('etcd'));
  });

  it('its upstream functional tests pass against real etcd, none skipped', async (ctx) => {
    ctx.skip(!targets.has('etcd'), 'V3_TARGET leaves real etcd out');
    const run = await upstreamRuns.get('etcd')!;
    expect(run.stdout).toMatch(/\nRan 22 tests in [\d.]+s\n\nOK\n/);
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it('and against edgecd', async (ctx) => {
    ctx.skip(!targets.has('edgecd'), skipReason ?? 'V3_TARGET leaves edgecd out');
    const run = await upstreamRuns.get('edgecd')!;
    expect(run.stdout).toMatch(/\nRan 22 tests in [\d.]+s\n\nOK\n/);
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });
});
