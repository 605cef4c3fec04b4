import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * What v3 auth costs a request on the platform itself: the CPU time of the local cluster's
 * processes (the launcher with its gRPC listener, workerd with the front door and the members)
 * across sequential v3 ranges through the JSON gateway, from /proc, divided by the requests. Auth
 * off is the baseline; with a token, the difference is the token lookup and the permission walk.
 * Logins (each a KDF run and an Authenticate entry through the log) are measured apart. Means:
 * /proc counts in 10 ms ticks (test/auth/v3-auth-cost.test.ts has the distribution in Node).
 */

const REQUESTS = Number(process.env.AUTH_COST_REQUESTS ?? 3_000);
const LOGINS = 20;
const TICKS_PER_SECOND = 100;

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
    if (Number(fields[2]) !== pgid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

describe('v3 auth CPU on the local platform', () => {
  let edgecd: LaunchedCluster;

  beforeAll(async () => {
    edgecd = await launchCluster();
  });

  afterAll(async () => {
    await edgecd?.destroy();
  });

  it('a request with a token costs well under 1 ms of CPU more than one with auth off', { timeout: 300_000 }, async () => {
    const url = edgecd.url;
    const pgid = edgecd.process.pid!;
    const post = async (path: string, body: unknown, token?: string): Promise<Record<string, unknown>> => {
      const r = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: token === undefined ? {} : { Authorization: token } });
      const answer = (await r.json()) as Record<string, unknown>;
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    await post('/v3/kv/put', { key: b64('app/x'), value: b64('1') });
    const run = async (n: number, each: (i: number) => Promise<unknown>): Promise<number> => {
      const before = groupCpuSeconds(pgid);
      for (let i = 0; i < n; i++) await each(i);
      return ((groupCpuSeconds(pgid) - before) / n) * 1000;
    };
    const range = (token?: string) => (): Promise<unknown> => post('/v3/kv/range', { key: b64('app/x'), serializable: true }, token);

    const off = await run(REQUESTS, range());
    await post('/v3/auth/user/add', { name: 'root', password: 'rootpw' });
    await post('/v3/auth/user/grant', { user: 'root', role: 'root' });
    await post('/v3/auth/role/add', { name: 'app' });
    await post('/v3/auth/role/grant', { name: 'app', perm: { permType: 'READWRITE', key: b64('app/'), range_end: b64('app0') } });
    for (let i = 0; i < LOGINS; i++) {
      await post('/v3/auth/user/add', { name: `u${i}`, password: `pw${i}` });
      await post('/v3/auth/user/grant', { user: `u${i}`, role: 'app' });
    }
    await post('/v3/auth/enable', {});
    const tokens: string[] = [];
    const logins = await run(LOGINS, async (i) => tokens.push((await post('/v3/auth/authenticate', { name: `u${i}`, password: `pw${i}` })).token as string));
    const withToken = await run(REQUESTS, (i) => range(tokens[i % LOGINS])());
    process.stdout.write(
      `CPU per v3 range on the local cluster (mean of ${REQUESTS}; launcher + workerd):\n` +
        `  auth off:                      ${off.toFixed(3)} ms\n` +
        `  with a token:                  ${withToken.toFixed(3)} ms  (+${(withToken - off).toFixed(3)} ms)\n` +
        `  a login (PBKDF2 100k + entry): ${logins.toFixed(3)} ms  (mean of ${LOGINS})\n`,
    );
    expect(withToken - off).toBeLessThan(1);
    expect(logins - withToken).toBeGreaterThan(5);
  });
});
