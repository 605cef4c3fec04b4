import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

describe('edgecd start', () => {
  let cluster: LaunchedCluster | undefined;
  afterAll(async () => cluster?.destroy());

  it('serves /version as etcd 3.4 does', async () => {
    cluster = await launchCluster();
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
