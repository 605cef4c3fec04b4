import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EtcdError, type Event, HISTORY_CAPACITY, Store } from '../../src/store/index.ts';
import { FakeClock } from './helpers.ts';

const T0 = Date.UTC(2025, 0, 1);

const key = fc.constantFrom('/a', '/b', '/a/x', '/a/y', '/a/x/z', '/_h', '/a/_h', '/d', '/d/e/f', 'a//x/', '/');
const value = fc.constantFrom('', 'v', 'w', 'é');
const ttl = fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined });
const options = fc.record({ ttl, refresh: fc.boolean() });

type Op =
  | { op: 'set'; key: string; dir: boolean; value: string; o: { ttl: number | undefined; refresh: boolean } }
  | { op: 'create'; key: string; dir: boolean; value: string; unique: boolean; o: { ttl: number | undefined; refresh: boolean } }
  | { op: 'update'; key: string; value: string; o: { ttl: number | undefined; refresh: boolean } }
  | { op: 'cas'; key: string; prevValue: string; prevIndex: number; value: string; o: { ttl: number | undefined; refresh: boolean } }
  | { op: 'delete'; key: string; dir: boolean; recursive: boolean }
  | { op: 'cad'; key: string; prevValue: string; prevIndex: number }
  | { op: 'get'; key: string; recursive: boolean; sorted: boolean }
  | { op: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, dir: fc.boolean(), value, o: options }),
  fc.record({ op: fc.constant('create' as const), key, dir: fc.boolean(), value, unique: fc.boolean(), o: options }),
  fc.record({ op: fc.constant('update' as const), key, value, o: options }),
  fc.record({ op: fc.constant('cas' as const), key, prevValue: value, prevIndex: fc.integer({ min: 0, max: 30 }), value, o: options }),
  fc.record({ op: fc.constant('delete' as const), key, dir: fc.boolean(), recursive: fc.boolean() }),
  fc.record({ op: fc.constant('cad' as const), key, prevValue: value, prevIndex: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ op: fc.constant('get' as const), key, recursive: fc.boolean(), sorted: fc.boolean() }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
);

function apply(store: Store, clock: FakeClock, op: Op): Event | Event[] | undefined {
  const ttlOpts = (o: { ttl: number | undefined; refresh: boolean }) => ({
    ...(o.ttl === undefined ? {} : { expireTime: clock.now() + o.ttl }),
    refresh: o.refresh,
  });
  try {
    switch (op.op) {
      case 'set': return store.set(op.key, op.dir, op.value, ttlOpts(op.o));
      case 'create': return store.create(op.key, op.dir, op.value, op.unique, ttlOpts(op.o));
      case 'update': return store.update(op.key, op.value, ttlOpts(op.o));
      case 'cas': return store.compareAndSwap(op.key, op.prevValue, op.prevIndex, op.value, ttlOpts(op.o));
      case 'delete': return store.delete(op.key, op.dir, op.recursive);
      case 'cad': return store.compareAndDelete(op.key, op.prevValue, op.prevIndex);
      case 'get': return store.get(op.key, op.recursive, op.sorted);
      case 'tick':
        clock.advance(op.ms);
        return store.deleteExpiredKeys(clock.now());
    }
  } catch (error) {
    if (error instanceof EtcdError) return undefined;
    throw error;
  }
}

/** Whether any node in a saved tree has a TTL. */
function savedHasTTL(node: { ExpireTime: string; Children: Record<string, unknown> | null }): boolean {
  if (node.ExpireTime !== '0001-01-01T00:00:00Z') return true;
  return Object.values(node.Children ?? {}).some((c) => savedHasTTL(c as typeof node));
}

describe('random operation sequences', () => {
  it('advance the index by exactly one per successful write and per expired node, never otherwise, and keep the size count true', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const clock = new FakeClock(T0);
        const store = new Store({ clock, namespaces: ['/0', '/1'] });
        for (const op of ops) {
          const before = store.index();
          const result = apply(store, clock, op);
          const after = store.index();
          if (Array.isArray(result)) {
            expect(after - before).toBe(result.length);
            result.forEach((e, i) => expect(e.node.modifiedIndex).toBe(before + i + 1));
          } else if (result === undefined || op.op === 'get') {
            expect(after).toBe(before);
          } else {
            expect(after).toBe(before + 1);
            expect(result.etcdIndex).toBe(after);
            expect(result.index).toBe(after);
          }
          expect(store.hasTTLKeys()).toBe(savedHasTTL(JSON.parse(store.save()).Root));
          // The running size count agrees with a count made from scratch (recover walks the tree).
          const recounted = new Store({ clock, namespaces: ['/0', '/1'] });
          recounted.recover(store.save());
          expect(store.approximateBytes()).toBe(recounted.approximateBytes());
        }
      }),
      { numRuns: 150 },
    );
  });

  it('survive save() and recover() unchanged', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.array(opArb, { maxLength: 30 }), (ops, more) => {
        const clock = new FakeClock(T0);
        const store = new Store({ clock, namespaces: ['/0', '/1'] });
        for (const op of ops) apply(store, clock, op);
        const snap = store.save();
        const copy = new Store({ clock: new FakeClock(clock.ms), namespaces: ['/0', '/1'] });
        copy.recover(snap);
        expect(copy.save()).toBe(snap);
        expect(JSON.stringify(copy.get('/', true, true))).toBe(JSON.stringify(store.get('/', true, true)));
        // Both then behave the same. Unsorted listings are in insertion order, which a snapshot
        // (saved sorted, as Go marshals maps) does not keep; etcd's order is random anyway.
        const copyClock = new FakeClock(clock.ms);
        const twin = new Store({ clock: copyClock, namespaces: ['/0', '/1'] });
        twin.recover(store.save());
        for (const raw of more) {
          const op = raw.op === 'get' ? { ...raw, sorted: true } : raw;
          expect(JSON.stringify(apply(twin, copyClock, op))).toBe(JSON.stringify(apply(store, clock, op)));
        }
        expect(twin.save()).toBe(store.save());
      }),
      { numRuns: 100 },
    );
  });

  it('never keep more than 1000 events of history', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 900, maxLength: 1600 }), (ops) => {
        const clock = new FakeClock(T0);
        const store = new Store({ clock, namespaces: ['/0', '/1'] });
        for (const op of ops) apply(store, clock, op);
        const h = store.hub.history;
        expect(h.queue.size).toBeLessThanOrEqual(HISTORY_CAPACITY);
        expect(h.lastIndex).toBe(store.index());
        if (store.index() > 0) expect(h.startIndex).toBe(Math.max(1, store.index() - HISTORY_CAPACITY + 1));
      }),
      { numRuns: 15 },
    );
  });
});
