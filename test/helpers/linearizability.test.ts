import { describe, expect, it } from 'vitest';
import { checkRegister, type HistoryEntry } from './linearizability.ts';

const w = (value: string, call: number, ret: number): HistoryEntry => ({ op: { kind: 'write', value }, call, ret });
const r = (value: string | undefined, call: number, ret: number): HistoryEntry => ({ op: { kind: 'read', value }, call, ret });

describe('the register linearizability checker', () => {
  it('accepts a sequential history', () => {
    expect(checkRegister([w('a', 0, 1), r('a', 2, 3), w('b', 4, 5), r('b', 6, 7)]).linearizable).toBe(true);
  });

  it('accepts a read that overlaps a write and sees either value', () => {
    expect(checkRegister([w('a', 0, 1), w('b', 2, 10), r('a', 3, 4), r('b', 5, 6)]).linearizable).toBe(true);
  });

  it('rejects a stale read after a write returned', () => {
    const result = checkRegister([w('a', 0, 1), w('b', 2, 3), r('a', 4, 5)]);
    expect(result.linearizable).toBe(false);
  });

  it('rejects reads that go back in time even when both overlap the write', () => {
    // b is read, then a again, both after... a read of b returning before a read of a began.
    expect(checkRegister([w('a', 0, 1), w('b', 2, 20), r('b', 3, 4), r('a', 5, 6)]).linearizable).toBe(false);
  });

  it('lets an unknown write take effect late, or never', () => {
    const unknown: HistoryEntry = { op: { kind: 'write', value: 'x' }, call: 2, ret: Infinity, unknown: true };
    expect(checkRegister([w('a', 0, 1), unknown, r('a', 3, 4), r('x', 10, 11)]).linearizable).toBe(true);
    expect(checkRegister([w('a', 0, 1), unknown, r('a', 3, 4)]).linearizable).toBe(true);
    expect(checkRegister([w('a', 0, 1), unknown, r('x', 3, 4), r('a', 10, 11)]).linearizable).toBe(false);
  });

  it('checks compare-and-set outcomes', () => {
    const cas = (expected: string | undefined, value: string, ok: boolean, call: number, ret: number): HistoryEntry => ({
      op: { kind: 'cas', expected, value, ok },
      call,
      ret,
    });
    expect(checkRegister([cas(undefined, 'a', true, 0, 1), cas(undefined, 'b', false, 2, 3), r('a', 4, 5)]).linearizable).toBe(true);
    // Two creates that both succeed cannot be linearized.
    expect(checkRegister([cas(undefined, 'a', true, 0, 5), cas(undefined, 'b', true, 1, 6)]).linearizable).toBe(false);
  });
});
