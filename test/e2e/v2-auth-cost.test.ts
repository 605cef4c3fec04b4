import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * What v2 auth costs a request on the platform itself: the CPU time of the local cluster's
 * processes (workerd runs the front door and the members) across a run of sequential GETs,
 * from /proc, divided by the requests. The same run without credentials (the guest role's
 * check: no password) is the baseline; the difference is what a password check costs once the
 * credential is cached. First logins (each user's first request: one PBKDF2 run of 100 000
 * iterations) are measured apart. Means, not percentiles: /proc counts in 10 ms ticks, so a
 * request is too short to time alone (test/auth/v2-auth-cost.test.ts has the distribution in Node).
 */

const REQUESTS = Number(process.env.AUTH_COST_REQUESTS ?? 3_000);
const FIRST_LOGINS = 20;
const TICKS_PER_SECOND = 100;

/** CPU seconds used so far by every process in the launcher's process group. */
function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(0) ppid(1) pgrp(2) ... utime(11) stime(12).
    if (Number(fields[2]) !== pgid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

describe('v2 auth CPU on the local platform', () => {
  let edgecd: LaunchedCluster;

  beforeAll(async () => {
    edgecd = await launchCluster();
  });

  afterAll(async () => {
    await edgecd?.destroy();
  });

  it('a cached credential adds well under 1 ms of CPU to a request', { timeout: 300_000 }, async () => {
    const url = edgecd.url;
    const pgid = edgecd.process.pid!;
    const root = { Authorization: `Basic ${btoa('root:rootpw')}` };
    const put = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> => fetch(`${url}${path}`, { method: 'PUT', headers, body: JSON.stringify(body) });
    await fetch(`${url}/v2/keys/app/x`, { method: 'PUT', body: new URLSearchParams({ value: '1' }) });
    const run = async (n: number, headers: (i: number) => Record<string, string>): Promise<number> => {
      const before = groupCpuSeconds(pgid);
      for (let i = 0; i < n; i++) {
        const r = await fetch(`${url}/v2/keys/app/x`, { headers: headers(i) });
        if (r.status !== 200) throw new Error(`GET: ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      }
      return ((groupCpuSeconds(pgid) - before) / n) * 1000;
    };

    const off = await run(REQUESTS, () => ({}));
    await (await put('/v2/auth/users/root', { user: 'root', password: 'rootpw' })).text();
    await (await put('/v2/auth/roles/app', { role: 'app', permissions: { kv: { read: ['/app*'], write: [] } } })).text();
    for (let i = 0; i < FIRST_LOGINS; i++) await (await put(`/v2/auth/users/u${i}`, { user: `u${i}`, password: `pw${i}`, roles: ['app'] })).text();
    expect((await fetch(`${url}/v2/auth/enable`, { method: 'PUT' })).status).toBe(200);

    const guest = await run(REQUESTS, () => ({}));
    const first = await run(FIRST_LOGINS, (i) => ({ Authorization: `Basic ${btoa(`u${i}:pw${i}`)}` }));
    const cached = await run(REQUESTS, (i) => ({ Authorization: `Basic ${btoa(`u${i % FIRST_LOGINS}:pw${i % FIRST_LOGINS}`)}` }));
    const asRoot = await run(REQUESTS, () => root);
    process.stdout.write(
      `CPU per GET on the local cluster (mean of ${REQUESTS}; launcher + workerd):\n` +
        `  auth off:                      ${off.toFixed(3)} ms\n` +
        `  auth on, guest (no password):  ${guest.toFixed(3)} ms\n` +
        `  authenticated, cached:         ${cached.toFixed(3)} ms  (+${(cached - guest).toFixed(3)} ms over the guest)\n` +
        `  as root, cached:               ${asRoot.toFixed(3)} ms\n` +
        `  first login (PBKDF2 100k):     ${first.toFixed(3)} ms  (mean of ${FIRST_LOGINS})\n`,
    );
    expect(cached - guest).toBeLessThan(1);
    expect(first - cached).toBeGreaterThan(5);
  });
});
