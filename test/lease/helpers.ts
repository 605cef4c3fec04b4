import { Lessor, type LessorOptions } from '../../src/lease/index.ts';
import { MemoryLeaseStore } from '../helpers/memory-lease-store.ts';

/** An arbitrary start on the member's millisecond clock: nothing may depend on its origin. */
export const T0 = 1_000_000;

/** etcd's lessor_test.go runs with a minimum TTL of 5 s. */
export const TEST_MIN_TTL = 5;

export function newLessor(options: LessorOptions = {}, store = new MemoryLeaseStore()): { lessor: Lessor; store: MemoryLeaseStore } {
  return { lessor: new Lessor(store, { minTtl: TEST_MIN_TTL, ...options }), store };
}

/** A lessor already promoted at `T0` with no extension, as `le.Promote(0)` in etcd's tests. */
export function primaryLessor(options: LessorOptions = {}): { lessor: Lessor; store: MemoryLeaseStore } {
  const made = newLessor(options);
  made.lessor.promote(T0, 0);
  return made;
}

/** The error code a call throws (a `LeaseError`), or undefined if it does not throw. */
export function errorCode(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}
