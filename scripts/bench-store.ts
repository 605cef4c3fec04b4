/**
 * `npx tsx scripts/bench-store.ts [keys]`: the v2 store alone, in process: set, get, recursive
 * listing and watch notification over 100k keys (by default). Prints operations per second.
 */
import { Store } from '../src/store/index.ts';

const N = Number(process.argv[2] ?? 100_000);
const clock = { now: () => Date.now() };
const keyOf = (i: number): string => `/1/bench/d${i % 100}/k${i}`;

function measure(name: string, ops: number, fn: () => void): void {
  const start = performance.now();
  fn();
  const ms = performance.now() - start;
  const rate = Math.round((ops / ms) * 1000);
  process.stdout.write(`${name.padEnd(40)} ${String(ops).padStart(8)} ops ${ms.toFixed(0).padStart(7)} ms ${rate.toLocaleString('en-US').padStart(12)} ops/s\n`);
}

const store = new Store({ clock, namespaces: ['/0', '/1'] });
measure('set (new keys)', N, () => {
  for (let i = 0; i < N; i++) store.set(keyOf(i), false, `value-${i}`);
});
measure('set (replace)', N, () => {
  for (let i = 0; i < N; i++) store.set(keyOf(i), false, `value2-${i}`);
});
measure('get', N, () => {
  for (let i = 0; i < N; i++) store.get(keyOf(i));
});
measure('compareAndSwap', N, () => {
  for (let i = 0; i < N; i++) store.compareAndSwap(keyOf(i), `value2-${i}`, 0, `v3-${i}`);
});
measure('get recursive sorted (whole tree, per node)', N, () => {
  store.get('/1/bench', true, true);
});
const now = Date.now();
measure('set with TTL', N, () => {
  for (let i = 0; i < N; i++) store.set(keyOf(i), false, 'ttl', { expireTime: now + 60_000 + i });
});
measure('deleteExpiredKeys (expire all)', N, () => {
  store.deleteExpiredKeys(now + 120_000);
});

const watched = new Store({ clock, namespaces: ['/0', '/1'] });
const watchers = Array.from({ length: N }, (_, i) => watched.watch(keyOf(i), false, false, 0));
measure('set waking one one-shot watcher each', N, () => {
  for (let i = 0; i < N; i++) watched.set(keyOf(i), false, 'x');
});
if (watchers.some((w) => w.tryNext() === undefined)) throw new Error('a watcher missed its event');

const streamed = new Store({ clock, namespaces: ['/0', '/1'] });
const stream = streamed.watch('/1', true, true, 0);
measure('set with a recursive stream watcher', N, () => {
  for (let i = 0; i < N; i++) {
    streamed.set(keyOf(i), false, 'x');
    stream.tryNext();
  }
});

measure('save + recover (100k keys, per key)', N, () => {
  const copy = new Store({ clock, namespaces: ['/0', '/1'] });
  copy.recover(watched.save());
});
