/**
 * `node --expose-gc --import tsx scripts/bench-mvcc.ts [keys]`: the mvcc store alone, in process,
 * on the memory backend (100k keys by default). Prints the key index's heap cost per key and
 * operations per second for puts, ranges, txns, deletes, compaction, hashing and watches.
 */
import { KVStore, WatchableStore, type LeaseAttachments } from '../src/mvcc/index.ts';
import { TreeIndex } from '../src/mvcc/tree-index.ts';
import { MemoryBackend } from '../test/helpers/memory-backend.ts';

const N = Number(process.argv[2] ?? 100_000);
// Flat strings, as the gateway's atob makes them (a template literal builds a rope of pieces).
const keyOf = (i: number): string => atob(btoa(`/registry/pods/ns${i % 100}/pod-${String(i).padStart(7, '0')}`));
const value = 'v'.repeat(100);
const out = (line: string): void => void process.stdout.write(`${line}\n`);

function measure(name: string, ops: number, fn: () => void): void {
  const start = performance.now();
  fn();
  const ms = performance.now() - start;
  const rate = Math.round((ops / ms) * 1000);
  out(`${name.padEnd(44)} ${String(ops).padStart(8)} ops ${ms.toFixed(0).padStart(7)} ms ${rate.toLocaleString('en-US').padStart(12)} ops/s`);
}

const gc = (globalThis as { gc?: () => void }).gc;
function heapUsed(): number {
  if (gc === undefined) throw new Error('run with node --expose-gc --import tsx');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// ---- index memory per key: the tree index alone (values are in the backend, not here) ----
function indexBytesPerKey(versions: number, countKeyStrings: boolean): number {
  let keys = countKeyStrings ? [] : Array.from({ length: N }, (_, i) => keyOf(i));
  const before = heapUsed();
  if (countKeyStrings) keys = Array.from({ length: N }, (_, i) => keyOf(i));
  const index = new TreeIndex();
  let main = 2;
  for (let v = 0; v < versions; v++) for (const key of keys) index.put(key, { main: main++, sub: 0 }, 0n);
  keys = [];
  const after = heapUsed();
  if (index.size !== N) throw new Error('index lost keys');
  return (after - before) / N;
}
const keyBytes = keyOf(0).length;
out(`key index heap per key (${N} keys of ${keyBytes} bytes; Node's V8 has 8-byte pointers, workerd's 4):`);
out(`  1 revision per key:  ${indexBytesPerKey(1, false).toFixed(0)} bytes, ${indexBytesPerKey(1, true).toFixed(0)} with the key strings`);
out(`  3 revisions per key: ${indexBytesPerKey(3, false).toFixed(0)} bytes, ${indexBytesPerKey(3, true).toFixed(0)} with the key strings`);

// ---- throughput on the memory backend ----
const leases: LeaseAttachments = { attach: () => {}, detach: () => {} };
const backend = new MemoryBackend();
const store = new KVStore(backend, { leases });
measure('put (new keys)', N, () => {
  for (let i = 0; i < N; i++) store.put(keyOf(i), value);
});
measure('put (overwrite)', N, () => {
  for (let i = 0; i < N; i++) store.put(keyOf(i), value);
});
measure('range one key', N, () => {
  for (let i = 0; i < N; i++) store.range(keyOf(i), '');
});
measure('range one key at an older revision', N, () => {
  for (let i = 0; i < N; i++) store.range(keyOf(i), '', { rev: N + 1 });
});
const ranges = 2_000;
measure('range a prefix of 1000 keys, limit 100', ranges, () => {
  for (let i = 0; i < ranges; i++) store.range(`/registry/pods/ns${i % 100}/`, `/registry/pods/ns${i % 100}0`, { limit: 100 });
});
measure('range count of the whole keyspace', 20, () => {
  for (let i = 0; i < 20; i++) store.range('\0', '\0', { count: true });
});
measure('txn of 10 puts', N / 10, () => {
  for (let i = 0; i < N; i += 10) {
    const txn = store.write();
    for (let j = 0; j < 10; j++) txn.put(keyOf(i + j), value);
    txn.end();
  }
});
measure('hashByRev (whole bucket, rows)', backend.rowCount, () => {
  store.hashByRev(0);
});
measure('compact + physical steps (rows removed)', 3 * N, () => {
  store.compact(store.rev());
  while (store.runCompactionStep());
});
measure('deleteRange one key', N, () => {
  for (let i = 0; i < N; i++) store.deleteRange(keyOf(i), '');
});
measure('restore from the backend (rows scanned)', backend.rowCount, () => {
  new KVStore(backend, { leases });
});

// ---- watches ----
const watchable = new WatchableStore(new MemoryBackend(), { leases });
let delivered = 0;
const sink = (r: { events: unknown[] }): boolean => {
  delivered += r.events.length;
  return true;
};
const watchers = 10_000;
for (let i = 0; i < watchers; i++) watchable.watch(keyOf(i), '', 0, i, sink);
for (let i = 0; i < 10; i++) watchable.watch(`/registry/pods/ns${i}/`, `/registry/pods/ns${i}0`, 0, watchers + i, sink);
measure(`put notifying 1 of ${watchers} key watchers (+10 prefix)`, N, () => {
  for (let i = 0; i < N; i++) watchable.put(keyOf(i % watchers), value);
});
if (delivered < N) throw new Error('a watcher missed its event');
const history = watchable.rev();
const catchUp = new WatchableStore(new MemoryBackend(), { leases });
for (let i = 0; i < N; i++) catchUp.put(keyOf(i), value);
let caught = 0;
catchUp.watch('\0', '\0', 1, 0, (r) => {
  caught += r.events.length;
  return true;
});
measure('catch-up sync from revision 1 (events)', N, () => {
  while (catchUp.syncWatchers());
});
if (caught !== N) throw new Error(`catch-up delivered ${caught} of ${N}`);
out(`(watchable store at revision ${history})`);
