import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseText } from '../../src/metrics/index.ts';

const front = (path: string, init?: RequestInit): Promise<Response> => exports.default.fetch(`http://edgecd.example${path}`, init);

/** Waits until the front door's /readyz says ok (the members elected a leader and published). */
async function untilReady(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const response = await front('/readyz');
    if (response.status === 200) return;
    await response.body?.cancel();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the cluster did not become ready');
}

describe('the front door, observed', () => {
  it("advertises the origin it was reached at as every member's client URL, with no var naming it", async () => {
    await untilReady();
    const { members } = (await (await front('/v2/members')).json()) as { members: { name: string; clientURLs: string[] }[] };
    expect(members.map((m) => m.name).sort()).toEqual(['node1', 'node2', 'node3']);
    for (const m of members) expect(m.clientURLs).toEqual(['http://edgecd.example']);
    expect(await (await front('/v2/machines')).text()).toBe('http://edgecd.example, http://edgecd.example, http://edgecd.example');
  }, 30_000);

  it("gathers every member's metrics into one exposition, one series per member", async () => {
    await untilReady();
    const response = await front('/metrics');
    expect(response.headers.get('Content-Type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text.match(/^# TYPE etcd_server_has_leader gauge$/gm)).toHaveLength(1);
    const samples = parseText(text);
    const byMember = (name: string) => samples.filter((s) => s.name === name).map((s) => [s.labels.member, s.value]);
    expect(byMember('edgecd_member_up')).toEqual([['node1', 1], ['node2', 1], ['node3', 1]]);
    expect(byMember('etcd_server_has_leader')).toEqual([['node1', 1], ['node2', 1], ['node3', 1]]);
    expect(samples.filter((s) => s.name === 'etcd_server_is_leader' && s.value === 1)).toHaveLength(1);
    expect(samples.find((s) => s.name === 'etcd_server_version')?.labels.server_version).toBe('3.4.23');
  }, 30_000);

  it("answers /readyz and /livez as the leader does, and a member's own /metrics through its stub", async () => {
    await untilReady();
    expect(await (await front('/readyz?verbose')).text()).toContain('[+]linearizable_read ok\n');
    expect(await (await front('/livez')).text()).toBe('ok\n');
    const own = await env.MEMBER.get(env.MEMBER.idFromName('node2')).fetch('http://member/metrics', { headers: { 'X-Edgecd-Member': 'node2' } });
    expect(parseText(await own.text()).every((s) => s.labels.member === 'node2')).toBe(true);
  }, 30_000);

  it('serves the console at /ui/, self-contained, and redirects /ui to it', async () => {
    const page = await front('/ui/');
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<div id="console"></div>');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    const bare = await front('/ui', { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('Location')).toBe('/ui/');
  });
});
