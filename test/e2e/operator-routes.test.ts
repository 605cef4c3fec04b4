import { rmSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { buildProductionBundle, runProductionBundle } from '../helpers/production-bundle.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgecd, etcdctl, eventually } from '../helpers/commands.ts';

let outdir: string;
const PASSWORD = 'operator-test-pw';
const ROOT = `root:${PASSWORD}`;

const basic = (credentials: string) => ({ Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });

async function ready(url: string): Promise<void> {
  const status = await eventually(
    async () => {
      const response = await fetch(`${url}/readyz`);
      await response.body?.cancel();
      return response.status;
    },
    (s) => s === 200,
    30_000,
  );
  expect(status).toBe(200);
}

beforeAll(() => {
  outdir = buildProductionBundle('edgecd-operator-');
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('operator routes on a deployed cluster with auth on (ETCD_ROOT_PASSWORD)', () => {
  let d: { url: string; mf: Miniflare };
  const route = (name: string, action: string) => `${d.url}/edgecd/v1/members/${name}/${action}`;

  beforeAll(async () => {
    d = await runProductionBundle(outdir, { ETCD_ROOT_PASSWORD: PASSWORD });
    await ready(d.url);
  }, 60_000);
  afterAll(async () => d?.mf.dispose());

  it('refuses missing and wrong credentials with 401, in the v2 auth error shape', async () => {
    for (const headers of [{}, basic('root:wrong'), { Authorization: 'Bearer x' }]) {
      const response = await fetch(route('node1', 'status'), { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: 'Insufficient credentials' });
    }
    const wipe = await fetch(route('node1', 'wipe'), { method: 'POST', headers: basic('root:wrong') });
    expect(wipe.status).toBe(401);
  });

  it('refuses a user who is not root with 403', async () => {
    const login = (await (await fetch(`${d.url}/v3/auth/authenticate`, { method: 'POST', body: JSON.stringify({ name: 'root', password: PASSWORD }) })).json()) as { token: string };
    const added = await fetch(`${d.url}/v3/auth/user/add`, { method: 'POST', headers: { Authorization: login.token }, body: JSON.stringify({ name: 'alice', password: 'alice-pw' }) });
    expect(added.status).toBe(200);
    const response = await fetch(route('node1', 'status'), { headers: basic('alice:alice-pw') });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toMatch(/root only/);
    const wrong = await fetch(route('node1', 'wipe'), { method: 'POST', headers: basic('alice:nope') });
    expect(wrong.status).toBe(401);
  });

  it("serves root a member's status; names outside the cluster's configuration are 404", async () => {
    const response = await fetch(route('node2', 'status'), { headers: basic(ROOT) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ started: true, removed: false, name: 'node2' });
    for (const path of ['node9/status', 'node2/abort', 'node2/faults', '..%2fraft/status']) {
      const other = await fetch(`${d.url}/edgecd/v1/members/${path}`, { headers: basic(ROOT) });
      expect(other.status).toBe(404);
    }
    expect((await fetch(route('node2', 'status'), { method: 'POST', headers: basic(ROOT) })).status).toBe(405);
    const cli = await edgecd('member', 'status', '--name', 'node2', '--endpoint', d.url, '--username', ROOT);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ started: true, name: 'node2' });
    const refused = await edgecd('member', 'status', '--name', 'node2', '--endpoint', d.url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--username root:PASSWORD');
  });

  it("walks the seed's remove / add / wipe / rejoin through the CLI with --endpoint", async () => {
    const { members } = (await (await fetch(`${d.url}/v2/members`)).json()) as { members: { id: string; name: string }[] };
    const leader = (await (await fetch(`${d.url}/v2/stats/leader`)).json()) as { leader: string };
    const victim = members.find((m) => m.id !== leader.leader)!;
    const name = victim.name;

    // A live voter is not wiped without --force.
    const live = await edgecd('member', 'wipe', '--name', name, '--endpoint', d.url, '--username', ROOT);
    expect(live.code).toBe(1);
    expect(live.stderr).toContain('is a live member of the cluster');

    // etcd refuses a removal until every voter has been connected for 5 s (its HealthInterval:
    // "unhealthy cluster", which etcdctl v2 reports as "has no leader"); a fresh cluster may be younger.
    const removed = await eventually(
      () => etcdctl(d.url, '--username', ROOT, 'member', 'remove', victim.id),
      (r) => r.stdout.includes('Removed member'),
    );
    expect(removed.stdout.trim()).toBe(`Removed member ${victim.id} from cluster`);
    const status = await eventually(
      () => edgecd('member', 'status', '--name', name, '--endpoint', d.url, '--username', ROOT),
      (r) => r.code === 0 && (JSON.parse(r.stdout) as { removed: boolean }).removed,
      15_000,
    );
    expect(JSON.parse(status.stdout)).toMatchObject({ removed: true });

    const added = await etcdctl(d.url, '--username', ROOT, 'member', 'add', name, `http://${name}:2380`);
    expect(added.code).toBe(0);
    const readded = /with ID ([0-9a-f]+)/.exec(added.stdout)![1]!;

    // Its old storage is a removed member's: refused with etcd's words, as the local launcher does.
    const early = await edgecd('member', 'start', '--name', name, '--endpoint', d.url, '--username', ROOT);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('the member has been permanently removed from the cluster');
    expect(early.stderr).toContain(`edgecd member wipe --name ${name} --endpoint ${d.url}`);

    const wipe = await edgecd('member', 'wipe', '--name', name, '--endpoint', d.url, '--username', ROOT);
    expect(wipe.stderr).toBe('');
    expect(wipe.code).toBe(0);
    const start = await edgecd('member', 'start', '--name', name, '--endpoint', d.url, '--username', ROOT);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(`member ${name} (${readded}) started and joined the cluster; client URLs ${d.url}`);

    const now = (await (await fetch(`${d.url}/v2/members`)).json()) as { members: { id: string; name: string; clientURLs: string[] }[] };
    expect(now.members).toHaveLength(3);
    expect(now.members.find((m) => m.id === readded)).toMatchObject({ name, clientURLs: [d.url] });
    const put = await etcdctl(d.url, '--username', ROOT, 'set', '/after-rejoin', 'yes');
    expect(put).toMatchObject({ code: 0, stdout: 'yes\n' });
  }, 60_000);
});

describe('operator routes on a deployed cluster opted out of auth', () => {
  let d: { url: string; mf: Miniflare };

  beforeAll(async () => {
    d = await runProductionBundle(outdir, { EDGECD_ALLOW_UNAUTHENTICATED_ACCESS: 'true' });
    await ready(d.url);
  }, 60_000);
  afterAll(async () => d?.mf.dispose());

  it('are not there (404), with or without credentials', async () => {
    for (const [method, action] of [['GET', 'status'], ['POST', 'wipe'], ['POST', 'join']] as const) {
      for (const headers of [{}, basic(ROOT)]) {
        const response = await fetch(`${d.url}/edgecd/v1/members/node1/${action}`, { method, headers });
        expect(response.status).toBe(404);
        await response.body?.cancel();
      }
    }
    const cli = await edgecd('member', 'wipe', '--name', 'node1', '--endpoint', d.url, '--username', ROOT, '--force');
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('has no operator routes');
    const status = await fetch(`${d.url}/v2/members`);
    expect(((await status.json()) as { members: unknown[] }).members).toHaveLength(3);
  });
});
