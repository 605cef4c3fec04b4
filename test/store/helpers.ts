import { EtcdError, Store } from '../../src/store/index.ts';

/** A clock the test moves by hand; starts at 2025-01-01T00:00:00Z. */
export class FakeClock {
  constructor(public ms = Date.UTC(2025, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function newStore(namespaces: string[] = []): { store: Store; clock: FakeClock } {
  const clock = new FakeClock();
  return { store: new Store({ clock, namespaces }), clock };
}

/** The EtcdError `fn` throws (fails the test if it throws nothing or something else). */
export function thrown(fn: () => unknown): EtcdError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EtcdError) return error;
    throw error;
  }
  throw new Error('expected an EtcdError');
}

/** JSON as a client sees it. */
export const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
