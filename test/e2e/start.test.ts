import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/** Small enough to reach with a few writes. */
const QUOTA = 64 * 1024;

describe('edgecd start', () => {
  let cluster: LaunchedCluster | undefined;
  afterAll(async () => cluster?.destroy());

  it('serves /version as etcd 3.4 does', async () => {
    cluster = await launchCluster({ args: ['--quota-v2-bytes', String(QUOTA)] });
    const response = await fetch(`${cluster.url}/version`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      etcdserver: expect.stringMatching(/^3\.4\.\d+$/),
      etcdcluster: '3.4.0',
    });
  });

  it('answers /health', async () => {
    const response = await fetch(`${cluster!.url}/health`);
    expect(await response.json()).toMatchObject({ health: 'true' });
  });

  it('refuses a write past --quota-v2-bytes with an etcd error, and takes writes again once a delete frees space', async () => {
    const put = (key: string): Promise<Response> =>
      fetch(`${cluster!.url}/v2/keys/quota/${key}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `value=${'v'.repeat(8 * 1024)}`,
      });
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 20 && refused === undefined; i++) {
      const response = await put(`k${i}`);
      if (response.status === 500) refused = response;
      else statuses.push(response.status);
    }
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([201]));
    expect(refused?.headers.get('Content-Type')).toBe('application/json');
    expect(await refused?.json()).toEqual({ errorCode: 300, message: 'Raft Internal Error', cause: 'etcdserver: no space', index: 0 });
    // Nothing was written: the key is not there. The member serves on, and a delete is taken.
    expect((await fetch(`${cluster!.url}/v2/keys/quota/k${statuses.length}`)).status).toBe(404);
    expect((await fetch(`${cluster!.url}/v2/keys/quota/k0`, { method: 'DELETE' })).status).toBe(200);
    expect((await put('again')).status).toBe(201);
  });

  it('stops cleanly on Ctrl-C, leaving no workerd behind', async () => {
    const pid = cluster!.process.pid!;
    const workerds = (): string[] =>
      execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const children = workerds().map((line) => Number(line.trim()));
    expect(await cluster!.stop()).toBe(0);
    expect(isAlive(pid)).toBe(false);
    for (const child of children) expect(isAlive(child)).toBe(false);
    expect(cluster!.output()).toContain('edgecd stopped');
  });
});
