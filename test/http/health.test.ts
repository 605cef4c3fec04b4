import { describe, expect, it } from 'vitest';
import { handleHealth } from '../../src/http/health.ts';
import { ServerCluster } from '../helpers/server-cluster.ts';

const get = (): Request => new Request('http://member/health');

describe('/health as etcd 3.4 answers it', () => {
  it('is healthy when a quorum read goes through: text/plain, no newline', async () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    cluster.elect();
    for (const m of cluster.members.values()) {
      const response = await cluster.drive(handleHealth(get(), m.server));
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
      expect(await response.text()).toBe('{"health":"true"}');
    }
  });

  it('is unhealthy on a member cut off from the others: 503 through http.Error', async () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = cluster.elect();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    for (const other of cluster.members.values()) if (other !== follower) cluster.partition(follower.name, other.name);
    const response = await cluster.drive(handleHealth(get(), follower.server), 200);
    expect(response.status).toBe(503);
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(await response.text()).toBe('{"health":"false"}\n');
  });

  it('takes GET only', async () => {
    const cluster = new ServerCluster(['n1']);
    const response = await handleHealth(new Request('http://member/health', { method: 'HEAD' }), cluster.elect().server);
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET');
  });
});
