import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { EtcdProcess } from './etcd-process.ts';
import { etcdctl3, normalise, type Etcdctl3Run } from './etcdctl3.ts';

/**
 * etcdctl 3.4 in v3 mode, the auth commands, against edgecd's gRPC server (served on the front
 * door's port by `edgecd start`, translating to edgecd's own gateway) and against a real etcd
 * 3.4's gRPC directly: users, roles, permissions, the switch, `--user` logins (a token on every
 * call), a refused read and write, a watch as a user (its token reaches edgecd's gateway on the
 * upstream WebSocket), password changes and deletions. Outputs compare after normalise().
 */
let edgecd: LaunchedCluster;
let etcd: EtcdProcess;

beforeAll(async () => {
  [edgecd, etcd] = await Promise.all([launchCluster(), EtcdProcess.start()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([edgecd?.destroy(), etcd?.destroy()]);
});

const cmd = (...args: string[]): Etcdctl3Run => ({ args });
const as = (user: string, ...args: string[]): Etcdctl3Run => ({ args: ['--user', user, ...args] });

/** Runs each command on both sides and expects the same output; edgecd's outputs, for more checks. */
async function same(...runs: Etcdctl3Run[]): Promise<string[]> {
  const outputs: string[] = [];
  for (const run of runs) {
    const [ours, theirs] = await Promise.all([etcdctl3(`127.0.0.1:${edgecd.port}`, run), etcdctl3(etcd.address, run)]);
    expect({ args: run.args, ...normalise(ours) }).toEqual({ args: run.args, ...normalise(theirs) });
    outputs.push(ours.stdout + ours.stderr);
  }
  return outputs;
}

describe('etcdctl v3 auth through edgecd\'s gRPC server reads as against etcd', () => {
  it('user and role commands before auth is on', async () => {
    await same(
      cmd('user', 'add', 'root', '--new-user-password=rootpw'),
      cmd('user', 'add', 'ann:annpw'),
      { args: ['user', 'add', 'bob', '--interactive=false'], stdin: 'bobpw\n' },
      cmd('user', 'add', 'ann', '--new-user-password=again'),
      cmd('user', 'list'),
      cmd('user', 'get', 'ann'),
      cmd('user', 'get', 'nobody'),
      cmd('role', 'add', 'reader'),
      cmd('role', 'add', 'writer'),
      cmd('role', 'add', 'reader'),
      cmd('role', 'grant-permission', 'reader', 'read', 'foo'),
      cmd('role', 'grant-permission', '--prefix', 'reader', 'read', 'dir/'),
      cmd('role', 'grant-permission', 'writer', 'readwrite', '--from-key', 'z'),
      cmd('role', 'grant-permission', 'writer', 'write', 'a', 'c'),
      cmd('role', 'grant-permission', 'nothing', 'read', 'foo'),
      cmd('role', 'get', 'reader'),
      cmd('role', 'get', 'writer'),
      cmd('role', 'list'),
      cmd('user', 'grant-role', 'ann', 'reader'),
      cmd('user', 'grant-role', 'bob', 'writer'),
      cmd('user', 'grant-role', 'ann', 'nothing'),
      cmd('user', 'get', 'ann', '--detail'),
      cmd('auth', 'enable'),
      cmd('user', 'grant-role', 'root', 'root'),
      cmd('auth', 'enable'),
    );
  });

  it('--user logins: a token on every call, refused reads and writes, bad passwords', async () => {
    const [anonymous, , , , annGet, , annSecret, annPut] = await same(
      cmd('get', 'foo'),
      as('root:rootpw', 'put', 'foo', 'bar'),
      as('root:rootpw', 'put', 'dir/a', '1'),
      as('root:rootpw', 'put', 'secret', 's'),
      as('ann:annpw', 'get', 'foo'),
      as('ann:annpw', 'get', '--prefix', 'dir/'),
      as('ann:annpw', 'get', 'secret'),
      as('ann:annpw', 'put', 'foo', 'x'),
      as('ann:annpw', 'del', 'foo'),
      as('bob:bobpw', 'put', 'zzz', 'z'),
      as('bob:bobpw', 'put', 'b', 'in-range'),
      as('bob:bobpw', 'get', 'b'),
      as('root:wrong', 'get', 'foo'),
      as('nobody:x', 'get', 'foo'),
      as('root:rootpw', 'user', 'list'),
      as('ann:annpw', 'user', 'list'),
      as('ann:annpw', 'user', 'get', 'ann'),
      as('ann:annpw', 'role', 'get', 'reader'),
      as('ann:annpw', 'role', 'get', 'writer'),
      as('root:rootpw', 'user', 'delete', 'root'),
      as('root:rootpw', 'role', 'delete', 'root'),
      as('root:rootpw', 'user', 'revoke-role', 'root', 'root'),
      as('ann:annpw', 'compaction', '1'),
      as('ann:annpw', 'defrag'),
      as('ann:annpw', 'member', 'add', 'n9', '--peer-urls=http://127.0.0.1:9'),
    );
    // Not merely alike: auth was on, the token carried, the refusals etcd's.
    expect(anonymous).toContain('etcdserver: user name is empty');
    expect(annGet).toContain('bar');
    expect(annSecret).toContain('etcdserver: permission denied');
    expect(annPut).toContain('etcdserver: permission denied');
  });

  it('a watch as a user: allowed on what it may read, cancelled on what it may not', async () => {
    const [annDir, rootSecret] = await same(
      { ...as('ann:annpw', 'watch', '--prefix', 'dir/', '--rev=1'), stopAfterMs: 1500 },
      { ...as('root:rootpw', 'watch', 'secret', '--rev=1'), stopAfterMs: 1500 },
      { ...as('ann:annpw', 'watch', 'secret'), stopAfterMs: 1500 },
    );
    expect(annDir).toContain('dir/a');
    expect(rootSecret).toContain('secret');
  });

  it('revokes, password changes and deletions take effect at once', async () => {
    await same(
      as('root:rootpw', 'user', 'revoke-role', 'ann', 'reader'),
      as('ann:annpw', 'get', 'foo'),
      as('root:rootpw', 'user', 'grant-role', 'ann', 'reader'),
      as('root:rootpw', 'role', 'revoke-permission', 'reader', 'foo'),
      as('root:rootpw', 'role', 'revoke-permission', 'reader', 'foo'),
      as('root:rootpw', 'role', 'get', 'reader'),
      as('ann:annpw', 'get', 'foo'),
      { args: ['--user', 'root:rootpw', 'user', 'passwd', 'ann', '--interactive=false'], stdin: 'newpw\n' },
      as('ann:annpw', 'get', '--prefix', 'dir/'),
      as('ann:newpw', 'get', '--prefix', 'dir/'),
      as('root:rootpw', 'role', 'delete', 'writer'),
      as('root:rootpw', 'user', 'get', 'bob'),
      as('root:rootpw', 'user', 'delete', 'bob'),
      as('root:rootpw', 'user', 'list'),
      as('root:rootpw', 'role', 'list'),
      as('ann:newpw', 'auth', 'disable'),
      as('root:rootpw', 'auth', 'disable'),
      cmd('get', 'foo'),
      cmd('auth', 'disable'),
    );
  });
});
