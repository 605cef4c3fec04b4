import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rangeContains, WatchableStore, type Watcher, type WatcherResponse } from '../../src/mvcc/index.ts';
import { MemoryBackend } from '../helpers/memory-backend.ts';
import { LeaseItems } from './helpers.ts';
import { endArb, keyArb, Model, modelOpArb, type ModelEvent, type ModelOp } from './model.ts';

type Step =
  | { step: 'txn'; ops: ModelOp[] }
  | { step: 'watch'; key: string; end: string; start: { now: true } | { back: number } }
  | { step: 'full'; who: number; full: boolean }
  | { step: 'sync' }
  | { step: 'victims' }
  | { step: 'compact'; back: number }
  | { step: 'compactionStep' }
  | { step: 'restore' }
  | { step: 'cancel'; who: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ step: fc.constant('txn' as const), ops: fc.array(modelOpArb, { minLength: 1, maxLength: 4 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      step: fc.constant('watch' as const),
      key: keyArb,
      end: endArb,
      start: fc.oneof(fc.constant({ now: true as const }), fc.record({ back: fc.integer({ min: -2, max: 10 }) })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ step: fc.constant('full' as const), who: fc.nat(), full: fc.boolean() }) },
  { weight: 3, arbitrary: fc.constant({ step: 'sync' as const }) },
  { weight: 2, arbitrary: fc.constant({ step: 'victims' as const }) },
  { weight: 1, arbitrary: fc.record({ step: fc.constant('compact' as const), back: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 1, arbitrary: fc.constant({ step: 'compactionStep' as const }) },
  { weight: 1, arbitrary: fc.constant({ step: 'restore' as const }) },
  { weight: 1, arbitrary: fc.record({ step: fc.constant('cancel' as const), who: fc.nat() }) },
);

interface Tracked {
  key: string;
  end: string;
  /** The first revision it should see. */
  from: number;
  watcher: Watcher;
  /** What its sink took; while `full` it takes nothing (a consumer with a full buffer). */
  consumer: { got: WatcherResponse[]; full: boolean };
  cancelled: boolean;
  /** Revisions compacted while it had still to read them: only their survivors reach it. */
  filteredAt: Set<number>;
}

describe('watchers against a model', () => {
  it('see exactly the log of events in order, no gaps or repeats, whatever the start and batch sizes', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 60, size: 'max' }),
        fc.record({
          syncBatchRows: fc.integer({ min: 1, max: 6 }),
          maxWatchersPerSync: fc.integer({ min: 1, max: 4 }),
          watchBatchMaxRevs: fc.integer({ min: 1, max: 4 }),
          compactionBatchLimit: fc.integer({ min: 1, max: 4 }),
        }),
        (steps, options) => {
          const store = new WatchableStore(new MemoryBackend(), { ...options, leases: new LeaseItems() });
          const model = new Model();
          const watches: Tracked[] = [];
          const markFiltered = (c: number): void => {
            for (const t of watches) {
              const state = store.watcherState(t.watcher);
              if ((state === 'unsynced' || state === 'victim') && t.watcher.minRev === c) t.filteredAt.add(c);
            }
          };
          for (const s of steps) {
            switch (s.step) {
              case 'txn': {
                const txn = store.write();
                for (const op of s.ops) (op.op === 'put' ? txn.put(op.key, op.value, op.lease) : txn.deleteRange(op.key, op.end));
                txn.end();
                model.txn(s.ops);
                break;
              }
              case 'watch': {
                const start = 'now' in s.start ? 0 : Math.max(1, model.rev - s.start.back);
                const from = start === 0 ? model.rev + 1 : start;
                const consumer = { got: [] as WatcherResponse[], full: false };
                const watcher = store.watch(s.key, s.end, start, watches.length, (r) => {
                  if (consumer.full) return false;
                  consumer.got.push(r);
                  return true;
                });
                const t: Tracked = { key: s.key, end: s.end, from, watcher, consumer, cancelled: false, filteredAt: new Set() };
                watches.push(t);
                if (store.watcherState(t.watcher) === 'unsynced' && t.watcher.minRev === model.compactRev) t.filteredAt.add(model.compactRev);
                break;
              }
              case 'full': {
                const t = watches[s.who % Math.max(1, watches.length)];
                if (t !== undefined) t.consumer.full = s.full;
                break;
              }
              case 'sync':
                store.syncWatchers();
                break;
              case 'victims':
                store.syncVictims();
                break;
              case 'compact': {
                const rev = model.rev - s.back;
                if (rev > Math.max(0, model.compactRev)) {
                  store.compact(rev);
                  model.compactRev = rev;
                  markFiltered(rev);
                }
                break;
              }
              case 'compactionStep':
                store.runCompactionStep();
                break;
              case 'restore':
                store.restore();
                break;
              case 'cancel': {
                const t = watches[s.who % Math.max(1, watches.length)];
                if (t !== undefined) {
                  store.cancelWatcher(t.watcher);
                  t.cancelled = true;
                }
                break;
              }
            }
          }
          for (const t of watches) t.consumer.full = false;
          for (let i = 0; i < 10_000; i++) {
            const victims = store.syncVictims();
            const unsynced = store.syncWatchers();
            if (!victims && !unsynced) break;
          }
          for (const t of watches) checkWatcher(store, model, t);
        },
      ),
      { numRuns: 200 },
    );
  });
});

function checkWatcher(store: WatchableStore, model: Model, t: Tracked): void {
  const expected = model.events.filter(
    (e: ModelEvent) =>
      e.rev >= t.from &&
      rangeContains(t.key, t.end, e.event.kv.key) &&
      (!t.filteredAt.has(e.rev) || model.survives(e, e.rev)),
  );
  const got = t.consumer.got;
  const cancel = got.findIndex((r) => r.compactRevision !== 0);
  const responses = cancel === -1 ? got : got.slice(0, cancel);
  const received = responses.flatMap((r) => r.events);
  // Whole revisions, in order: a revision never straddles two responses, nothing comes twice.
  let last = 0;
  for (const r of responses) {
    const revs = r.events.map((e) => e.kv.modRevision);
    expect(revs[0]!).toBeGreaterThan(last);
    expect(revs).toEqual([...revs].sort((a, b) => a - b));
    expect(r.revision).toBeGreaterThanOrEqual(revs[revs.length - 1]!);
    last = revs[revs.length - 1]!;
  }
  const want = expected.map((e) => e.event);
  if (cancel !== -1) {
    expect(got.length, 'nothing after the compaction notice').toBe(cancel + 1);
    expect(received).toEqual(want.slice(0, received.length));
    expect(store.watcherState(t.watcher)).toBe('gone');
  } else if (t.cancelled) {
    expect(received).toEqual(want.slice(0, received.length));
  } else {
    expect(received).toEqual(want);
    expect(store.watcherState(t.watcher)).toBe('synced');
  }
}
