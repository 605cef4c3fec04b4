import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const front = (path: string, init?: RequestInit): Promise<Response> => exports.default.fetch(`http://edgecd${path}`, init);

describe('front door', () => {
  it('answers /version as etcd 3.4 does', async () => {
    const response = await front('/version');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ etcdserver: '3.4.23', etcdcluster: '3.4.0' });
  });

  it("answers unknown routes with etcd's plain-text 404", async () => {
    const response = await front('/nope');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('404 page not found\n');
  });

  it("never forwards a member's internal routes", async () => {
    for (const path of ['/raft', '/admin/status', '/admin/abort', '/admin/start']) {
      for (const method of ['GET', 'POST']) {
        const response = await front(path, { method, body: method === 'POST' ? '[]' : null });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(await response.text()).toBe('404 page not found\n');
      }
    }
    // The members themselves are untouched: nothing was aborted.
    const status = await env.MEMBER.get(env.MEMBER.idFromName('node1')).fetch('http://member/admin/status', {
      headers: { 'X-Edgecd-Member': 'node1' },
    });
    expect(status.status).toBe(200);
  });

  it('writes and reads keys through the leader, with the cluster ID every member reports', async () => {
    const put = await front('/v2/keys/greeting', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'value=hello',
    });
    expect(put.status).toBe(201);
    const body = (await put.json()) as { action: string; node: { key: string; value: string } };
    expect(body).toMatchObject({ action: 'set', node: { key: '/greeting', value: 'hello' } });
    const get = await front('/v2/keys/greeting');
    expect(((await get.json()) as { node: { value: string } }).node.value).toBe('hello');
    const clusterId = get.headers.get('X-Etcd-Cluster-Id');
    expect(clusterId).toMatch(/^[0-9a-f]+$/);
    for (const name of ['node1', 'node2', 'node3']) {
      const own = await env.MEMBER.get(env.MEMBER.idFromName(name)).fetch('http://member/v2/keys/greeting', {
        headers: { 'X-Edgecd-Member': name },
      });
      expect(own.headers.get('X-Etcd-Cluster-Id')).toBe(clusterId);
    }
  }, 30_000);

  it('is told "not the leader" by a member object that is not running, so a client never sees it', async () => {
    // node9 is no member of the cluster: like a wiped or never-joined member, it runs no server.
    const idle = env.MEMBER.get(env.MEMBER.idFromName('node9'));
    const viaFrontDoor = await idle.fetch('http://member/v2/keys/x', { headers: { 'X-Edgecd-Member': 'node9', 'X-Edgecd-Front-Door': '1' } });
    expect(viaFrontDoor.status).toBe(421);
    expect(viaFrontDoor.headers.get('X-Edgecd-Leader')).toBe('');
    // On its own client URL it says why it is not serving.
    const own = await idle.fetch('http://member/v2/keys/x', { headers: { 'X-Edgecd-Member': 'node9' } });
    expect(own.status).toBe(503);
    expect(await own.json()).toEqual({ message: 'member not started' });
  });
});
