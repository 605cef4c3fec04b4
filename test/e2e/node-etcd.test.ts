import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * node-etcd 7.0.0, unchanged (CommonJS, callbacks), against edgecd's front door; every case runs
 * against real etcd 3.4 too, so what is asserted is etcd's behaviour as this client sees it.
 */

interface EtcdNode {
  key: string;
  value?: string;
  dir?: boolean;
  ttl?: number;
  expiration?: string;
  modifiedIndex: number;
  createdIndex: number;
}
interface EtcdResult {
  action: string;
  node: EtcdNode;
  prevNode?: EtcdNode;
}
interface EtcdError extends Error {
  errorCode?: number;
  error?: { errorCode: number; message: string; cause: string; index: number };
}
type Callback = (err: EtcdError | null, res: EtcdResult, headers: Record<string, string>) => void;
interface Watcher {
  on(event: string, listener: (value: EtcdResult & EtcdError) => void): Watcher;
  stop(): void;
}
interface NodeEtcd {
  set(key: string, value: string | null, options: Record<string, unknown>, cb: Callback): void;
  get(key: string, options: Record<string, unknown>, cb: Callback): void;
  del(key: string, options: Record<string, unknown>, cb: Callback): void;
  mkdir(key: string, options: Record<string, unknown>, cb: Callback): void;
  rmdir(key: string, options: Record<string, unknown>, cb: Callback): void;
  create(dir: string, value: string, options: Record<string, unknown>, cb: Callback): void;
  compareAndSwap(key: string, value: string, oldValue: string, options: Record<string, unknown>, cb: Callback): void;
  compareAndDelete(key: string, oldValue: string, options: Record<string, unknown>, cb: Callback): void;
  watcher(key: string, index: number | null, options: Record<string, unknown>): Watcher;
  selfStats(cb: Callback): void;
  version(cb: Callback): void;
}

const require = createRequire(import.meta.url);
const Etcd = require('node-etcd') as new (hosts: string | string[]) => NodeEtcd;

/** A node-etcd call as a promise of [error, result]. */
function call(fn: (cb: Callback) => void): Promise<{ err: EtcdError | null; res: EtcdResult; headers: Record<string, string> }> {
  return new Promise((resolvePromise) => fn((err, res, headers) => resolvePromise({ err, res, headers })));
}

/** Collects a watcher's events until `count` arrived (or a timeout), then stops it. */
function collect(watcher: Watcher, events: string[], count: number, timeoutMs = 15_000): Promise<{ event: string; value: EtcdResult & EtcdError }[]> {
  return new Promise((resolvePromise) => {
    const seen: { event: string; value: EtcdResult & EtcdError }[] = [];
    const done = (): void => {
      clearTimeout(timer);
      watcher.stop();
      resolvePromise(seen);
    };
    const timer = setTimeout(done, timeoutMs);
    for (const event of events) {
      watcher.on(event, (value) => {
        seen.push({ event, value });
        if (seen.length >= count) done();
      });
    }
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const targets: { name: string; url: () => string }[] = [];
let edgecd: LaunchedCluster;
let etcd: RealEtcdCluster;
targets.push({ name: 'edgecd', url: () => edgecd.url }, { name: 'real etcd 3.4', url: () => etcd.clientURLs[0]! });

beforeAll(async () => {
  [edgecd, etcd] = await Promise.all([launchCluster(), startRealEtcd({ members: 3 })]);
});

afterAll(async () => {
  await Promise.all([edgecd?.destroy(), etcd?.stop()]);
});

for (const target of targets) {
  describe(`node-etcd 7.0.0 against ${target.name}`, () => {
    let client: NodeEtcd;
    beforeAll(() => {
      client = new Etcd(target.url());
    });

    it('sets, gets and deletes', async () => {
      const set = await call((cb) => client.set('/n/a', '1', {}, cb));
      expect(set.err).toBeNull();
      expect(set.res).toMatchObject({ action: 'set', node: { key: '/n/a', value: '1' } });
      expect(set.headers['x-etcd-index']).toBe(String(set.res.node.modifiedIndex));
      const got = await call((cb) => client.get('/n/a', {}, cb));
      expect(got.res).toMatchObject({ action: 'get', node: { key: '/n/a', value: '1' } });
      const del = await call((cb) => client.del('/n/a', {}, cb));
      expect(del.res).toMatchObject({ action: 'delete', node: { key: '/n/a' }, prevNode: { value: '1' } });
      const missing = await call((cb) => client.get('/n/a', {}, cb));
      expect(missing.err?.errorCode).toBe(100);
      expect(missing.err?.error).toMatchObject({ errorCode: 100, message: 'Key not found', cause: '/n/a' });
    });

    it('makes and removes directories', async () => {
      const made = await call((cb) => client.mkdir('/n/d', {}, cb));
      expect(made.res).toMatchObject({ action: 'set', node: { key: '/n/d', dir: true } });
      const again = await call((cb) => client.mkdir('/n/d', { prevExist: false }, cb));
      expect(again.err?.errorCode).toBe(105);
      await call((cb) => client.set('/n/d/x', 'x', {}, cb));
      const notEmpty = await call((cb) => client.rmdir('/n/d', {}, cb));
      expect(notEmpty.err?.errorCode).toBe(108);
      const removed = await call((cb) => client.rmdir('/n/d', { recursive: true }, cb));
      expect(removed.res).toMatchObject({ action: 'delete', node: { key: '/n/d', dir: true } });
      const listing = await call((cb) => client.get('/n', { recursive: true }, cb));
      expect(listing.res.node.dir).toBe(true);
    });

    it('creates in-order keys', async () => {
      const first = await call((cb) => client.create('/n/q', 'job1', {}, cb));
      const second = await call((cb) => client.create('/n/q', 'job2', {}, cb));
      expect(first.res).toMatchObject({ action: 'create', node: { value: 'job1' } });
      expect(first.res.node.key).toMatch(/^\/n\/q\/\d{20}$/);
      expect(second.res.node.key > first.res.node.key).toBe(true);
      const sorted = await call((cb) => client.get('/n/q', { sorted: true }, cb));
      expect((sorted.res.node as EtcdNode & { nodes: EtcdNode[] }).nodes.map((n) => n.value)).toEqual(['job1', 'job2']);
    });

    it('compares and swaps, compares and deletes', async () => {
      await call((cb) => client.set('/n/c', 'one', {}, cb));
      const swapped = await call((cb) => client.compareAndSwap('/n/c', 'two', 'one', {}, cb));
      expect(swapped.res).toMatchObject({ action: 'compareAndSwap', node: { value: 'two' }, prevNode: { value: 'one' } });
      const refused = await call((cb) => client.compareAndSwap('/n/c', 'three', 'one', {}, cb));
      expect(refused.err?.error).toMatchObject({ errorCode: 101, message: 'Compare failed', cause: '[one != two]' });
      const notDeleted = await call((cb) => client.compareAndDelete('/n/c', 'one', {}, cb));
      expect(notDeleted.err?.errorCode).toBe(101);
      const deleted = await call((cb) => client.compareAndDelete('/n/c', 'two', {}, cb));
      expect(deleted.res).toMatchObject({ action: 'compareAndDelete', prevNode: { value: 'two' } });
    });

    it('sets a TTL, refreshes it, and lets a key expire', async () => {
      const set = await call((cb) => client.set('/n/t', 'v', { ttl: 5 }, cb));
      expect(set.res.node.ttl).toBeGreaterThan(0);
      expect(set.res.node.expiration).toMatch(/^\d{4}-\d\d-\d\dT/);
      const refreshed = await call((cb) => client.set('/n/t', null, { ttl: 100, refresh: true, prevExist: true }, cb));
      expect(refreshed.res).toMatchObject({ action: 'update', node: { value: 'v' } });
      expect(refreshed.res.node.ttl).toBeGreaterThan(90);
      await call((cb) => client.set('/n/short', 'v', { ttl: 1 }, cb));
      await sleep(2_500);
      const gone = await call((cb) => client.get('/n/short', {}, cb));
      expect(gone.err?.errorCode).toBe(100);
    });

    it("emits every action from watcher(), expire included", async () => {
      const w = client.watcher('/n/w', null, { recursive: true });
      const events = collect(w, ['set', 'update', 'create', 'compareAndSwap', 'compareAndDelete', 'delete', 'expire'], 9);
      await sleep(300);
      await call((cb) => client.set('/n/w/a', '1', {}, cb));
      await call((cb) => client.set('/n/w/a', '2', { prevExist: true }, cb));
      await call((cb) => client.create('/n/w/q', 'job', {}, cb));
      await call((cb) => client.compareAndSwap('/n/w/a', '3', '2', {}, cb));
      await call((cb) => client.compareAndDelete('/n/w/a', '3', {}, cb));
      await call((cb) => client.set('/n/w/b', 'x', {}, cb));
      await call((cb) => client.del('/n/w/b', {}, cb));
      await call((cb) => client.set('/n/w/e', 'x', { ttl: 1 }, cb));
      const seen = await events;
      expect(seen.map((e) => e.event)).toEqual(['set', 'update', 'create', 'compareAndSwap', 'compareAndDelete', 'set', 'delete', 'set', 'expire']);
      const expire = seen.find((e) => e.event === 'expire')!.value;
      expect(expire).toMatchObject({ action: 'expire', node: { key: '/n/w/e' }, prevNode: { value: 'x' } });
    });

    it('resyncs a watcher whose index fell out of the 1000-event history (401), then resumes', async () => {
      const start = await call((cb) => client.set('/n/r/start', 's', {}, cb));
      // More than 1000 events after `start`: its index is no longer in the history.
      for (let batch = 0; batch < 21; batch++) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => call((cb) => client.set(`/n/fill/${i}`, String(batch), {}, cb))));
      }
      const w = client.watcher('/n/r', start.res.node.modifiedIndex, { recursive: true });
      const events = collect(w, ['resync', 'set'], 2);
      await sleep(500);
      await call((cb) => client.set('/n/r/after', 'resumed', {}, cb));
      const seen = await events;
      expect(seen.map((e) => e.event)).toEqual(['resync', 'set']);
      expect(seen[0]!.value.errorCode).toBe(401);
      expect(seen[0]!.value.error).toMatchObject({ errorCode: 401, message: 'The event in requested index is outdated and cleared' });
      expect(seen[1]!.value).toMatchObject({ action: 'set', node: { key: '/n/r/after', value: 'resumed' } });
    });

    it('reads the stats and the version', async () => {
      const stats = await call((cb) => client.selfStats(cb));
      expect(stats.err).toBeNull();
      expect(Object.keys(stats.res)).toEqual(expect.arrayContaining(['name', 'id', 'state', 'startTime', 'leaderInfo']));
      const version = await call((cb) => client.version(cb));
      expect(version.res).toEqual({ etcdserver: '3.4.23', etcdcluster: '3.4.0' });
    });
  });
}
