import { describe, expect, it } from 'vitest';
import { callControl } from '../../scripts/control.ts';
import { etcdctl } from '../helpers/commands.ts';
import { launchCluster } from '../helpers/launcher.ts';

const LAUNCHES = Number(process.env.READY_LAUNCHES ?? 10);

describe('readiness (etcd ReadyNotify)', () => {
  it(`lets etcdctl sync endpoints the moment npm start prints its banner, ${LAUNCHES} launches in a row`, async () => {
    for (let launch = 1; launch <= LAUNCHES; launch++) {
      const cluster = await launchCluster();
      try {
        // Right after the banner: etcdctl syncs the endpoint list (its default) before each command.
        const list = await etcdctl(cluster.url, 'member', 'list');
        expect(list.stderr, `launch ${launch}`).toBe('');
        expect(list.code, `launch ${launch}`).toBe(0);
        const lines = list.stdout.trim().split('\n');
        expect(lines, `launch ${launch}`).toHaveLength(3);
        for (const line of lines) expect(line, `launch ${launch}`).toMatch(/clientURLs=http:\/\/127\.0\.0\.1:\d+ /);
        const set = await etcdctl(cluster.url, 'set', `/ready/${launch}`, 'yes');
        expect(set, `launch ${launch}`).toMatchObject({ code: 0, stdout: 'yes\n', stderr: '' });
      } finally {
        await cluster.destroy();
      }
    }
  }, 60_000 + LAUNCHES * 30_000);

  it('holds a request to a member that has not published yet until it has, instead of refusing it', async () => {
    const cluster = await launchCluster();
    try {
      const ownURL = cluster.memberURLs[0]!;
      const held = async () => Number(/edgecd_client_requests_held_total\{member="node1"\} (\d+)/.exec(await (await fetch(`${ownURL}/metrics`)).text())?.[1]);
      // A reset restarts node1 from its storage: it serves again only after it has published again.
      await callControl(cluster.dataDir, 'POST', '/members/node1/abort');
      const started = Date.now();
      const response = await fetch(`${ownURL}/v2/keys/held?quorum=true`);
      console.info(`a request to a restarted member was answered after ${Date.now() - started} ms`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { errorCode: number }).errorCode).toBe(100);
      // The reset object counts afresh: the request above was held.
      expect(await held()).toBeGreaterThanOrEqual(1);
      const readyz = await fetch(`${ownURL}/readyz?verbose`);
      expect(await readyz.text()).toContain('[+]published ok');
    } finally {
      await cluster.destroy();
    }
  });
});
