import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * Real clients' v2 auth flows, unchanged, against edgecd and against real etcd 3.4: etcdctl 3.4
 * in v2 mode (`user`, `role`, `auth` and `--username`) and python-etcd 0.4.5 (`etcd.Client`
 * with a username and password, `etcd.auth.EtcdUser`/`EtcdRole`/`Auth`). With credentials they
 * pass; without (or wrong) they get etcd's refusals; every line of output must agree.
 */

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnWith(command: string, args: string[], input: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** One etcdctl command: its arguments, and what it reads on stdin (`user passwd` asks). */
type Command = [args: string[], stdin?: string];
const ROOT = ['--username', 'root:rootpw'];

const ETCDCTL_SESSION: Command[] = [
  [['auth', 'disable']],
  [['user', 'add', 'root:rootpw']],
  // etcd takes a second add as a password change (CreateOrUpdateUser): same password here.
  [['user', 'add', 'root:rootpw']],
  [['user', 'list']],
  [['role', 'list']],
  [['auth', 'enable']],
  [['auth', 'enable']],
  [['user', 'list']],
  [[...ROOT, 'user', 'list']],
  [['--username', 'root:wrong', 'user', 'list']],
  [['--username', 'ghost:x', 'role', 'list']],
  [[...ROOT, 'role', 'add', 'reader']],
  [[...ROOT, 'role', 'add', 'reader']],
  [[...ROOT, 'role', 'add', 'root']],
  [[...ROOT, 'role', 'grant', 'reader', '--path', '/app/*', '--read']],
  [[...ROOT, 'role', 'grant', 'reader', '--path', '/app/*', '--read']],
  [[...ROOT, 'role', 'grant', 'reader', '--path', '/rw/*', '--rw']],
  [[...ROOT, 'role', 'get', 'reader']],
  [[...ROOT, 'role', 'get', 'guest']],
  [[...ROOT, 'role', 'get', 'nope']],
  [[...ROOT, 'role', 'list']],
  [[...ROOT, 'user', 'add', 'alice:alicepw']],
  [[...ROOT, 'user', 'grant', 'alice', '--roles', 'reader']],
  [[...ROOT, 'user', 'grant', 'alice', '--roles', 'reader']],
  [[...ROOT, 'user', 'get', 'alice']],
  [[...ROOT, 'user', 'get', 'nobody']],
  [[...ROOT, 'set', '/app/x', 'v1']],
  [['--username', 'alice:alicepw', 'get', '/app/x']],
  [['--username', 'alice:alicepw', 'set', '/app/x', 'v2']],
  [['--username', 'alice:alicepw', 'set', '/rw/y', 'v3']],
  [['--username', 'alice:wrong', 'get', '/app/x']],
  [['get', '/app/x']],
  [[...ROOT, 'role', 'revoke', 'guest', '--path', '/*', '--rw']],
  [['get', '/app/x']],
  [['set', '/app/x', 'v4']],
  [[...ROOT, 'user', 'passwd', 'alice'], 'newpw\n'],
  [['--username', 'alice:alicepw', 'get', '/app/x']],
  [['--username', 'alice:newpw', 'get', '/app/x']],
  [['--username', 'alice:newpw', 'ls', '/app', '--recursive']],
  [['--username', 'alice:newpw', 'rm', '/app', '--recursive']],
  [[...ROOT, 'user', 'revoke', 'alice', '--roles', 'reader']],
  [[...ROOT, 'user', 'revoke', 'alice', '--roles', 'reader']],
  [['--username', 'alice:newpw', 'get', '/app/x']],
  [[...ROOT, 'role', 'revoke', 'reader', '--path', '/app/*', '--read']],
  [[...ROOT, 'role', 'remove', 'reader']],
  [[...ROOT, 'role', 'remove', 'root']],
  [[...ROOT, 'user', 'remove', 'alice']],
  [[...ROOT, 'user', 'remove', 'alice']],
  [[...ROOT, 'user', 'remove', 'root']],
  [[...ROOT, 'member', 'list']],
  [['auth', 'disable']],
  [[...ROOT, 'auth', 'disable']],
  [['user', 'remove', 'root']],
  [['user', 'list']],
];

/** Index numbers, IDs and URLs differ by nature; the stty warning is etcdctl's, on both. */
function normalise(run: Run): Run {
  const n = (t: string): string =>
    t
      // etcdctl prints IDs without leading zeros.
      .replace(/\b[0-9a-f]{13,16}\b/g, '<id>')
      .replace(/http:\/\/(127\.0\.0\.1:\d+|node\d:2380)/g, '<url>')
      .replace(/name=(node|etcd)\d/g, 'name=<name>');
  const stdout = n(run.stdout);
  // `member list` is in ID order: which member has the lowest ID is chance.
  const sorted = /^(<id>: name=.*\n)+$/.test(stdout) ? `${stdout.split('\n').filter((l) => l !== '').length} members\n` : stdout;
  return { code: run.code, stdout: sorted, stderr: n(run.stderr) };
}

const PYTHON_SESSION = String.raw`
import sys, etcd, etcd.auth
port = int(sys.argv[1])
def attempt(label, f):
    try:
        print(label, 'ok', f())
    except Exception as e:
        print(label, type(e).__name__, e)
anon = etcd.Client(port=port)
root = etcd.Client(port=port, username='root', password='rootpw')
wrong = etcd.Client(port=port, username='root', password='nope')
u = etcd.auth.EtcdUser(anon, 'root'); u.password = 'rootpw'
attempt('create root', u.write)
attempt('enable', lambda: setattr(etcd.auth.Auth(anon), 'active', True))
attempt('active', lambda: etcd.auth.Auth(anon).active)
attempt('guest writes', lambda: anon.write('/app/x', 'v').value)
attempt('list users anonymously', lambda: etcd.auth.EtcdUser(anon, 'x').names)
attempt('list users with a wrong password', lambda: etcd.auth.EtcdUser(wrong, 'x').names)
attempt('list users', lambda: [x['user'] for x in etcd.auth.EtcdUser(root, 'x').names])
r = etcd.auth.EtcdRole(root, 'reader'); r.grant('/app/*', 'R')
attempt('create a role', r.write)
r2 = etcd.auth.EtcdRole(root, 'reader')
attempt('read it', lambda: (r2.read(), sorted(r2.acls.items()))[1])
r2.grant('/rw/*', 'RW')
attempt('grant to it', r2.write)
attempt('read again', lambda: (r2.read(), sorted(r2.acls.items()))[1])
a = etcd.auth.EtcdUser(root, 'alice'); a.password = 'alicepw'; a.roles = ['reader']
attempt('create a user with a role', a.write)
a2 = etcd.auth.EtcdUser(root, 'alice')
attempt('read the user', lambda: (a2.read(), sorted(a2.roles))[1])
alice = etcd.Client(port=port, username='alice', password='alicepw')
attempt('alice reads', lambda: alice.read('/app/x').value)
attempt('alice writes where she may not', lambda: alice.write('/app/y', 'v'))
attempt('alice writes under rw', lambda: alice.write('/rw/y', 'v').value)
attempt('alice lists the auth API', lambda: etcd.auth.EtcdUser(alice, 'x').names)
attempt('a wrong password reads', lambda: wrong.read('/app/x').value)
g = etcd.auth.EtcdRole(root, 'guest')
attempt('the guest role', lambda: (g.read(), sorted(g.acls.items()))[1])
g.revoke('/*', 'RW')
attempt('revoke the guest', g.write)
attempt('the guest reads', lambda: anon.read('/app/x').value)
a2.roles = []
attempt('revoke alice', a2.write)
attempt('alice reads now', lambda: alice.read('/app/x').value)
attempt('delete a missing user', etcd.auth.EtcdUser(root, 'ghost').delete)
attempt('delete alice', a2.delete)
attempt('delete the role', r2.delete)
attempt('disable as anon', lambda: setattr(etcd.auth.Auth(anon), 'active', False))
attempt('disable', lambda: setattr(etcd.auth.Auth(root), 'active', False))
attempt('active', lambda: etcd.auth.Auth(anon).active)
`;

describe('real v2 clients with auth', () => {
  let edgecd: LaunchedCluster;
  let etcd: RealEtcdCluster;

  beforeAll(async () => {
    [edgecd, etcd] = await Promise.all([launchCluster(), startRealEtcd({ members: 3 })]);
  });

  afterAll(async () => {
    await Promise.all([edgecd?.destroy(), etcd?.stop()]);
  });

  it(`etcdctl v2: ${ETCDCTL_SESSION.length} user, role and auth commands answer as with etcd`, async () => {
    const differences: string[] = [];
    let refused = 0;
    let output = '';
    for (const [args, stdin] of ETCDCTL_SESSION) {
      const [ours, theirs] = await Promise.all(
        [edgecd.url, etcd.clientURLs[0]!].map(async (endpoint) => normalise(await spawnWith('etcdctl', ['--endpoints', endpoint, '--no-sync', ...args], stdin ?? '', { ETCDCTL_API: '2' }))),
      );
      if (theirs!.stderr.includes('Insufficient credentials')) refused++;
      output += theirs!.stdout;
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) differences.push(`etcdctl ${args.join(' ')}\n  edgecd ${JSON.stringify(ours)}\n  etcd   ${JSON.stringify(theirs)}`);
    }
    expect(differences.join('\n')).toBe('');
    // The session met both sides of the gate.
    expect(refused).toBeGreaterThan(5);
    for (const line of ['Authentication Enabled', 'Role: reader', 'User: alice', 'Password updated', 'User alice removed', 'Authentication Disabled']) expect(output).toContain(line);
  });

  it('etcdctl v2 with endpoint sync (it talks to the members it lists) logs in the same', async () => {
    const run = (endpoint: string, args: string[]): Promise<Run> => spawnWith('etcdctl', ['--endpoints', endpoint, ...args], '', { ETCDCTL_API: '2' });
    for (const url of [edgecd.url, etcd.clientURLs[0]!]) {
      expect((await run(url, ['user', 'add', 'root:rootpw'])).code).toBe(0);
      expect((await run(url, ['auth', 'enable'])).code).toBe(0);
    }
    for (const args of [[...ROOT, 'user', 'list'], ['user', 'list'], [...ROOT, 'set', '/s', 'x'], ['--username', 'root:bad', 'get', '/s'], [...ROOT, 'auth', 'disable']]) {
      const [ours, theirs] = await Promise.all([run(edgecd.url, args), run(etcd.clientURLs[0]!, args)]);
      expect(normalise(ours), args.join(' ')).toEqual(normalise(theirs));
    }
  });

  it('python-etcd: Client(username, password) and etcd.auth answer as with etcd', async () => {
    // A fresh state on both: the etcdctl sessions removed root and left auth off.
    const port = (url: string): string => new URL(url).port;
    const [ours, theirs] = await Promise.all([edgecd.url, etcd.clientURLs[0]!].map((url) => spawnWith('/usr/bin/python3', ['-', port(url)], PYTHON_SESSION)));
    const lines = (r: Run): string[] => r.stdout.replace(/http:\/\/127\.0\.0\.1:\d+/g, '<url>').split('\n');
    expect(theirs!.code, theirs!.stderr).toBe(0);
    expect(lines(ours!)).toEqual(lines(theirs!));
    expect(theirs!.stdout).toContain('alice reads ok v');
    expect(theirs!.stdout).toMatch(/list users anonymously EtcdInsufficientPermissions/);
  });
});
