import type { ScriptRequest } from './oracle.ts';
import { seededRandom } from './seeded-random.ts';

/**
 * Random v2 keys requests over a small key space, with every parameter etcd reads (and some it
 * must refuse), for the differential fuzz tests. `prevIndex` is drawn relative to a side's base
 * index, so both sides get the same condition.
 */

export type Pick = <T>(items: readonly T[]) => T;

/** Seeded choices: `pick` one of some items, `chance(p)` true with probability p. */
export function seededChoices(seed: number): { pick: Pick; chance: (p: number) => boolean } {
  const random = seededRandom(seed);
  return { pick: (items) => items[Math.floor(random() * items.length)]!, chance: (p) => random() < p };
}

export const KEYS = ['/a', '/a/b', '/a/b/c', '/a/_h', '/d', '/d/x', '/_h', '/q', '/e%20f', '/%C3%BC', '/a//b/', '/', '', '/a%2Fb', '/.', '/%zz', '/x%00y', '/a/./b'];
const VALUES = ['v', '', 'w w', 'ü', '0'];
// No TTL that expires within the run: when an expiry lands differs between two clusters (so
// none of the TTLs that wrap in Go's arithmetic either: the scripted oracle has those).
const TTLS = ['', '100', '-1', 'x', '0.5', '18446744073709551616'];
const BOOLS = ['true', 'false', 'True', '1', 'yes'];

/** One request (at `key`, or a random one), to be built against a side's base index. */
export function randomRequest(pick: Pick, chance: (p: number) => boolean, key = pick(KEYS)): (base: number) => ScriptRequest {
  const method = pick(['GET', 'GET', 'PUT', 'PUT', 'PUT', 'POST', 'DELETE', 'DELETE', 'HEAD'] as const);
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
