import fc from 'fast-check';
import { rangeContains, type Event, type KeyValue, type LeaseId } from '../../src/mvcc/index.ts';

/**
 * The trivial model the property tests hold the store to: the whole key space as a map at every
 * revision, and every change as an event. No index, no generations, no compaction tricks.
 */
export type ModelOp = { op: 'put'; key: string; value: string; lease: LeaseId } | { op: 'delete'; key: string; end: string };

/** One change of a revision, in sub order. */
export interface ModelEvent {
  rev: number;
  sub: number;
  event: Event;
}

export class Model {
  /** states[r]: the key space after revision r (revision 1 is the empty store). */
  readonly states: Map<string, KeyValue>[] = [new Map(), new Map()];
  readonly events: ModelEvent[] = [];
  compactRev = -1;

  get rev(): number {
    return this.states.length - 1;
  }

  /** A write txn: returns whether it took a revision. */
  txn(ops: readonly ModelOp[]): boolean {
    const rev = this.rev + 1;
    const state = new Map(this.states[this.rev]);
    const changes: Event[] = [];
    for (const op of ops) {
      if (op.op === 'put') {
        const before = state.get(op.key);
        const kv: KeyValue = {
          key: op.key,
          value: op.value,
          createRevision: before?.createRevision ?? rev,
          modRevision: rev,
          version: (before?.version ?? 0) + 1,
          lease: op.lease,
        };
        state.set(op.key, kv);
        changes.push({ type: 'PUT', kv });
      } else {
        for (const key of [...state.keys()].sort()) {
          if (!rangeContains(op.key, op.end, key)) continue;
          state.delete(key);
          changes.push({ type: 'DELETE', kv: { key, value: '', createRevision: 0, modRevision: rev, version: 0, lease: 0n } });
        }
      }
    }
    if (changes.length === 0) return false;
    this.states.push(state);
    changes.forEach((event, sub) => this.events.push({ rev, sub, event }));
    return true;
  }

  /** The key-values of a range at a revision, in key order. */
  range(key: string, end: string, rev: number): KeyValue[] {
    const state = this.states[rev]!;
    return [...state.values()].filter((kv) => rangeContains(key, end, kv.key)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Whether an event is still in the backend after a compaction at `c` (etcd keeps, per key, the
   * newest revision at or below `c` unless it is a tombstone).
   */
  survives(e: ModelEvent, c: number): boolean {
    if (e.rev > c) return true;
    if (e.event.type === 'DELETE') return false;
    const later = this.events.find((o) => o.rev <= c && o.event.kv.key === e.event.kv.key && (o.rev > e.rev || (o.rev === e.rev && o.sub > e.sub)));
    return later === undefined;
  }
}

// Few keys, so histories overlap; bytes 0x00 and 0xff to exercise byte order.
export const KEYS = ['a', 'b', 'c', 'a\x00', 'b\xff', '\xff'];
export const keyArb = fc.constantFrom(...KEYS);
export const endArb = fc.constantFrom('', '\0', 'b', 'c', 'z', '\xff\xff');
export const valueArb = fc.constantFrom('', 'v', 'w\x00x', '\xff'.repeat(3));
export const leaseArb = fc.constantFrom(0n, 0n, 1n, 2n);
export const modelOpArb: fc.Arbitrary<ModelOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('put' as const), key: keyArb, value: valueArb, lease: leaseArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb, end: endArb }) },
);
