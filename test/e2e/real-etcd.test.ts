import { describe, expect, it } from 'vitest';
import { startRealEtcd } from '../../scripts/real-etcd.ts';
import { isAlive } from '../helpers/launcher.ts';

describe('the real etcd oracle helper', () => {
  it('starts a 3-member etcd 3.4 with the v2 API and stops it leaving no process behind', async () => {
    const oracle = await startRealEtcd({ members: 3 });
    try {
      expect(oracle.clientURLs).toHaveLength(3);
      for (const url of oracle.clientURLs) {
        expect(new URL(url).hostname).toBe('127.0.0.1');
        expect(Number(new URL(url).port)).toBeLessThan(32768);
        const version = (await (await fetch(`${url}/version`)).json()) as { etcdserver: string };
        expect(version.etcdserver).toMatch(/^3\.4\./);
      }
      const put = await fetch(`${oracle.clientURLs[0]}/v2/keys/oracle`, {
        method: 'PUT',
        body: new URLSearchParams({ value: 'up' }),
      });
      expect(put.status).toBe(201);
      const members = (await (await fetch(`${oracle.clientURLs[2]}/v2/members`)).json()) as { members: unknown[] };
      expect(members.members).toHaveLength(3);
      for (const pid of oracle.pids) expect(isAlive(pid)).toBe(true);
    } finally {
      await oracle.stop();
    }
    for (const pid of oracle.pids) expect(isAlive(pid)).toBe(false);
  });
});
