import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactedError, FutureRevError, KVStore } from '../../src/mvcc/index.ts';
import { MemoryBackend } from '../helpers/memory-backend.ts';
import { LeaseItems } from './helpers.ts';
import { endArb, keyArb, Model, modelOpArb, type ModelOp } from './model.ts';

type Step =
  | { step: 'txn'; ops: ModelOp[] }
  | { step: 'compact'; back: number }
  | { step: 'compactionStep' }
  | { step: 'restart' }
  | { step: 'restore' }
  | { step: 'query'; key: string; end: string; back: number; limit: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ step: fc.constant('txn' as const), ops: fc.array(modelOpArb, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ step: fc.constant('compact' as const), back: fc.integer({ min: -1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.constant({ step: 'compactionStep' as const }) },
  { weight: 1, arbitrary: fc.constant({ step: 'restart' as const }) },
  { weight: 1, arbitrary: fc.constant({ step: 'restore' as const }) },
  { weight: 2, arbitrary: fc.record({ step: fc.constant('query' as const), key: keyArb, end: endArb, back: fc.integer({ min: 0, max: 8 }), limit: fc.integer({ min: 0, max: 3 }) }) },
);

/** Runs a txn of model ops on the store. */
function runTxn(store: KVStore, ops: readonly ModelOp[]): void {
  const txn = store.write();
  for (const op of ops) {
    if (op.op === 'put') txn.put(op.key, op.value, op.lease);
    else txn.deleteRange(op.key, op.end);
  }
  txn.end();
}

/** Every revision's whole key space, and the errors around them, as the model says. */
function checkAllRevisions(store: KVStore, model: Model): void {
  expect(store.rev()).toBe(model.rev);
  expect(store.compactRev()).toBe(model.compactRev);
  for (let rev = 1; rev <= model.rev; rev++) {
    if (rev < model.compactRev) {
      expect(() => store.range('\0', '\0', { rev })).toThrow(CompactedError);
      continue;
    }
    const r = store.range('\0', '\0', { rev });
    expect(r.kvs, `keys at ${rev}`).toEqual(model.range('\0', '\0', rev));
    expect(r.count).toBe(r.kvs.length);
    expect(r.rev).toBe(model.rev);
  }
  expect(() => store.range('\0', '\0', { rev: model.rev + 1 })).toThrow(FutureRevError);
}

/** The hash at every hashable revision: what a restored copy must reproduce. */
function hashes(store: KVStore): number[] {
  const out: number[] = [];
  for (let rev = Math.max(1, store.compactRev() + 1); rev <= store.rev(); rev++) out.push(store.hashByRev(rev).hash);
  return out;
}

describe('KVStore against a model', () => {
  it('answers every range at every non-compacted revision as the model, through compactions and restarts', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40, size: 'max' }), fc.integer({ min: 1, max: 5 }), (steps, batchLimit) => {
        const backend = new MemoryBackend();
        let leases = new LeaseItems();
        let store = new KVStore(backend, { leases, compactionBatchLimit: batchLimit });
        const model = new Model();
        for (const s of steps) {
          switch (s.step) {
            case 'txn':
              runTxn(store, s.ops);
              model.txn(s.ops);
              break;
            case 'compact': {
              const rev = model.rev - s.back;
              if (rev <= model.compactRev) {
                expect(() => store.compact(rev)).toThrow(CompactedError);
              } else if (rev > model.rev) {
                expect(() => store.compact(rev)).toThrow(FutureRevError);
              } else {
                store.compact(rev);
                model.compactRev = rev;
              }
              break;
            }
            case 'compactionStep':
              store.runCompactionStep();
              break;
            case 'restart':
              leases = new LeaseItems();
              store = new KVStore(backend, { leases, compactionBatchLimit: batchLimit });
              break;
            case 'restore':
              leases.byKey.clear();
              store.restore();
              break;
            case 'query': {
              const rev = Math.max(1, model.rev - s.back);
              if (rev < model.compactRev) break;
              const want = model.range(s.key, s.end, rev);
              const r = store.range(s.key, s.end, { rev, limit: s.limit });
              expect(r.count).toBe(want.length);
              expect(r.kvs).toEqual(s.limit > 0 ? want.slice(0, s.limit) : want);
              expect(store.range(s.key, s.end, { rev, count: true }).count).toBe(want.length);
              break;
            }
          }
          // The lessor hears of exactly the live keys' leases.
          const live = [...model.states[model.rev]!.values()].filter((kv) => kv.lease !== 0n).map((kv) => [kv.key, kv.lease]);
          expect([...leases.byKey].sort()).toEqual(live.sort());
        }
        checkAllRevisions(store, model);
      }),
      { numRuns: 150 },
    );
  });

  it('is the same store when restored from its backend, whatever compaction has done', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40, size: 'max' }), (steps) => {
        const backend = new MemoryBackend();
        const store = new KVStore(backend, { leases: new LeaseItems(), compactionBatchLimit: 2 });
        const model = new Model();
        for (const s of steps) {
          if (s.step === 'txn') {
            runTxn(store, s.ops);
            model.txn(s.ops);
          } else if (s.step === 'compact') {
            const rev = model.rev - Math.max(0, s.back);
            if (rev > store.compactRev()) store.compact(rev);
          } else if (s.step === 'compactionStep') {
            store.runCompactionStep();
          }
        }
        const again = new KVStore(backend, { leases: new LeaseItems(), compactionBatchLimit: 2 });
        expect(again.rev()).toBe(store.rev());
        expect(again.compactRev()).toBe(store.compactRev());
        for (let rev = Math.max(1, store.compactRev()); rev <= store.rev(); rev++) {
          expect(again.range('\0', '\0', { rev }), `at ${rev}`).toEqual(store.range('\0', '\0', { rev }));
        }
        expect(hashes(again)).toEqual(hashes(store));
        while (again.runCompactionStep());
        while (store.runCompactionStep());
        expect(hashes(again)).toEqual(hashes(store));
        expect(again.size()).toBe(store.size());
      }),
      { numRuns: 150 },
    );
  });
});
