import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { AuthCaseGenerator, type AuthCase } from '../auth/v2-auth-generator.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { observe } from '../helpers/oracle.ts';

/**
 * v2 auth under seeded random requests, differentially: users, roles, grants, revokes, the
 * switch, and every guarded route (keys, members, the auth API), with and without credentials,
 * right and wrong passwords, malformed headers and awkward bodies, go to edgecd and to a real
 * etcd 3.4 side by side. Every answer must agree (status, the headers a client acts on, the body
 * byte for byte on the auth API, by value with relative indexes on keys) except where edgecd
 * hardens on purpose, and each such case is named and counted below.
 *
 * etcd checks a password with bcrypt (cost 10, ~70 ms here) on every authenticated request, so
 * the run is bounded by etcd: ~2 000 cases take about a minute and a half.
 */

const STEPS = Number(process.env.FUZZ_STEPS ?? 2_000);
const SEED = Number(process.env.FUZZ_SEED ?? 2027);

/** Headers compared by value. */
const VALUE_HEADERS = ['content-type', 'allow', 'x-content-type-options', 'www-authenticate', 'retry-after'];

interface Seen {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * The deliberate differences (edgecd's hardenings) a case may show, each recognised by what
 * edgecd answered. The generator avoids them (its failed-login budget stays under the throttle),
 * so by default none should be seen. It also never sends what makes etcd itself fail: an empty
 * permission pattern or a user name naming a store directory (its handler panics and drops the
 * connection) and passwords past bcrypt's 72 bytes; those hardenings, like the throttle, are
 * asserted on their own in v2-auth-oracle.test.ts, and the fail-closed faults (a /2 value that
 * does not parse, a hasher that fails) in test/auth/v2-auth-cluster.test.ts.
 */
const HARDENINGS: { name: string; applies: (ours: Seen, theirs: Seen) => boolean }[] = [
  { name: 'failed-login throttle (429)', applies: (ours) => ours.status === 429 },
];

describe('v2 auth under random requests', () => {
  let edgecd: LaunchedCluster;
  let etcd: RealEtcdCluster;

  beforeAll(async () => {
    [edgecd, etcd] = await Promise.all([launchCluster(), startRealEtcd({ members: 1 })]);
  });

  afterAll(async () => {
    await Promise.all([edgecd?.destroy(), etcd?.stop()]);
  });

  it(`answers ${STEPS} seeded cases as etcd does, but for listed hardenings`, async () => {
    const sides = [edgecd.url, etcd.clientURLs[0]!];
    const bases = await Promise.all(
      sides.map(async (url) => {
        const r = await fetch(`${url}/v2/keys/fuzz-base`, { method: 'PUT', body: new URLSearchParams({ value: 'x' }) });
        return Number(r.headers.get('x-etcd-index'));
      }),
    );
    const statsBefore = await Promise.all(sides.map(storeStats));
    const generator = new AuthCaseGenerator(SEED);
    let enabledCases = 0;
    /** etcd's reads that are not v2 auth's (see `membershipReads`), taken off its counters. */
    const etcdOnly = { getsSuccess: 0, getsFail: 0 };
    const differences: string[] = [];
    const hardened = new Map<string, number>();
    const statuses = new Map<string, number>();
    const recent: string[] = [];
    for (let step = 0; step < STEPS && differences.length < 5; step++) {
      const c = generator.next();
      if (generator.authEnabled) enabledCases++;
      const [ours, theirs] = await Promise.all(sides.map((url, i) => see(url, c, bases[i]!)));
      generator.learn(c, theirs!.status);
      if (membershipReads(c, theirs!.status)) {
        etcdOnly.getsSuccess++;
        etcdOnly.getsFail++;
      }
      const label = `${c.method} ${c.path.replace(/\?.*/, '').replace(/\/v2\/(keys|auth\/users|auth\/roles)\/.*/, '/v2/$1/…')} ${theirs!.status}`;
      statuses.set(label, (statuses.get(label) ?? 0) + 1);
      recent.push(`step ${step}: ${describeCase(c)} → ${theirs!.status}`);
      if (recent.length > 25) recent.shift();
      // `FUZZ_STATS_EVERY_STEP=1` finds the first case whose store requests differ.
      if (process.env.FUZZ_STATS_EVERY_STEP) {
        const now = await Promise.all(sides.map(storeStats));
        const d0 = JSON.stringify(delta(now[0]!, statsBefore[0]!));
        const d1 = JSON.stringify(delta(now[1]!, statsBefore[1]!, etcdOnly));
        if (d0 !== d1) {
          differences.push(`stats diverged at step ${step}: ${describeCase(c)} → ${theirs!.status}\n${recent.slice(-5).join('\n')}\n ours ${d0}\n etcd ${d1}\n edgecd said ${JSON.stringify(ours)}\n etcd said ${JSON.stringify(theirs)}`);
          break;
        }
      }
      if (JSON.stringify(ours) === JSON.stringify(theirs)) continue;
      const hardening = HARDENINGS.find((h) => h.applies(ours!, theirs!));
      if (hardening !== undefined) {
        hardened.set(hardening.name, (hardened.get(hardening.name) ?? 0) + 1);
        if (hardened.get(hardening.name)! <= 3) process.stdout.write(`hardening "${hardening.name}" at step ${step}: ${describeCase(c)}\n  edgecd ${JSON.stringify(ours)}\n  etcd   ${JSON.stringify(theirs)}\n`);
        continue;
      }
      const before = differences.length === 0 ? `${recent.slice(0, -1).join('\n')}\n` : '';
      differences.push(`${before}step ${step}: ${describeCase(c)}\n  edgecd ${JSON.stringify(ours)}\n  etcd   ${JSON.stringify(theirs)}`);
    }
    const summary = [...statuses].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`);
    // The state each side ended with, as root sees it: differences a run hid behind 401s show here.
    const finalState = await Promise.all(sides.map((url) => authState(url, generator.rootCredentials)));
    expect(finalState[0]).toEqual(finalState[1]);
    const statsAfter = await Promise.all(sides.map(storeStats));
    process.stdout.write(`v2 auth fuzz: ${STEPS} cases (${enabledCases} with auth on), ${generator.failedLogins} failed logins, hardenings seen: ${JSON.stringify(Object.fromEntries(hardened))}\n${summary.slice(0, 40).join('\n')}\n`);
    expect(differences.join('\n')).toBe('');
    expect(hardened.size).toBe(0);
    // The same store requests in the same order: every read and write v2 auth made (its checks
    // read users and roles through the store) moved the store's counters as etcd's moved.
    expect(delta(statsAfter[0]!, statsBefore[0]!)).toEqual(delta(statsAfter[1]!, statsBefore[1]!, etcdOnly));
    // Not merely equal: the run reached the answers that matter.
    for (const status of [200, 201, 400, 401, 403, 404, 409]) expect([...statuses.keys()].some((k) => k.endsWith(` ${status}`)), `some ${status}`).toBe(true);
  });
});

/** The auth switch, users and roles (as root, if the model knows root's password) and the keys. */
async function authState(url: string, root: Record<string, string>): Promise<string[]> {
  const out: string[] = [];
  for (const path of ['/v2/auth/enable', '/v2/auth/users', '/v2/auth/roles']) {
    const r = await fetch(`${url}${path}`, { headers: root });
    out.push(`${path} ${r.status} ${await r.text()}`);
  }
  return out;
}

async function storeStats(url: string): Promise<Record<string, number>> {
  return (await (await fetch(`${url}/v2/stats/store`)).json()) as Record<string, number>;
}

function delta(after: Record<string, number>, before: Record<string, number>, less: Record<string, number> = {}): Record<string, number> {
  return Object.fromEntries(Object.keys(after).filter((k) => k !== 'watchers').map((k) => [k, after[k]! - (before[k] ?? 0) - (less[k] ?? 0)]));
}

/**
 * Whether etcd's answer to `c` read the store outside v2 auth: a member update that passed the
 * root check reaches etcd's `ValidateConfigurationChange`, whose `membersFromStore`
 * GETs /0/members (found) and /0/removed_members (not found). edgecd's membership checks its
 * own table, so those two reads are etcd's alone: a members matter, not an auth one.
 */
function membershipReads(c: AuthCase, status: number): boolean {
  return c.method === 'PUT' && c.path === '/v2/members/abc' && status === 404;
}

async function see(url: string, c: AuthCase, base: number): Promise<Seen> {
  const init: RequestInit = { method: c.method, headers: c.headers, redirect: 'manual' };
  if (c.body !== undefined) init.body = c.body;
  const response = await fetch(`${url}${c.path}`, init);
  const text = await response.text();
  const headers: Record<string, string> = {};
  for (const h of VALUE_HEADERS) {
    const v = response.headers.get(h);
    if (v !== null) headers[h] = v;
  }
  headers['x-etcd-cluster-id'] = response.headers.has('x-etcd-cluster-id') ? '<present>' : '<absent>';
  if (c.path.startsWith('/v2/keys')) {
    // Keys answers carry indexes: compared relative to each side's base (a dir listed unsorted is a set).
    const seen = await observe(response, base, text, !c.path.includes('sorted=true'));
    return { status: seen.status, headers: { ...headers, ...seen.headers }, body: seen.body };
  }
  if (c.path.startsWith('/v2/members') && response.status < 300) return { status: response.status, headers, body: '<members>' };
  return { status: response.status, headers, body: text };
}

function describeCase(c: AuthCase): string {
  const auth = c.headers['Authorization'];
  const who = auth === undefined ? '' : auth.startsWith('Basic ') ? ` as ${safeDecode(auth.slice(6))}` : ` with ${auth}`;
  return `${c.method} ${c.path}${c.body === undefined ? '' : ` ${c.body}`}${who}`;
}

function safeDecode(b64: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
  } catch {
    return `<${b64}>`;
  }
}
