import { describe, expect, it } from 'vitest';
import type { PasswordHasher } from '../../src/auth/index.ts';
import { MemoryAuthBackend } from '../helpers/memory-auth-backend.ts';
import { AuthGatewayCluster, authPorts, b64 } from './v3-auth-harness.ts';

/**
 * v3 auth across a simulated cluster, through the member's gateway in process: what is
 * replicated and how, what lives in one member's memory, and the checks that fail closed.
 */

/** root, auth on; a role `app` reading and writing `app/`, reading `k`; user `ann` holding it. */
async function withAnn(c: AuthGatewayCluster): Promise<{ root: Record<string, string>; ann: Record<string, string> }> {
  const root = await c.enableWithRoot();
  await c.post('/v3/auth/role/add', { name: 'app' }, root);
  await c.post('/v3/auth/role/grant', { name: 'app', perm: { permType: 'READWRITE', key: b64('app/'), range_end: b64('app0') } }, root);
  await c.post('/v3/auth/role/grant', { name: 'app', perm: { key: b64('k') } }, root);
  await c.post('/v3/auth/user/add', { name: 'ann', password: 'annpw' }, root);
  await c.post('/v3/auth/user/grant', { user: 'ann', role: 'app' }, root);
  return { root, ann: await c.login('ann', 'annpw') };
}

const message = (answer: { body: Record<string, unknown> }): unknown => answer.body.message;

describe('v3 auth in a cluster', () => {
  it('replicates users, roles and the switch through the log: every member answers alike', async () => {
    const c = new AuthGatewayCluster(['node1', 'node2', 'node3']);
    const { root } = await withAnn(c);
    c.cluster.tick(3);
    for (const m of c.cluster.members.values()) {
      // A member's token table is its own memory: each member learned root's token by applying it.
      const users = await c.post('/v3/auth/user/list', {}, root, m);
      expect(users.body.users, m.name).toEqual(['ann', 'root']);
      const perms = await c.post('/v3/auth/role/get', { role: 'app' }, root, m);
      expect(perms.body.perm, m.name).toEqual([{ permType: 'READWRITE', key: b64('app/'), range_end: b64('app0') }, { key: b64('k') }]);
      expect(message(await c.post('/v3/kv/range', { key: b64('x') }, {}, m)), m.name).toBe('etcdserver: user name is empty');
    }
  });

  it('hashes a password on the member that took the request: the log holds no password', async () => {
    const c = new AuthGatewayCluster(['node1', 'node2', 'node3']);
    const root = await c.enableWithRoot();
    await c.post('/v3/auth/user/add', { name: 'ann', password: 'plain-secret-1' }, root);
    await c.post('/v3/auth/user/changepw', { name: 'ann', password: 'plain-secret-2' }, root);
    await c.login('ann', 'plain-secret-2');
    for (const m of c.cluster.members.values()) {
      const log = m.disk.entries(m.disk.firstIndex(), m.disk.lastIndex() + 1, Number.MAX_SAFE_INTEGER).map((e) => e.data).join('\n');
      expect(log).toContain('authUserAdd');
      expect(log).not.toContain('plain-secret');
      expect(log).not.toContain('rootpw');
    }
  });

  it('honours a token on every member that applied its login, and not on one that restarted since', async () => {
    const c = new AuthGatewayCluster(['node1', 'node2', 'node3']);
    const { ann } = await withAnn(c);
    await c.post('/v3/kv/put', { key: b64('app/x'), value: b64('1') }, ann);
    c.cluster.tick(3);
    const follower = [...c.cluster.members.values()].find((m) => m !== c.leader)!;
    const read = await c.post('/v3/kv/range', { key: b64('app/x'), serializable: true }, ann, follower);
    expect(read.status).toBe(200);
    c.cluster.restart(follower.name);
    c.cluster.tick(10);
    const after = await c.post('/v3/kv/range', { key: b64('app/x'), serializable: true }, ann, c.cluster.member(follower.name));
    expect(after.status).toBe(401);
    expect(message(after)).toBe('etcdserver: invalid auth token');
  });

  it('refuses a request checked at an auth revision that moved before it was applied (ErrAuthOldRevision)', async () => {
    const c = new AuthGatewayCluster();
    const { root, ann } = await withAnn(c);
    // Both headers are taken now, at the same revision; the grant is applied first.
    const grant = c.post('/v3/auth/role/add', { name: 'late' }, root);
    const put = c.post('/v3/kv/put', { key: b64('app/y'), value: b64('1') }, ann);
    expect((await grant).status).toBe(200);
    const refused = await put;
    expect(refused.status).toBe(400);
    expect(message(refused)).toBe('etcdserver: revision of auth store is old');
    // Its token is still good: the next request is checked at the new revision.
    expect((await c.post('/v3/kv/put', { key: b64('app/y'), value: b64('1') }, ann)).status).toBe(200);
  });

  it('revokes an expired lease with root rights, though no user asked (etcd\'s WithRoot)', async () => {
    const c = new AuthGatewayCluster();
    const { root } = await withAnn(c);
    await c.post('/v3/lease/grant', { TTL: '2', ID: '77' }, root);
    await c.post('/v3/kv/put', { key: b64('secret'), value: b64('v'), lease: '77' }, root);
    c.cluster.tick(60);
    const gone = await c.post('/v3/kv/range', { key: b64('secret') }, root);
    expect(gone.body.kvs).toBeUndefined();
    expect((await c.post('/v3/lease/timetolive', { ID: '77' }, root)).body.TTL).toBe('-1');
  });

  it('gives a member that catches up from a snapshot the users, roles and switch with it', async () => {
    const c = new AuthGatewayCluster(['node1', 'node2', 'node3'], { snapshotCount: 20 });
    c.cluster.tick(55);
    const { root } = await withAnn(c);
    await c.post('/v3/auth/user/add', { name: 'bob', password: 'bobpw' }, root);
    await c.post('/v3/auth/role/add', { name: 'late' }, root);
    // Enough entries that the leader compacts its log past where the follower stopped.
    for (let i = 0; i < 25; i++) await c.post('/v3/kv/put', { key: b64(`app/${i}`), value: b64('v') }, root);
    const leaderDisk = c.leader.disk;
    expect(leaderDisk.firstIndex()).toBeGreaterThan(1);
    const added = await c.drive(c.leader.server.addMember(['http://node4:2380'], c.cluster.nowMs));
    const joined = c.cluster.join('node4', added.id);
    c.cluster.tick(30);
    expect(joined.disk.snapshot().metadata.index).toBeGreaterThan(0);
    // Its own tokens come from logins it applies: log in there.
    const bob = await c.post('/v3/auth/authenticate', { name: 'bob', password: 'bobpw' }, {}, joined);
    expect(bob.status).toBe(200);
    const list = await c.post('/v3/auth/role/list', {}, await c.login('root', 'rootpw'), joined);
    expect(list.body.roles).toEqual(['app', 'late']);
    expect(message(await c.post('/v3/kv/range', { key: b64('x') }, {}, joined))).toBe('etcdserver: user name is empty');
  }, 30_000);
});

describe('v3 auth hardenings', () => {
  it('checks a nested txn as the outer one: etcd 3.4 skips it, letting any user read or write any key', async () => {
    const c = new AuthGatewayCluster();
    const { root, ann } = await withAnn(c);
    await c.post('/v3/kv/put', { key: b64('secret'), value: b64('s') }, root);
    const read = await c.post('/v3/kv/txn', { success: [{ request_txn: { success: [{ request_range: { key: b64('secret') } }] } }] }, ann);
    expect(read.status).toBe(403);
    const write = await c.post('/v3/kv/txn', { success: [{ request_txn: { success: [{ request_put: { key: b64('secret'), value: b64('x') } }] } }] }, ann);
    expect(write.status).toBe(403);
    const anonymous = await c.post('/v3/kv/txn', { success: [{ request_txn: { success: [{ request_range: { key: b64('secret') } }] } }] });
    expect(message(anonymous)).toBe('etcdserver: user name is empty');
    const allowed = await c.post('/v3/kv/txn', { success: [{ request_txn: { compare: [{ key: b64('app/a'), target: 'VERSION' }], success: [{ request_put: { key: b64('app/a'), value: b64('x') } }] } }] }, ann);
    expect(allowed.status).toBe(200);
  });

  it("checks a from-key watch over all it watches: etcd checks the key alone", async () => {
    const c = new AuthGatewayCluster();
    const { ann } = await withAnn(c);
    const fromKey = await c.watchCreate({ key: b64('k'), range_end: 'AA==' }, ann);
    expect(fromKey).toMatchObject({ watch_id: '-1', created: true, canceled: true, cancel_reason: 'rpc error: code = PermissionDenied desc = etcdserver: permission denied' });
    // The key alone is allowed, and so is every key of a prefix it may read.
    expect(await c.watchCreate({ key: b64('k') }, ann)).toEqual({ header: expect.anything(), created: true });
    expect(await c.watchCreate({ key: b64('app/'), range_end: b64('app0') }, ann)).toEqual({ header: expect.anything(), created: true });
    expect((await c.watchCreate({ key: b64('k') })).cancel_reason).toBe('rpc error: code = InvalidArgument desc = etcdserver: user name is empty');
    expect((await c.watchCreate({ key: b64('k') }, { Authorization: 'nope' })).cancel_reason).toBe('rpc error: code = Unauthenticated desc = etcdserver: invalid auth token');
  });

  it('keeps every check while an alarm is active (etcd 3.4 drops them), and makes raising or clearing one an admin request', async () => {
    const c = new AuthGatewayCluster();
    const { root, ann } = await withAnn(c);
    await c.post('/v3/kv/put', { key: b64('secret'), value: b64('s') }, root);
    const anonymous = await c.post('/v3/maintenance/alarm', { action: 'ACTIVATE', memberID: '1', alarm: 'NOSPACE' });
    expect(message(anonymous)).toBe('etcdserver: user name is empty');
    expect(message(await c.post('/v3/maintenance/alarm', { action: 'ACTIVATE', memberID: '1', alarm: 'NOSPACE' }, ann))).toBe('etcdserver: permission denied');
    expect((await c.post('/v3/maintenance/alarm', { action: 'ACTIVATE', memberID: '1', alarm: 'NOSPACE' }, root)).status).toBe(200);
    // Anyone may list them.
    expect((await c.post('/v3/maintenance/alarm', { action: 'GET' })).body.alarms).toEqual([{ memberID: '1', alarm: 'NOSPACE' }]);
    expect(message(await c.post('/v3/kv/deleterange', { key: b64('secret') }, ann))).toBe('etcdserver: permission denied');
    expect(message(await c.post('/v3/auth/disable', {}, ann))).toBe('etcdserver: permission denied');
    expect(message(await c.post('/v3/auth/disable', {}))).toBe('etcdserver: user name is empty');
    expect((await c.post('/v3/kv/range', { key: b64('secret') }, root)).body.kvs).toHaveLength(1);
  });

  it('refuses a permission grant without a permission before proposing it (etcd\'s member panics applying one)', async () => {
    const c = new AuthGatewayCluster();
    const { root, ann } = await withAnn(c);
    expect(message(await c.post('/v3/auth/role/grant', { name: 'app' }, ann))).toBe('etcdserver: permission denied');
    expect(message(await c.post('/v3/auth/role/grant', { name: 'nothing' }, root))).toBe('etcdserver: role name not found');
    const refused = await c.post('/v3/auth/role/grant', { name: 'app' }, root);
    expect(refused.status).toBe(400);
    expect(message(refused)).toBe('etcdserver: permission is not provided');
  });

  it('throttles failed logins: after 10 for a user its next login is refused unchecked (429), while a login it made before still works', async () => {
    const c = new AuthGatewayCluster();
    const { root } = await withAnn(c);
    await c.post('/v3/auth/user/add', { name: 'eve', password: 'evepw' }, root);
    await c.login('ann', 'annpw');
    for (let i = 0; i < 10; i++) expect(message(await c.post('/v3/auth/authenticate', { name: 'eve', password: `guess${i}` }))).toBe('etcdserver: authentication failed, invalid user ID or password');
    const throttled = await c.post('/v3/auth/authenticate', { name: 'eve', password: 'evepw' });
    expect(throttled.status).toBe(429);
    expect(message(throttled)).toMatch(/^etcdserver: too many failed logins for this user or client; retry in \d+ s$/);
    expect((await c.post('/v3/auth/authenticate', { name: 'ann', password: 'annpw' })).status).toBe(200);
  });
});

describe('v3 auth fails closed', () => {
  it('denies a request whose user record does not read back, and does not crash serving it', async () => {
    const c = new AuthGatewayCluster();
    const { ann } = await withAnn(c);
    expect((await c.post('/v3/kv/range', { key: b64('k') }, ann)).status).toBe(200);
    for (const m of c.cluster.members.values()) (m.v3Disk.auth as MemoryAuthBackend).corruptUser('ann');
    const denied = await c.post('/v3/kv/range', { key: b64('k') }, ann);
    expect(denied.status).toBe(403);
    expect((await c.watchCreate({ key: b64('k') }, ann)).canceled).toBe(true);
  });

  it('refuses a login when the hasher cannot check the stored hash', async () => {
    const real = authPorts();
    let failing = false;
    const hasher: PasswordHasher = {
      hash: (p) => real.hasher.hash(p),
      verify: (p, s) => (failing ? Promise.reject(new Error('KDF unavailable')) : real.hasher.verify(p, s)),
      digest: (t) => real.hasher.digest(t),
    };
    const c = new AuthGatewayCluster(['node1'], { ports: { hasher, tokenPrefix: real.tokenPrefix } });
    await c.enableWithRoot();
    failing = true;
    const refused = await c.post('/v3/auth/authenticate', { name: 'root', password: 'wrong-but-unchecked' });
    expect(message(refused)).toBe('etcdserver: authentication failed, invalid user ID or password');
  });

  it('refuses to add a user with a password on a member with no password hasher', async () => {
    const c = new AuthGatewayCluster(['node1'], { ports: null });
    const refused = await c.post('/v3/auth/user/add', { name: 'root', password: 'x' });
    expect(refused.status).toBe(503);
    expect(message(refused)).toBe('etcdserver: this member has no password hasher');
  });
});
