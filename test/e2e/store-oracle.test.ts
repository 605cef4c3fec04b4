import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { EtcdError, type Event, type NodeExtern, Store, type TTLOptions, type Watcher } from '../../src/store/index.ts';

/**
 * The store against real etcd 3.4: one script of operations runs through `Store` (driven the way
 * etcd's apply_v2.go and v2http drive its store: user keys under `/1`, `/1` trimmed from answers)
 * and through a real single-member etcd over `/v2/keys`. Every answer must match: action, node,
 * prevNode, error body, `X-Etcd-Index`. Both sides start at the same index (the store is brought
 * to etcd's bootstrap index with writes under `/0`), so indexes and causes compare as they are.
 * TTLs compare loosely: `ttl` within ±1, `expiration` present on both sides or neither.
 */

const KEYS = '/1';

type Index = number | 'cur' | `cur-${number}` | 'last';
interface Put {
  put: string;
  value?: string;
  dir?: true;
  ttl?: number | '';
  prevExist?: boolean;
  prevValue?: string;
  prevIndex?: Index;
  refresh?: true;
}
interface Post {
  post: string;
  value?: string;
  dir?: true;
  ttl?: number;
}
interface Del {
  del: string;
  dir?: true;
  recursive?: true;
  prevValue?: string;
  prevIndex?: Index;
}
interface Get {
  get: string;
  recursive?: true;
  sorted?: true;
  quorum?: true;
}
interface Watch {
  watch: string;
  recursive?: true;
  stream?: true;
  waitIndex?: Index;
  /** Writes done while the watch waits; the watch's events are compared after them. */
  then?: (Write | Sleep)[];
}
interface Sleep {
  sleep: number;
}
type Write = Put | Post | Del;
type Step = Write | Get | Watch | Sleep;

interface Outcome {
  status: 'ok' | 'error';
  etcdIndex: number;
  body: unknown;
}

// ---- the script ----

const LONG = 600; // seconds: a TTL that never runs out during the test

function script(): Step[] {
  const s: Step[] = [];
  // reads of what is not there
  s.push({ get: '/' }, { get: '/missing' }, { get: '/missing/deeper/still' }, { get: '/', recursive: true, sorted: true });
  // set, replace, prevNode
  s.push(
    { put: '/foo', value: 'bar' },
    { get: '/foo' },
    { put: '/foo', value: 'baz' },
    { put: '/foo', value: '' },
    { get: '/foo' },
    { put: '/foo', value: 'spaces and ünïcödé ✓' },
    { get: '/foo', quorum: true },
  );
  // key normalisation
  s.push({ put: '/norm//a/./b/', value: 'n' }, { get: '/norm/a/b' }, { get: '/norm/x/../a/b' }, { get: '//norm//a' });
  // implicit dirs, files on the way
  s.push(
    { put: '/a/b/c', value: '1' },
    { get: '/a' },
    { get: '/a', recursive: true },
    { put: '/a/b/c/d', value: 'x' },
    { get: '/a/b/c/d' },
    { post: '/a/b/c', value: 'x' },
    { put: '/a/b', value: 'over a dir' },
    { put: '/a/b', dir: true },
  );
  // create (prevExist=false)
  s.push(
    { put: '/c', value: '1', prevExist: false },
    { put: '/c', value: '2', prevExist: false },
    { put: '/cdir', dir: true, prevExist: false },
    { put: '/cdir', dir: true, prevExist: false },
    { put: '/cdir/sub', dir: true },
    { get: '/cdir' },
    { get: '/c/under-file', recursive: true },
    { put: '/c/under-file', value: 'x', prevExist: false },
  );
  // update (prevExist=true)
  s.push(
    { put: '/c', value: 'updated', prevExist: true },
    { put: '/nope', value: 'x', prevExist: true },
    { put: '/cdir', value: 'x', prevExist: true },
    { put: '/cdir', prevExist: true, ttl: LONG },
    { get: '/cdir' },
    { put: '/cdir', prevExist: true },
    { get: '/cdir' },
  );
  // compareAndSwap
  s.push(
    { put: '/cas', value: 'one' },
    { put: '/cas', value: 'two', prevValue: 'one' },
    { put: '/cas', value: 'three', prevValue: 'one' },
    { put: '/cas', value: 'three', prevIndex: 'last' },
    { put: '/cas', value: 'four', prevIndex: 1 },
    { put: '/cas', value: 'four', prevIndex: 'cur-1' },
    { put: '/cas', value: 'four', prevValue: 'nope', prevIndex: 2 },
    { put: '/cas', value: 'four', prevValue: 'three', prevIndex: 2 },
    { put: '/cas', value: 'four', prevValue: 'nope', prevIndex: 'cur' },
    { put: '/cas', value: 'five', prevValue: 'three', prevIndex: 'cur' },
    { put: '/cas', value: 'six', prevValue: 'five', prevExist: true },
    { put: '/cas', value: 'x', prevValue: 'nope', prevExist: true },
    { put: '/cas-missing', value: 'x', prevValue: 'a' },
    { put: '/cdir', value: 'x', prevValue: 'a' },
    { put: '/cas', value: 'seven', prevIndex: 0, prevValue: 'six' },
  );
  // delete and compareAndDelete
  s.push(
    { put: '/del/f', value: 'v' },
    { put: '/del/g', value: 'w' },
    { put: '/del/empty', dir: true },
    { put: '/del/full/x', value: 'y' },
    { del: '/del/f' },
    { del: '/del/f' },
    { del: '/del/g', dir: true },
    { del: '/del/empty' },
    { del: '/del/empty', dir: true },
    { del: '/del/full', dir: true },
    { del: '/del/full/x/deeper' },
    { del: '/del', recursive: true },
    { get: '/del' },
    { put: '/cad', value: 'v' },
    { del: '/cad', prevValue: 'nope' },
    { del: '/cad', prevIndex: 1 },
    { del: '/cad', prevValue: 'nope', prevIndex: 1 },
    { del: '/cad', prevValue: 'v', prevIndex: 1 },
    { del: '/cad', prevValue: 'v' },
    { put: '/cad', value: 'v' },
    { del: '/cad', prevIndex: 'last' },
    { del: '/cad', prevValue: 'v' },
    { put: '/caddir/x', value: 'v' },
    { del: '/caddir', prevValue: 'v' },
  );
  // the read-only roots
  s.push(
    { put: '/', value: 'x' },
    { put: '/', dir: true },
    { put: '/', value: 'x', prevExist: true },
    { put: '/', value: 'x', prevExist: false },
    { put: '/', value: 'x', prevValue: 'y' },
    { del: '/' },
    { del: '/', recursive: true },
    { del: '/', prevValue: 'x' },
    { post: '/', value: 'queued-at-root' },
  );
  // in-order keys
  s.push(
    { post: '/queue', value: 'job1' },
    { post: '/queue', value: 'job2' },
    { post: '/queue', dir: true },
    { post: '/queue', value: 'ttl-job', ttl: LONG },
    { get: '/queue', sorted: true },
    { get: '/queue', recursive: true, sorted: true },
    { post: '/foo', value: 'under a file' },
  );
  // sorting: UTF-8 byte order, nested
  for (const name of ['b', 'a', 'B', '\u{1F600}', '\uFF21', 'é', 'a0', 'z/1', 'z/0']) s.push({ put: `/sort/${name}`, value: name });
  s.push({ get: '/sort', sorted: true }, { get: '/sort', recursive: true, sorted: true }, { get: '/sort', recursive: true });
  // hidden keys
  s.push(
    { put: '/h/_hidden', value: 'secret' },
    { put: '/h/shown', value: 'v' },
    { put: '/h/_hdir/inner', value: 'deep' },
    { get: '/h', sorted: true },
    { get: '/h', recursive: true, sorted: true },
    { get: '/h/_hidden' },
    { get: '/h/_hdir', recursive: true },
    { put: '/h/_hidden', value: 'changed', prevValue: 'secret' },
    { del: '/h/_hidden' },
  );
  // TTLs that outlive the test: rendering, clearing, refresh
  s.push(
    { put: '/ttl', value: 'v', ttl: LONG },
    { get: '/ttl' },
    { put: '/ttl', value: 'w', prevExist: true, ttl: LONG },
    { put: '/ttl', value: 'w2', prevValue: 'w', ttl: LONG },
    { put: '/ttl', prevExist: true, refresh: true, ttl: LONG + 100 },
    { get: '/ttl' },
    { put: '/ttl', refresh: true, ttl: LONG + 200 },
    { get: '/ttl' },
    { put: '/ttl', prevValue: 'w2', refresh: true, ttl: LONG },
    { put: '/ttl-missing', refresh: true, ttl: LONG },
    { put: '/ttl-missing', prevExist: true, refresh: true, ttl: LONG },
    { put: '/ttl', value: 'permanent', prevExist: true, ttl: '' },
    { get: '/ttl' },
    { put: '/ttl', value: 'again', ttl: LONG },
    { put: '/ttl', value: 'cleared by set' },
    { get: '/ttl' },
    { put: '/ttldir', dir: true, ttl: LONG },
    { put: '/ttldir/child', value: 'c', ttl: LONG },
    { get: '/ttldir', recursive: true },
  );
  // watches: one-shot, recursive, from history, streams
  s.push(
    { watch: '/w', then: [{ put: '/w', value: '1' }] },
    { watch: '/w', then: [{ put: '/other', value: 'x' }, { put: '/w', value: '2', prevValue: '1' }] },
    { watch: '/wdir', recursive: true, then: [{ put: '/wdir/a/b', value: '1' }] },
    { watch: '/wdir', then: [{ put: '/wdir/a/c', value: '1' }, { del: '/wdir', recursive: true }] },
    { put: '/wdir/x/y', value: '1' },
    { watch: '/wdir/x/y', then: [{ del: '/wdir', recursive: true }] },
    { watch: '/w', waitIndex: 'cur-8' },
    { watch: '/', recursive: true, waitIndex: 'cur-3' },
    { watch: '/w', waitIndex: 'cur', then: [{ put: '/w', value: 'later' }] },
    { watch: '/w', waitIndex: 1 },
    { watch: '/hw', recursive: true, then: [{ put: '/hw/_hidden', value: '1' }, { put: '/hw/shown', value: '1' }] },
    { watch: '/hw/_direct', then: [{ put: '/hw/_direct', value: '1' }] },
    { watch: '/hw/_hdir', recursive: true, then: [{ put: '/hw/_hdir/x', value: '1' }] },
    { put: '/rw', value: 'v', ttl: LONG },
    { watch: '/rw', then: [{ put: '/rw', prevExist: true, refresh: true, ttl: LONG }, { put: '/rw', value: 'real' }] },
    { watch: '/s', stream: true, recursive: true, then: [{ put: '/s/a', value: '1' }, { put: '/s/b', value: '2' }, { del: '/s/a' }, { post: '/s', value: 'q' }] },
    { put: '/sf', value: '1' },
    { watch: '/sf', stream: true, then: [{ put: '/sf', value: '2' }, { del: '/sf' }] },
    { put: '/sd/x', value: '1' },
    { watch: '/sd', stream: true, recursive: true, then: [{ del: '/sd', recursive: true }] },
    { watch: '/sf', stream: true, waitIndex: 'cur-2', then: [{ put: '/sf', value: 'after' }] },
  );
  // expiry: ttl=0 and short TTLs, files and dirs, the watchers of what expires
  s.push(
    { put: '/exp/zero', value: 'z', ttl: 0 },
    { sleep: 1500 },
    { get: '/exp/zero' },
    { put: '/exp/short', value: 's', ttl: 1 },
    { put: '/exp/dir', dir: true, ttl: 1 },
    { put: '/exp/dir/child', value: 'c' },
    { put: '/exp/dir/ttlchild', value: 'c', ttl: LONG },
    { watch: '/exp', recursive: true, stream: true, then: [{ sleep: 2600 }] },
    { get: '/exp', recursive: true, sorted: true },
    { get: '/exp/dir/child' },
    { watch: '/exp/dir/child', waitIndex: 'cur-1' },
    { watch: '/exp', recursive: true, waitIndex: 'cur-2' },
    { put: '/exp/d2', dir: true, ttl: 1 },
    { put: '/exp/d2/x', value: 'x' },
    { watch: '/exp/d2/x', then: [{ sleep: 2600 }] },
    { put: '/exp/refresh', value: 'r', ttl: 1 },
    { put: '/exp/refresh', prevExist: true, refresh: true, ttl: LONG },
    { sleep: 1600 },
    { get: '/exp/refresh' },
  );
  // history: past the 1000 kept events
  for (let i = 0; i < 1005; i++) s.push({ put: '/fill', value: String(i) });
  s.push({ watch: '/fill', waitIndex: 'cur-1100' }, { watch: '/fill', waitIndex: 'cur-999' }, { watch: '/fill', waitIndex: 'cur-998' });
  s.push({ get: '/', recursive: true, sorted: true });
  return s;
}

// ---- the two sides ----

function resolveIndex(index: Index, current: number, last: number): number {
  if (typeof index === 'number') return index;
  if (index === 'cur') return current;
  if (index === 'last') return last;
  return current - Number(index.slice(4));
}

class StoreSide {
  readonly store = new Store({ clock: { now: () => Date.now() }, namespaces: ['/0', '/1'] });
  last = 0;

  /** etcd's SYNC, which the real etcd proposes every 500 ms while TTL keys exist. */
  sync(): void {
    this.store.deleteExpiredKeys(Date.now());
  }

  run(step: Get | Write, now: number): Outcome {
    this.sync();
    try {
      const e = this.apply(step, now);
      if (e.action !== 'get') this.last = e.index;
      return { status: 'ok', etcdIndex: e.etcdIndex, body: JSON.parse(JSON.stringify(e.trimPrefix(KEYS))) };
    } catch (error) {
      if (!(error instanceof EtcdError)) throw error;
      const trimmed = error.withCause(error.cause.startsWith(KEYS) ? error.cause.slice(KEYS.length) : error.cause);
      return { status: 'error', etcdIndex: error.index, body: trimmed.toJSON() };
    }
  }

  private apply(step: Get | Write, now: number): Event {
    const s = this.store;
    if ('get' in step) return s.get(KEYS + step.get, step.recursive === true, step.sorted === true);
    const ttl: TTLOptions = {};
    if ('ttl' in step && step.ttl !== undefined && step.ttl !== '') ttl.expireTime = now + step.ttl * 1000;
    if ('refresh' in step && step.refresh === true) ttl.refresh = true;
    if ('post' in step) return s.create(KEYS + step.post, step.dir === true, step.value ?? '', true, ttl);
    const prevIndex = step.prevIndex === undefined ? 0 : resolveIndex(step.prevIndex, s.index(), this.last);
    const prevValue = step.prevValue ?? '';
    if ('del' in step) {
      if (prevIndex > 0 || prevValue !== '') return s.compareAndDelete(KEYS + step.del, prevValue, prevIndex);
      return s.delete(KEYS + step.del, step.dir === true, step.recursive === true);
    }
    const key = KEYS + step.put;
    const value = step.value ?? '';
    if (step.prevExist === true) {
      if (prevIndex === 0 && prevValue === '') return s.update(key, value, ttl);
      return s.compareAndSwap(key, prevValue, prevIndex, value, ttl);
    }
    if (step.prevExist === false) return s.create(key, step.dir === true, value, false, ttl);
    if (prevIndex > 0 || prevValue !== '') return s.compareAndSwap(key, prevValue, prevIndex, value, ttl);
    return s.set(key, step.dir === true, value, ttl);
  }

  watch(step: Watch): { watcher?: Watcher; outcome?: Outcome } {
    this.sync();
    const since = step.waitIndex === undefined ? 0 : resolveIndex(step.waitIndex, this.store.index(), this.last);
    try {
      return { watcher: this.store.watch(KEYS + step.watch, step.recursive === true, step.stream === true, since) };
    } catch (error) {
      if (!(error instanceof EtcdError)) throw error;
      return { outcome: { status: 'error', etcdIndex: error.index, body: error.toJSON() } };
    }
  }
}

class EtcdSide {
  last = 0;
  constructor(readonly url: string) {}

  async run(step: Get | Write, current: number): Promise<Outcome> {
    const params = new URLSearchParams();
    let method: string;
    let path: string;
    if ('get' in step) {
      method = 'GET';
      path = step.get;
      if (step.recursive) params.set('recursive', 'true');
      if (step.sorted) params.set('sorted', 'true');
      if (step.quorum) params.set('quorum', 'true');
    } else if ('post' in step) {
      method = 'POST';
      path = step.post;
      if (step.value !== undefined) params.set('value', step.value);
      if (step.dir) params.set('dir', 'true');
      if (step.ttl !== undefined) params.set('ttl', String(step.ttl));
    } else if ('del' in step) {
      method = 'DELETE';
      path = step.del;
      if (step.dir) params.set('dir', 'true');
      if (step.recursive) params.set('recursive', 'true');
      if (step.prevValue !== undefined) params.set('prevValue', step.prevValue);
      if (step.prevIndex !== undefined) params.set('prevIndex', String(resolveIndex(step.prevIndex, current, this.last)));
    } else {
      method = 'PUT';
      path = step.put;
      if (step.value !== undefined) params.set('value', step.value);
      if (step.dir) params.set('dir', 'true');
      if (step.ttl !== undefined) params.set('ttl', String(step.ttl));
      if (step.prevExist !== undefined) params.set('prevExist', String(step.prevExist));
      if (step.prevValue !== undefined) params.set('prevValue', step.prevValue);
      if (step.prevIndex !== undefined) params.set('prevIndex', String(resolveIndex(step.prevIndex, current, this.last)));
      if (step.refresh) params.set('refresh', 'true');
    }
    const url = `${this.url}/v2/keys${encodePath(path)}`;
    const body = method === 'PUT' || method === 'POST';
    const res = await fetch(body ? url : `${url}?${params}`, {
      method,
      ...(body ? { body: params, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
    });
    const json = (await res.json()) as { errorCode?: number; node?: NodeExtern; action?: string };
    const outcome: Outcome = {
      status: json.errorCode === undefined ? 'ok' : 'error',
      etcdIndex: Number(res.headers.get('x-etcd-index')),
      body: json,
    };
    if (outcome.status === 'ok' && json.action !== 'get') this.last = json.node?.modifiedIndex ?? 0;
    return outcome;
  }

  /** Opens a watch; resolves once etcd has registered it (headers flushed). */
  async watch(step: Watch, current: number): Promise<{ lines: (quietMs?: number) => Promise<string[]>; close: () => void; etcdIndex: number; error?: Outcome }> {
    const params = new URLSearchParams({ wait: 'true' });
    if (step.recursive) params.set('recursive', 'true');
    if (step.stream) params.set('stream', 'true');
    if (step.waitIndex !== undefined) params.set('waitIndex', String(resolveIndex(step.waitIndex, current, this.last)));
    const abort = new AbortController();
    const res = await fetch(`${this.url}/v2/keys${encodePath(step.watch)}?${params}`, { signal: abort.signal });
    const etcdIndex = Number(res.headers.get('x-etcd-index'));
    if (res.status !== 200) {
      const body = await res.json();
      return { lines: async () => [], close: () => abort.abort(), etcdIndex, error: { status: 'error', etcdIndex, body } };
    }
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    let pendingRead: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
    /** Every line that arrives until `quietMs` pass without one (or the body ends). */
    const lines = async (quietMs = 400): Promise<string[]> => {
      for (;;) {
        pendingRead ??= reader.read();
        const result = await Promise.race([pendingRead, sleep(quietMs).then(() => undefined)]);
        if (result === undefined) break;
        pendingRead = undefined;
        if (result.done) break;
        buffered += decoder.decode(result.value, { stream: true });
      }
      const out = buffered.split('\n').filter((l) => l !== '');
      buffered = '';
      return out;
    };
    return { lines, close: () => abort.abort(), etcdIndex };
  }
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- comparison ----

/** Differences between two answers; TTLs loosely, unsorted listings in any order. */
function differences(ours: unknown, theirs: unknown, where: string, sorted: boolean): string[] {
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    if (ours.length !== theirs.length) return [`${where}: ${ours.length} items vs ${theirs.length}`];
    const byKey = (a: unknown, b: unknown) => String((a as NodeExtern).key).localeCompare(String((b as NodeExtern).key));
    const [a, b] = sorted ? [ours, theirs] : [[...ours].sort(byKey), [...theirs].sort(byKey)];
    return a.flatMap((x, i) => differences(x, b[i], `${where}[${i}]`, sorted));
  }
  if (typeof ours === 'object' && ours !== null && typeof theirs === 'object' && theirs !== null) {
    const o = ours as Record<string, unknown>;
    const t = theirs as Record<string, unknown>;
    const out: string[] = [];
    const keysO = Object.keys(o);
    const keysT = Object.keys(t);
    if (keysO.join() !== keysT.join()) out.push(`${where}: fields ${keysO.join()} vs ${keysT.join()}`);
    for (const k of new Set([...keysO, ...keysT])) {
      if (k === 'expiration') continue; // present on both sides: checked by the field lists above
      if (k === 'ttl') {
        if (Math.abs(Number(o[k]) - Number(t[k])) > 1) out.push(`${where}.ttl: ${String(o[k])} vs ${String(t[k])}`);
        continue;
      }
      out.push(...differences(o[k], t[k], `${where}.${k}`, sorted));
    }
    return out;
  }
  return ours === theirs ? [] : [`${where}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`];
}

/** A ttl of ±1 can make the field vanish on one side only (ttl 0 is omitted); never the case here. */
function compareOutcomes(ours: Outcome, theirs: Outcome, where: string, sorted: boolean): string[] {
  const out = differences(ours.body, theirs.body, `${where} body`, sorted);
  if (ours.status !== theirs.status) out.push(`${where}: ${ours.status} vs ${theirs.status}`);
  if (ours.etcdIndex !== theirs.etcdIndex) out.push(`${where}: X-Etcd-Index ${ours.etcdIndex} vs ${theirs.etcdIndex}`);
  return out;
}

// ---- the test ----

describe('the store against real etcd 3.4 over /v2/keys', () => {
  let etcd: RealEtcdCluster;
  let ours: StoreSide;
  let theirs: EtcdSide;

  beforeAll(async () => {
    etcd = await startRealEtcd({ members: 1 });
    theirs = new EtcdSide(etcd.clientURLs[0]!);
    // etcd's bootstrap writes membership under /0: wait for them to settle, then bring the store
    // to the same index with writes of its own under /0.
    let index = -1;
    for (let stable = 0; stable < 10; ) {
      const res = await fetch(`${theirs.url}/v2/keys/`);
      await res.arrayBuffer();
      const now = Number(res.headers.get('x-etcd-index'));
      stable = now === index && now >= 3 ? stable + 1 : 0;
      index = now;
      await sleep(100);
    }
    ours = new StoreSide();
    for (let i = 0; i < index; i++) ours.store.set(`/0/bootstrap/${i}`, false, '');
  });

  afterAll(async () => {
    await etcd?.stop();
  });

  it('gives the same answer to every operation of the script', async () => {
    const steps = script();
    expect(steps.length).toBeGreaterThanOrEqual(150);
    const statsBefore = (await (await fetch(`${theirs.url}/v2/stats/store`)).json()) as Record<string, number>;
    const oursBefore = ours.store.statistics();
    const diffs: string[] = [];
    let compared = 0;

    const runWrite = async (step: Get | Write, where: string): Promise<void> => {
      const current = ours.store.index();
      const now = Date.now();
      const theirOutcome = await theirs.run(step, current);
      const ourOutcome = ours.run(step, now);
      diffs.push(...compareOutcomes(ourOutcome, theirOutcome, where, 'get' in step ? step.sorted === true : true));
      compared++;
    };

    /** Waits like etcd's leader, which proposes a SYNC every 500 ms: expire as time passes. */
    const syncingSleep = async (ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        await sleep(Math.min(100, end - Date.now()));
        ours.sync();
      }
    };

    for (const [i, step] of steps.entries()) {
      const where = `#${i} ${JSON.stringify(step).slice(0, 120)}`;
      if ('sleep' in step) {
        await syncingSleep(step.sleep);
        continue;
      }
      if (!('watch' in step)) {
        await runWrite(step, where);
        continue;
      }
      const current = ours.store.index();
      const http = await theirs.watch(step, current);
      const mine = ours.watch(step);
      compared++;
      if (http.error !== undefined || mine.outcome !== undefined) {
        if (http.error === undefined || mine.outcome === undefined) {
          diffs.push(`${where}: watch error on one side only: ${JSON.stringify(http.error ?? mine.outcome)}`);
        } else {
          diffs.push(...compareOutcomes(mine.outcome, http.error, where, true));
        }
        continue;
      }
      const watcher = mine.watcher!;
      if (watcher.startIndex !== http.etcdIndex) diffs.push(`${where}: watch X-Etcd-Index ${watcher.startIndex} vs ${http.etcdIndex}`);
      for (const [j, then] of (step.then ?? []).entries()) {
        if ('sleep' in then) await syncingSleep(then.sleep);
        else await runWrite(then, `${where} then#${j}`);
      }
      ours.sync();
      const theirLines = await http.lines(step.stream ? 600 : 300);
      http.close();
      const mineEvents: Event[] = [];
      for (let e = watcher.tryNext(); e !== undefined; e = watcher.tryNext()) mineEvents.push(e);
      watcher.remove();
      const ourLines = mineEvents.map((e) => JSON.stringify(e.trimPrefix(KEYS)));
      if (ourLines.length !== theirLines.length) {
        diffs.push(`${where}: ${ourLines.length} events vs ${theirLines.length}: ${ourLines.join(' ')} | ${theirLines.join(' ')}`);
        continue;
      }
      ourLines.forEach((line, j) => diffs.push(...differences(JSON.parse(line), JSON.parse(theirLines[j]!), `${where} event ${j}`, true)));
    }

    // Index at the end, and the write counters (etcd's own reads make its get counters noisy).
    const last = await fetch(`${theirs.url}/v2/keys/`);
    await last.arrayBuffer();
    if (Number(last.headers.get('x-etcd-index')) !== ours.store.index()) {
      diffs.push(`final index ${ours.store.index()} vs ${last.headers.get('x-etcd-index')}`);
    }
    const statsAfter = (await (await fetch(`${theirs.url}/v2/stats/store`)).json()) as Record<string, number>;
    const oursAfter = ours.store.statistics();
    for (const [k, v] of Object.entries(oursAfter)) {
      if (k.startsWith('gets') || k === 'watchers') continue;
      const delta = v - (oursBefore as unknown as Record<string, number>)[k]!;
      const theirDelta = statsAfter[k]! - statsBefore[k]!;
      if (delta !== theirDelta) diffs.push(`stats ${k}: +${delta} vs +${theirDelta}`);
    }

    expect(compared).toBeGreaterThanOrEqual(150);
    expect(diffs).toEqual([]);
  });
});
