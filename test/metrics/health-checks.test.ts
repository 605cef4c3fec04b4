import { describe, expect, it } from 'vitest';
import { handleClientRequest } from '../../src/http/index.ts';
import { WebCryptoPasswordHasher } from '../../src/member/password-hash.ts';
import { ServerCluster } from '../helpers/server-cluster.ts';

const passwords = new WebCryptoPasswordHasher(1_000);

const settled = () => new Promise((resolve) => setImmediate(resolve));

async function ask(cluster: ServerCluster, name: string, path: string, method = 'GET'): Promise<{ status: number; body: string; headers: Headers }> {
  const server = cluster.member(name).server;
  const response = await cluster.drive(handleClientRequest(new Request(`http://member${path}`, { method }), { server, clusterId: cluster.clusterId, now: () => cluster.nowMs, passwords }), 200);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function ready(cluster: ServerCluster): Promise<string> {
  const leader = cluster.elect();
  await settled();
  return leader.name;
}

describe("/livez and /readyz as etcd 3.6 answers them", () => {
  it('answer ok, listing the checks only with ?verbose', async () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = await ready(cluster);
    const plain = await ask(cluster, leader, '/readyz');
    expect(plain).toMatchObject({ status: 200, body: 'ok\n' });
    expect(plain.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(plain.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect((await ask(cluster, leader, '/readyz?verbose')).body).toBe(
      '[+]published ok\n[+]leader ok\n[+]no_space ok\n[+]serializable_read ok\n[+]linearizable_read ok\nok\n',
    );
    expect((await ask(cluster, leader, '/livez?verbose')).body).toBe('[+]serializable_read ok\nok\n');
  });

  it('fail with every check listed on a member cut off from its peers, while it stays live', async () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = await ready(cluster);
    const lonely = [...cluster.members.keys()].find((n) => n !== leader)!;
    for (const other of cluster.members.keys()) if (other !== lonely) cluster.partition(lonely, other);
    cluster.tick(40);
    const answer = await ask(cluster, lonely, '/readyz');
    expect(answer.status).toBe(503);
    expect(answer.body).toMatch(/^\[\+\]published ok\n\[-\]leader failed: etcdserver: no leader\n\[\+\]no_space ok\n\[\+\]serializable_read ok\n\[-\]linearizable_read failed: .+\n\n$/);
    expect(await ask(cluster, lonely, '/livez')).toMatchObject({ status: 200, body: 'ok\n' });
    // Excluding the failing checks (and one that does not exist) makes it pass.
    expect((await ask(cluster, lonely, '/readyz?exclude=leader&exclude=linearizable_read&exclude=nonexistent')).status).toBe(200);
  });

  it('runs one check on its own path, and knows no other', async () => {
    const cluster = new ServerCluster(['n1']);
    const leader = await ready(cluster);
    expect(await ask(cluster, leader, '/readyz/leader?verbose')).toMatchObject({ status: 200, body: '[+]leader ok\nok\n' });
    expect((await ask(cluster, leader, '/readyz/nothing')).status).toBe(404);
    expect((await ask(cluster, leader, '/readyz/')).status).toBe(404);
  });

  it('is not ready before this member has published, nor while a NOSPACE alarm is on', async () => {
    const cluster = new ServerCluster(['n1'], { quotaBytes: 2_000 });
    const unpublished = await ask(cluster, 'n1', '/readyz?exclude=leader&exclude=linearizable_read');
    expect(unpublished.status).toBe(503);
    expect(unpublished.body).toContain('[-]published failed: this member has not published its client URLs through raft yet\n');
    await ready(cluster);
    await expect(cluster.serveV2('n1', { method: 'PUT', path: '/1/big', val: 'x'.repeat(4_000) })).rejects.toThrow(/no space/);
    const full = await ask(cluster, 'n1', '/readyz');
    expect(full.status).toBe(503);
    expect(full.body).toContain('[-]no_space failed: alarm activated: NOSPACE\n');
  });

  it('take GET only', async () => {
    const cluster = new ServerCluster(['n1']);
    const leader = await ready(cluster);
    const answer = await ask(cluster, leader, '/livez', 'POST');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('Allow')).toBe('GET');
  });

  it("count each check's result in etcd_server_healthcheck and etcd_server_healthchecks_total", async () => {
    const cluster = new ServerCluster(['n1']);
    const leader = await ready(cluster);
    await ask(cluster, leader, '/readyz');
    await ask(cluster, leader, '/readyz');
    const metrics = (await ask(cluster, leader, '/metrics')).body;
    expect(metrics).toContain('etcd_server_healthcheck{member="n1",name="leader",type="readyz"} 1\n');
    expect(metrics).toContain('etcd_server_healthchecks_total{member="n1",name="leader",status="success",type="readyz"} 2\n');
  });
});

describe('/metrics on a member', () => {
  it("serves the member's families in the text format, each sample labeled with the member", async () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = await ready(cluster);
    const answer = await ask(cluster, leader, '/metrics');
    expect(answer.headers.get('Content-Type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(answer.body).toContain(`etcd_server_is_leader{member="${leader}"} 1\n`);
    expect(answer.body).toContain('# TYPE etcd_server_proposals_committed_total gauge\n');
  });

  it('counts /health checks as etcd_server_health_success and _failures', async () => {
    const cluster = new ServerCluster(['n1']);
    const leader = await ready(cluster);
    await ask(cluster, leader, '/health');
    expect((await ask(cluster, leader, '/metrics')).body).toContain('etcd_server_health_success{member="n1"} 1\n');
  });
});
