import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { observe, send, type ScriptRequest } from '../helpers/oracle.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

/**
 * The keys API under random requests, differentially: a seeded sequence of requests over a small
 * key space, with every parameter etcd reads (and some it must refuse), goes to edgecd and to a
 * real etcd 3.4; every answer must agree once indexes are relative to each side's base.
 * The scripted oracle covers what the seed document shows; this covers the combinations nobody
 * wrote down. Watches are left to the scripted oracle: they block.
 */

// Fixed for CI; `FUZZ_SEED=n FUZZ_STEPS=n` explore further.
const STEPS = Number(process.env.FUZZ_STEPS ?? 600);
const SEED = Number(process.env.FUZZ_SEED ?? 2026);

const KEYS = ['/a', '/a/b', '/a/b/c', '/a/_h', '/d', '/d/x', '/_h', '/q', '/e%20f', '/%C3%BC', '/a//b/', '/', '', '/a%2Fb', '/.', '/%zz', '/x%00y', '/a/./b'];
const VALUES = ['v', '', 'w w', 'ü', '0'];
// No TTL that expires within the run: when an expiry lands differs between two clusters (so
// none of the TTLs that wrap in Go's arithmetic either: the scripted oracle has those).
const TTLS = ['', '100', '-1', 'x', '0.5', '18446744073709551616'];
const BOOLS = ['true', 'false', 'True', '1', 'yes'];

type Pick = <T>(items: readonly T[]) => T;

/** One request; `prevIndex` is drawn relative to the side's base, so both sides get the same condition. */
function randomRequest(pick: Pick, chance: (p: number) => boolean): (base: number) => ScriptRequest {
  const method = pick(['GET', 'GET', 'PUT', 'PUT', 'PUT', 'POST', 'DELETE', 'DELETE', 'HEAD'] as const);
  const key = pick(KEYS);
  const params: [string, string | ((base: number) => string)][] = [];
  const maybe = (p: number, name: string, value: string | ((base: number) => string)): void => {
    if (chance(p)) params.push([name, value]);
  };
  if (method === 'PUT' || method === 'POST') {
    maybe(0.85, 'value', pick(VALUES));
    maybe(0.15, 'dir', pick(BOOLS));
    maybe(0.15, 'ttl', pick(TTLS));
    maybe(0.1, 'refresh', pick(BOOLS));
  }
  if (method === 'PUT') maybe(0.25, 'prevExist', pick(BOOLS));
  if (method === 'PUT' || method === 'DELETE') {
    maybe(0.2, 'prevValue', pick(VALUES));
    const offset = pick([0, 1, 2, 5, 10, 20]);
    maybe(0.2, 'prevIndex', pick<string | ((base: number) => string)>(['0', 'x', '-1', (base) => String(base + offset)]));
  }
  if (method === 'DELETE') {
    maybe(0.3, 'dir', pick(BOOLS));
    maybe(0.3, 'recursive', pick(BOOLS));
  }
  if (method === 'GET' || method === 'HEAD') {
    maybe(0.4, 'recursive', pick(BOOLS));
    maybe(0.4, 'sorted', 'true');
    maybe(0.2, 'quorum', pick(BOOLS));
    maybe(0.05, 'waitIndex', pick(['1', 'x', '']));
  }
  // Parameters a method must refuse, and repeated ones (the first wins).
  // (Not a true `wait` on a GET: that is a watch, and blocks.)
  maybe(0.03, 'wait', method === 'GET' || method === 'HEAD' ? pick(['false', 'x']) : pick(['true', 'false', 'x']));
  maybe(0.05, 'noValueOnSuccess', pick(BOOLS));
  maybe(0.05, 'stream', pick(BOOLS));
  maybe(0.05, 'value', pick(VALUES));
  maybe(0.03, 'prevValue', '');
  // Writes carry their fields in the form or the query, as clients do either.
  const inForm = (method === 'PUT' || method === 'POST') && chance(0.7);
  return (base) => {
    const pairs = params.map(([name, value]) => [name, typeof value === 'string' ? value : value(base)] as const);
    const query = inForm ? '' : pairs.map(([n, v]) => `${n}=${encodeURIComponent(v)}`).join('&');
    const path = `/v2/keys${key}${query === '' ? '' : `?${query}`}`;
    if (!inForm) return { method, path };
    const form: Record<string, string> = {};
    for (const [n, v] of pairs) form[n] = v;
    return { method, path, form };
  };
}

describe('the keys API under random requests', () => {
  let edgecd: LaunchedCluster;
  let etcd: RealEtcdCluster;

  beforeAll(async () => {
    [edgecd, etcd] = await Promise.all([launchCluster(), startRealEtcd({ members: 3 })]);
  });

  afterAll(async () => {
    await Promise.all([edgecd?.destroy(), etcd?.stop()]);
  });

  it(`answers ${STEPS} seeded random requests as etcd does`, async () => {
    const sides = [edgecd.url, etcd.clientURLs[0]!];
    // Each side's base: the index its next write takes.
    const bases = await Promise.all(
      sides.map(async (url) => {
        const r = await fetch(`${url}/v2/keys/fuzz-base`, { method: 'PUT', body: new URLSearchParams({ value: 'x' }) });
        return Number(r.headers.get('x-etcd-index')) + 1;
      }),
    );
    const random = seededRandom(SEED);
    const pick: Pick = (items) => items[Math.floor(random() * items.length)]!;
    const chance = (p: number): boolean => random() < p;
    const differences: string[] = [];
    const recent: string[] = [];
    for (let step = 0; step < STEPS && differences.length < 5; step++) {
      const build = randomRequest(pick, chance);
      const [ours, theirs] = await Promise.all(
        sides.map(async (url, i) => {
          const request = build(bases[i]!);
          // Without `sorted`, etcd lists a dir in Go's map order, which is random: compare as sets.
          const unordered = !request.path.includes('sorted=true');
          return { request, seen: await observe(await send(url, request), bases[i]!, undefined, unordered) };
        }),
      );
      recent.push(`step ${step}: ${JSON.stringify(theirs!.request)} → ${theirs!.seen.status}`);
      if (recent.length > 20) recent.shift();
      if (JSON.stringify(ours!.seen) !== JSON.stringify(theirs!.seen)) {
        const before = differences.length === 0 ? `${recent.slice(0, -1).join('\n')}\n` : '';
        differences.push(
          `${before}step ${step}: ${JSON.stringify(theirs!.request)}\n  edgecd ${JSON.stringify(ours!.seen)}\n  etcd   ${JSON.stringify(theirs!.seen)}`,
        );
      }
    }
    expect(differences.join('\n')).toBe('');
  });
});
