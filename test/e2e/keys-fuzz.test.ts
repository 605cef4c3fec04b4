import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { observe, readLines, send } from '../helpers/oracle.ts';
import { KEYS, randomRequest, seededChoices } from '../helpers/random-requests.ts';

/**
 * The keys API under random requests, differentially: a seeded sequence of requests over a small
 * key space, with every parameter etcd reads (and some it must refuse), goes to edgecd and to a
 * real etcd 3.4; every answer must agree once indexes are relative to each side's base.
 * The scripted oracle covers what the seed document shows; this covers the combinations nobody
 * wrote down. Then watches: a random watch (key, recursive, stream, waitIndex) is registered on both,
 * a random write follows, and the watch must wake, or not, as etcd's does.
 */

// Fixed for CI; `FUZZ_SEED=n FUZZ_STEPS=n` explore further.
const STEPS = Number(process.env.FUZZ_STEPS ?? 600);
const SEED = Number(process.env.FUZZ_SEED ?? 2026);
const WATCH_STEPS = Number(process.env.FUZZ_WATCH_STEPS ?? 100);
/** How long a watch is given to wake once its write was answered (the event is applied by then). */
const WATCH_WAIT_MS = 400;
const WATCH_KEYS = ['/a', '/a/b', '/a/b/c', '/a/_h', '/d', '/d/x', '/_h', '/q', '/'];

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
    const { pick, chance } = seededChoices(SEED);
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

  it(`wakes ${WATCH_STEPS} random watches as etcd does`, async () => {
    const sides = [edgecd.url, etcd.clientURLs[0]!];
    const bases = await Promise.all(sides.map(async (url) => Number((await fetch(`${url}/v2/keys/`)).headers.get('x-etcd-index')) + 1));
    const { pick, chance } = seededChoices(SEED + 1);
    const differences: string[] = [];
    let woken = 0;
    for (let step = 0; step < WATCH_STEPS && differences.length < 5; step++) {
      const key = pick(WATCH_KEYS);
      const recursive = `${chance(0.5) ? '&recursive=true' : ''}${chance(0.2) ? '&stream=true' : ''}`;
      // Sometimes from an index already passed: served from the event history.
      const back = chance(0.3) ? pick([0, 1, 2, 5, 20]) : undefined;
      // Mostly a write at the watched key or under it, so that watches do wake.
      const near = (): string => (chance(0.6) ? pick([key, `${key === '/' ? '' : key}/x`, `${key === '/' ? '' : key}/_y/z`]) : pick(KEYS));
      let write = randomRequest(pick, chance, near());
      while (write(0).method === 'GET' || write(0).method === 'HEAD') write = randomRequest(pick, chance, near());
      const [ours, theirs] = await Promise.all(
        sides.map(async (url, i) => {
          const base = bases[i]!;
          const now = Number((await fetch(`${url}/v2/keys/`)).headers.get('x-etcd-index'));
          const since = back === undefined ? '' : `&waitIndex=${Math.max(base, now + 1 - back)}`;
          const abort = new AbortController();
          // Headers come once the watcher is registered (etcd flushes them then; so does edgecd).
          const watch = await send(url, { method: 'GET', path: `/v2/keys${key}?wait=true${recursive}${since}` }, abort.signal);
          const written = await observe(await send(url, write(base)), base);
          // The first event, or none in time. Only the first: a stream may have more (etcd sends a
          // deleted key's stream watcher the delete twice, and so does edgecd), and how many
          // arrive in one chunk is timing.
          const first = (await readLines(watch, 1, WATCH_WAIT_MS).catch(() => '')).split('\n')[0]!;
          const body = first === '' ? '<no event>' : `${first}\n`;
          abort.abort();
          const seen = body === '<no event>' ? { status: watch.status, body } : await observe(watch, base, body, true);
          return { request: `${key}?wait=true${recursive}${back === undefined ? '' : `&waitIndex=now+1-${back}`} then ${JSON.stringify(write(base))}`, seen, written };
        }),
      );
      if (theirs!.seen.body !== '<no event>') woken++;
      if (JSON.stringify([ours!.seen, ours!.written]) !== JSON.stringify([theirs!.seen, theirs!.written])) {
        differences.push(`step ${step}: ${theirs!.request}\n  edgecd ${JSON.stringify(ours!.seen)} ${JSON.stringify(ours!.written)}\n  etcd   ${JSON.stringify(theirs!.seen)} ${JSON.stringify(theirs!.written)}`);
      }
    }
    expect(differences.join('\n')).toBe('');
    // Not merely equal: the script both woke watchers and left some asleep.
    expect(woken).toBeGreaterThan(WATCH_STEPS / 10);
    expect(woken).toBeLessThan(WATCH_STEPS);
  });
});
