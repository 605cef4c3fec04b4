import { describe, expect, it } from 'vitest';
import type { PasswordHasher } from '../../src/auth/index.ts';
import { WebCryptoPasswordHasher } from '../../src/member/password-hash.ts';
import { AuthCluster } from './auth-cluster.ts';

/**
 * v2 auth through the real client handler on a simulated cluster: auth state is v2 store writes
 * under /2 replicated through the log, and every member checks its own store.
 */

const INSUFFICIENT_KEYS = '{"errorCode":110,"message":"The request requires user authentication","cause":"Insufficient credentials","index":0}\n';

describe('v2 auth state', () => {
  it("takes etcd's indexes: the first auth write creates /2, /2/users/, /2/roles/ and /2/enabled first", async () => {
    const c = new AuthCluster();
    const before = c.cluster.member('node1').server.store.index();
    expect((await c.put('/v2/auth/users/root', { user: 'root', password: 'pw' })).status).toBe(201);
    expect(c.cluster.member('node1').server.store.index()).toBe(before + 5);
    // The log carries the hash, never the password.
    const stored = JSON.parse(c.cluster.member('node1').server.store.get('/2/users/root').node.value!) as { password: string };
    expect(stored.password).toMatch(/^\$pbkdf2-sha256\$1000\$/);
    expect(JSON.stringify(c.cluster.member('node1').disk)).not.toContain('"pw"');
  });

  it('is replicated: a revoke on the leader denies on a follower once applied', async () => {
    const c = new AuthCluster(['node1', 'node2', 'node3']);
    const leader = c.leaderName();
    const follower = ['node1', 'node2', 'node3'].find((n) => n !== leader)!;
    await c.enable();
    await c.put('/v2/auth/roles/reader', { role: 'reader', permissions: { kv: { read: ['/app*'], write: [] } } }, 'root:pw');
    await c.put('/v2/auth/users/alice', { user: 'alice', password: 'a', roles: ['reader'] }, 'root:pw');
    await c.send('PUT', '/v2/keys/app/x', { body: 'value=1', user: 'root:pw', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    c.cluster.tick(2);
    expect((await c.send('GET', '/v2/keys/app/x', { user: 'alice:a', member: follower })).status).toBe(200);

    const revoked = await c.put('/v2/auth/roles/reader', { role: 'reader', revoke: { kv: { read: ['/app*'] } } }, 'root:pw');
    expect(revoked.body).toBe('{"role":"reader","permissions":{"kv":{"read":[],"write":[]}}}\n');
    c.cluster.tick(2);
    const denied = await c.send('GET', '/v2/keys/app/x', { user: 'alice:a', member: follower });
    expect(denied.status).toBe(401);
    expect(denied.body).toBe(INSUFFICIENT_KEYS);
  });
});

describe('the guards', () => {
  it('let anyone read members, stats and the switch, and only root change members', async () => {
    const c = new AuthCluster();
    await c.enable();
    for (const path of ['/v2/members', '/v2/stats/self', '/v2/stats/store', '/v2/machines', '/v2/auth/enable']) {
      expect((await c.send('GET', path)).status, path).toBe(200);
    }
    const add = await c.send('POST', '/v2/members', { body: '{"peerURLs":["http://node9:2380"]}', headers: { 'Content-Type': 'application/json' } });
    expect(add.status).toBe(401);
    expect(add.body).toBe('{"message":"Insufficient credentials"}');
    expect(add.headers.get('X-Etcd-Cluster-Id')).toBeNull();
    expect((await c.send('DELETE', '/v2/auth/enable')).status).toBe(401);
    expect((await c.send('GET', '/v2/auth/users')).status).toBe(401);
  });

  it("give a request without credentials the guest role's access, and none to a bad credential", async () => {
    const c = new AuthCluster();
    await c.enable();
    // The guest role enable created reaches every key...
    expect((await c.send('GET', '/v2/keys/')).status).toBe(200);
    // ...except "" (`/v2/keys` with no slash), which no pattern starting with / covers.
    expect((await c.send('GET', '/v2/keys')).status).toBe(401);
    expect((await c.send('GET', '/v2/keys/', { user: 'root:wrong' })).status).toBe(401);
    expect((await c.send('GET', '/v2/keys/', { headers: { Authorization: 'Bearer x' } })).status).toBe(401);
    expect((await c.send('GET', '/v2/keys/', { headers: { Authorization: '' } })).status).toBe(200);
    expect((await c.send('GET', '/v2/keys/', { headers: { Authorization: `basic ${btoa('root:pw')}` } })).status).toBe(200);
  });
});

describe('failing closed', () => {
  it('denies when a stored user does not parse', async () => {
    const c = new AuthCluster();
    await c.enable();
    await c.cluster.serveV2(c.leaderName(), { method: 'PUT', path: '/2/users/root', val: '{"user":"root","password":' });
    expect((await c.send('GET', '/v2/auth/users', { user: 'root:pw' })).status).toBe(401);
    expect((await c.send('GET', '/v2/keys/', { user: 'root:pw' })).status).toBe(401);
  });

  it('denies every key when /2/enabled does not parse (etcd would take auth as off and allow)', async () => {
    const c = new AuthCluster();
    await c.enable();
    await c.cluster.serveV2(c.leaderName(), { method: 'PUT', path: '/2/enabled', val: 'tru' });
    const keys = await c.send('GET', '/v2/keys/');
    expect(keys.status).toBe(401);
    expect((await c.send('PUT', '/v2/keys/x', { body: 'value=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status).toBe(401);
    expect((await c.send('GET', '/v2/auth/enable')).status).toBe(500);
  });

  it('denies when the hasher fails, and writes no user it could not hash', async () => {
    const real = new WebCryptoPasswordHasher(1_000);
    const faults = { verify: false, digest: false };
    const faulty: PasswordHasher = {
      hash: (p) => real.hash(p),
      verify: (p, s) => (faults.verify ? Promise.reject(new Error('injected verify fault')) : real.verify(p, s)),
      digest: (t) => (faults.digest ? Promise.reject(new Error('injected digest fault')) : real.digest(t)),
    };
    const c = new AuthCluster(['node1'], faulty as WebCryptoPasswordHasher);
    await c.enable();
    faults.verify = true;
    const read = await c.send('GET', '/v2/keys/', { user: 'root:pw' });
    expect(read.status).toBe(401);
    expect(read.body).toBe(INSUFFICIENT_KEYS);
    expect((await c.put('/v2/auth/users/bob', { user: 'bob', password: 'b' }, 'root:pw')).status).toBe(401);
    expect(c.cluster.member('node1').server.store.get('/2/users').node.nodes?.map((n) => n.key)).toEqual(['/2/users/root']);
    // A credential verified before the fault stays good (its check is done)...
    faults.verify = false;
    expect((await c.send('GET', '/v2/keys/', { user: 'root:pw' })).status).toBe(200);
    faults.verify = true;
    expect((await c.send('GET', '/v2/keys/', { user: 'root:pw' })).status).toBe(200);
    // ...unless the cache's own digest fails.
    faults.digest = true;
    expect((await c.send('GET', '/v2/keys/', { user: 'root:pw' })).status).toBe(401);
  });

  it('answers a failed hash of a new password with 500 and writes nothing', async () => {
    const real = new WebCryptoPasswordHasher(1_000);
    const faulty: PasswordHasher = { hash: () => Promise.reject(new Error('injected')), verify: (p, s) => real.verify(p, s), digest: (t) => real.digest(t) };
    const c = new AuthCluster(['node1'], faulty as WebCryptoPasswordHasher);
    const index = c.cluster.member('node1').server.store.index();
    const create = await c.put('/v2/auth/users/root', { user: 'root', password: 'pw' });
    expect(create.status).toBe(500);
    expect(create.body).toBe('{"message":"Internal Server Error"}');
    expect(c.cluster.member('node1').server.store.index()).toBe(index);
  });
});

describe('the throttle', () => {
  it('answers 429 with Retry-After once a user failed 10 times, on keys and on the auth API', async () => {
    const c = new AuthCluster();
    await c.enable();
    for (let i = 0; i < 10; i++) expect((await c.send('GET', '/v2/keys/', { user: `root:guess${i}` })).status).toBe(401);
    const keys = await c.send('GET', '/v2/keys/', { user: 'root:guess10' });
    expect(keys.status).toBe(429);
    // The simulated clock moves a few seconds while the failures are served.
    const retryAfter = Number(keys.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(240);
    expect(retryAfter).toBeLessThanOrEqual(300);
    expect(JSON.parse(keys.body)).toMatchObject({ errorCode: 110, cause: `too many failed logins for this user or client; retry in ${retryAfter} s` });
    const api = await c.send('GET', '/v2/auth/users', { user: 'root:pw' });
    expect(api.status).toBe(429);
    expect(api.body).toMatch(/^\{"message":"auth: too many failed logins for this user or client; retry in \d+ s"\}$/);
    // Requests without credentials are the guest's: never throttled.
    expect((await c.send('GET', '/v2/keys/')).status).toBe(200);
    c.cluster.nowMs += 5 * 60_000;
    expect((await c.send('GET', '/v2/auth/users', { user: 'root:pw' })).status).toBe(200);
  });
});
