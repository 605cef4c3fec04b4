import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { buildProductionBundle, runProductionBundle } from '../helpers/production-bundle.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl } from '../helpers/commands.ts';

/**
 * The production bundle exactly as `wrangler deploy` would upload it, run under Miniflare with
 * the production environment's vars and bindings and nothing else: no PUBLIC_URL, no
 * ADVERTISE_CLIENT_URLS, no fault hooks. Its members must advertise the URL the worker is
 * reached at, so clients that sync their endpoint list from /v2/members keep working.
 */
describe('a deployed cluster (the production bundle under Miniflare)', () => {
  let mf: Miniflare;
  let url: string;
  let outdir: string;

  beforeAll(async () => {
    outdir = buildProductionBundle('edgecd-deployed-');
    // Production's vars, opted out of the fail-closed gate (secure-deploy.test.ts tests the gate):
    // this file is about client URLs, on a cluster clients can reach.
    ({ mf, url } = await runProductionBundle(outdir, { EDGECD_ALLOW_UNAUTHENTICATED_ACCESS: 'true' }));
  }, 120_000);

  afterAll(async () => {
    await mf?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('bundles the console as a text module the worker imports', () => {
    expect(readdirSync(outdir).some((f) => f.endsWith('console.html.txt'))).toBe(true);
  });

  it('refuses to start a member that has no client URL yet, saying how to give it one', async () => {
    const namespace = await mf.getDurableObjectNamespace('MEMBER');
    const response = await namespace.get(namespace.idFromName('node1')).fetch('http://member/v2/keys/x', { headers: { 'X-Edgecd-Member': 'node1' } });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { message: string }).message).toMatch(/set PUBLIC_URL .*or send a request through the worker's public URL/);
  });

  it("advertises the worker's URL as every member's client URL once it is reached there", async () => {
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      const response = await fetch(`${url}/readyz`);
      ready = response.status;
      await response.body?.cancel();
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(200);
    const { members } = (await (await fetch(`${url}/v2/members`)).json()) as { members: { clientURLs: string[] }[] };
    expect(members).toHaveLength(3);
    for (const m of members) expect(m.clientURLs).toEqual([url]);
  }, 30_000);

  it('serves etcdctl with endpoint sync, writes included', async () => {
    const list = await etcdctl(url, 'member', 'list');
    expect(list.stderr).toBe('');
    expect(list.stdout.trim().split('\n').map((l) => l.replace(/^\w+: /, '').replace(/ isLeader=\w+$/, '')).sort()).toEqual(
      ['node1', 'node2', 'node3'].map((n) => `name=${n} peerURLs=http://${n}:2380 clientURLs=${url}`),
    );
    expect(await etcdctl(url, 'set', '/deployed', 'yes')).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await etcdctl(url, 'get', '/deployed')).toMatchObject({ code: 0, stdout: 'yes\n' });
  });

  it("gives python-etcd a machine list it can reach", async () => {
    const { port } = new URL(url);
    const script = [
      'import etcd',
      `c = etcd.Client(host="127.0.0.1", port=${port}, allow_reconnect=True)`,
      'print(",".join(c.machines))',
      'c.write("/py", "ok")',
      'print(c.read("/py").value)',
    ].join('\n');
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    expect(output).toBe(`${url},${url},${url}\nok\n`);
  });

  it('serves the console from the same origin', async () => {
    const page = await fetch(`${url}/ui/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="console"></div>');
  });
});
