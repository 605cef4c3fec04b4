import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeaseQueue } from '../../src/lease/lease-queue.ts';

describe('LeaseQueue (etcd\'s LeaseExpiredNotifier)', () => {
  it('keeps one slot per lease: setting a lease again moves it', () => {
    const q = new LeaseQueue();
    q.set(1n, 30);
    q.set(2n, 20);
    q.set(1n, 10);
    expect(q.size).toBe(2);
    expect(q.peek()).toEqual({ id: 1n, timeMs: 10 });
    q.set(1n, 40);
    expect(q.peek()).toEqual({ id: 2n, timeMs: 20 });
  });

  it('always peeks the soonest time (equal times by ID), whatever the sets and deletes before', () => {
    const op = fc.oneof(
      fc.record({ set: fc.bigInt({ min: 1n, max: 20n }), time: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ del: fc.bigInt({ min: 1n, max: 20n }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200, size: 'max' }), (ops) => {
        const q = new LeaseQueue();
        const model = new Map<bigint, number>();
        for (const o of ops) {
          if ('set' in o) {
            q.set(o.set, o.time);
            model.set(o.set, o.time);
          } else {
            q.delete(o.del);
            model.delete(o.del);
          }
          const expected = [...model].sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))[0];
          expect(q.size).toBe(model.size);
          expect(q.peek()).toEqual(expected === undefined ? undefined : { id: expected[0], timeMs: expected[1] });
        }
        for (const [id] of [...model].sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))) {
          expect(q.peek()?.id).toBe(id);
          q.delete(id);
        }
        expect(q.size).toBe(0);
      }),
    );
  });
});
