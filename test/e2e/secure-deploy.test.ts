import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProductionBundle, runProductionBundle, type RunningBundle } from '../helpers/production-bundle.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCluster } from '../helpers/launcher.ts';


/**
 * A deployed edgecd fails closed (src/worker/secure-gate.ts). The production bundle exactly as
 * `wrangler deploy` builds it, under Miniflare with the production environment's vars plus what an
 * operator sets: nothing (every route 503, saying how to secure it), the secret
 * ETCD_ROOT_PASSWORD (auth on both APIs from the first request, root logs in), or the var
 * EDGECD_ALLOW_UNAUTHENTICATED_ACCESS=true (open). `npm start` stays open on loopback and says so.
 */

let outdir: string;
type Deployed = RunningBundle;

const ROUTES: [string, string, string?][] = [
  ['GET', '/version'],
  ['GET', '/health'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/v2/keys/x'],
  ['PUT', '/v2/keys/x', 'value=1'],
  ['GET', '/v2/members'],
  ['GET', '/v2/auth/enable'],
  ['GET', '/v2/stats/self'],
  ['POST', '/v3/kv/range', '{"key":"eA=="}'],
  ['POST', '/v3/kv/put', '{"key":"eA==","value":"MQ=="}'],
  ['POST', '/v3/auth/authenticate', '{"name":"root","password":"x"}'],
  ['GET', '/v3/watch'],
  ['GET', '/ui/'],
  ['GET', '/nope'],
  ['OPTIONS', '/v2/keys/x'],
  ['POST', '/raft', '[]'],
];

const v3 = (d: Deployed, path: string, body: unknown, token?: string): Promise<Response> =>
  fetch(`${d.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: token === undefined ? {} : { Authorization: token } });

beforeAll(() => {
  outdir = buildProductionBundle('edgecd-secure-');
}, 120_000);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe('the production bundle, unsecured', () => {
  let d: Deployed;
  beforeAll(async () => {
    d = await runProductionBundle(outdir, {});
  }, 60_000);
  afterAll(async () => d?.mf.dispose());

  it('answers every route 503 with JSON saying how to secure it', async () => {
    for (const [method, path, body] of ROUTES) {
      const response = await fetch(`${d.url}${path}`, { method, ...(body === undefined ? {} : { body }) });
      expect(response.status, `${method} ${path}`).toBe(503);
      expect(response.headers.get('content-type'), `${method} ${path}`).toBe('application/json');
      const answer = (await response.json()) as { error: string; message: string };
      expect(answer.error).toBe('edgecd is not secured');
      expect(answer.message).toContain('wrangler secret put ETCD_ROOT_PASSWORD');
      expect(answer.message).toContain('EDGECD_ALLOW_UNAUTHENTICATED_ACCESS');
    }
  });

  it('starts no member: nothing was stored', async () => {
    const namespace = await d.mf.getDurableObjectNamespace('MEMBER');
    const status = (await (await namespace.get(namespace.idFromName('node1')).fetch('http://member/admin/status', { headers: { 'X-Edgecd-Member': 'node1' } })).json()) as { started: boolean };
    expect(status.started).toBe(false);
  });
});

describe('the production bundle with ETCD_ROOT_PASSWORD', () => {
  const persist = mkdtempSync(join(tmpdir(), 'edgecd-secure-data-'));
  const password = 'a secret of the operator';
  let d: Deployed;
  beforeAll(async () => {
    d = await runProductionBundle(outdir, { ETCD_ROOT_PASSWORD: password }, persist);
  }, 60_000);
  afterAll(async () => {
    await d?.mf.dispose();
    rmSync(persist, { recursive: true, force: true });
  });

  it('has auth on both APIs from the first request', async () => {
    // The very first request the deployment serves: anonymous, refused.
    const first = await fetch(`${d.url}/v2/keys/x`, { method: 'PUT', body: new URLSearchParams({ value: '1' }) });
    expect(first.status).toBe(401);
    expect(await (await fetch(`${d.url}/v2/auth/enable`)).json()).toEqual({ enabled: true });
    const v3Anonymous = await v3(d, '/v3/kv/put', { key: 'eA==', value: 'MQ==' });
    expect(v3Anonymous.status).toBe(400);
    expect(((await v3Anonymous.json()) as { message: string }).message).toBe('etcdserver: user name is empty');
    // v2's guest has no access (etcd's enable would have given one all keys).
    expect((await fetch(`${d.url}/v2/keys/x`)).status).toBe(401);
  }, 60_000);

  it('lets root log in with the password on both APIs, and no one else', async () => {
    const basic = { Authorization: `Basic ${btoa(`root:${password}`)}` };
    expect((await fetch(`${d.url}/v2/keys/x`, { method: 'PUT', body: new URLSearchParams({ value: 'v2' }), headers: basic })).status).toBe(201);
    expect((await fetch(`${d.url}/v2/auth/users`, { headers: basic })).status).toBe(200);
    expect((await fetch(`${d.url}/v2/keys/x`, { headers: { Authorization: `Basic ${btoa('root:wrong')}` } })).status).toBe(401);
    const login = (await (await v3(d, '/v3/auth/authenticate', { name: 'root', password })).json()) as { token: string };
    expect(typeof login.token).toBe('string');
    expect((await v3(d, '/v3/kv/put', { key: 'eA==', value: 'MQ==' }, login.token)).status).toBe(200);
    const users = (await (await v3(d, '/v3/auth/user/list', {}, login.token)).json()) as { users: string[] };
    expect(users.users).toEqual(['root']);
    const wrong = await v3(d, '/v3/auth/authenticate', { name: 'root', password: 'wrong' });
    expect(((await wrong.json()) as { message: string }).message).toBe('etcdserver: authentication failed, invalid user ID or password');
  }, 60_000);

  it('bootstraps once: a restarted deployment (new isolates) finds it done and keeps serving', async () => {
    await d.mf.dispose();
    d = await runProductionBundle(outdir, { ETCD_ROOT_PASSWORD: password }, persist);
    expect((await fetch(`${d.url}/v2/keys/x`)).status).toBe(401);
    const login = (await (await v3(d, '/v3/auth/authenticate', { name: 'root', password })).json()) as { token: string };
    const users = (await (await v3(d, '/v3/auth/user/list', {}, login.token)).json()) as { users: string[] };
    expect(users.users).toEqual(['root']);
    const v2Users = (await (await fetch(`${d.url}/v2/auth/users`, { headers: { Authorization: `Basic ${btoa(`root:${password}`)}` } })).json()) as { users: { user: string }[] };
    expect(v2Users.users.map((u) => u.user)).toEqual(['root']);
  }, 60_000);
});

describe('the production bundle with EDGECD_ALLOW_UNAUTHENTICATED_ACCESS=true', () => {
  let d: Deployed;
  beforeAll(async () => {
    d = await runProductionBundle(outdir, { EDGECD_ALLOW_UNAUTHENTICATED_ACCESS: 'true' });
  }, 60_000);
  afterAll(async () => d?.mf.dispose());

  it('is open, as etcd is by default', async () => {
    expect((await fetch(`${d.url}/v2/keys/x`, { method: 'PUT', body: new URLSearchParams({ value: '1' }) })).status).toBe(201);
    expect(await (await fetch(`${d.url}/v2/auth/enable`)).json()).toEqual({ enabled: false });
    expect((await v3(d, '/v3/kv/put', { key: 'eA==', value: 'MQ==' })).status).toBe(200);
    const read = (await (await v3(d, '/v3/kv/range', { key: 'eA==' })).json()) as { kvs: { value: string }[] };
    expect(read.kvs[0]!.value).toBe('MQ==');
  }, 60_000);
});

describe('npm start', () => {
  it('stays open on loopback, and says it is unauthenticated', async () => {
    const cluster = await launchCluster();
    try {
      expect(cluster.output()).toContain('authentication is not enabled');
      expect((await fetch(`${cluster.url}/v2/keys/x`, { method: 'PUT', body: new URLSearchParams({ value: '1' }) })).status).toBe(201);
    } finally {
      await cluster.destroy();
    }
  }, 90_000);
});
