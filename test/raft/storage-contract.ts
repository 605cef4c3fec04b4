import { describe, expect, it as vitestIt } from 'vitest';
import {
  CompactedError,
  SnapOutOfDateError,
  UnavailableError,
  type ConfState,
  type Entry,
  type Snapshot,
  type WritableStorage,
} from '../../src/raft/index.ts';

/**
 * What a Raft storage must do, as a reusable suite (after etcd's storage_test.go). Any
 * implementation runs it:
 *
 *   describeStorageContract('SqliteLogStore', () => new SqliteLogStore(...));
 *
 * `TestableStorage` is the read side Raft uses (`Storage`: initialState, entries, term,
 * firstIndex, lastIndex, snapshot) plus the writes a host makes (setHardState, append,
 * applySnapshot, createSnapshot, compact). `make` must return a fresh, empty storage (no entries,
 * no snapshot, zero hard state). Pass `reopen` to also check that everything survives a restart
 * (build a new instance over the same durable state).
 *
 * Where etcd's MemoryStorage and a real store may reasonably differ (an out-of-date snapshot or
 * compaction either throws or is ignored; how entry sizes are counted) the suite accepts both.
 */
export type TestableStorage = WritableStorage;

export interface StorageContractOptions {
  reopen?: (s: TestableStorage) => Promise<TestableStorage> | TestableStorage;
  /**
   * Runs each test's body in a context the storage needs (a Durable Object's storage can only be
   * used inside that object: the SQLite suite wraps every body in `runInDurableObject`).
   */
  around?: (body: () => Promise<void>) => Promise<void>;
}

const cs3: ConfState = { voters: ['1', '2', '3'], learners: [] };

function ent(index: number, term: number, data = `d${index}`): Entry {
  return { index, term, type: 'normal', data };
}

function snap(index: number, term: number, confState: ConfState = cs3, data = `snap@${index}`): Snapshot {
  return { metadata: { index, term, confState }, data };
}

/** Storage holding snapshot 3/3 and entries 4/4, 5/5 (etcd's test fixture: ents {3,3},{4,4},{5,5}). */
async function fixture(make: () => Promise<TestableStorage> | TestableStorage): Promise<TestableStorage> {
  const s = await make();
  s.applySnapshot(snap(3, 3));
  s.append([ent(4, 4), ent(5, 5)]);
  return s;
}

function expectOutOfDateOrIgnored(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SnapOutOfDateError);
  }
}

function expectCompactedOrIgnored(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CompactedError);
  }
}

export function describeStorageContract(
  name: string,
  make: () => Promise<TestableStorage> | TestableStorage,
  options: StorageContractOptions = {},
): void {
  const around = options.around;
  const it = (title: string, body: () => Promise<void>): void => {
    vitestIt(title, () => (around === undefined ? body() : around(body)));
  };
  describe(`Storage contract: ${name}`, () => {
    const around = options.around ?? ((body: () => Promise<void>) => body());
    const it = (title: string, body: () => Promise<void>): void => {
      vitestIt(title, () => around(body));
    };
    it('starts empty: first index 1, last index 0, zero hard state, term(0) = 0', async () => {
      const s = await make();
      expect(s.firstIndex()).toBe(1);
      expect(s.lastIndex()).toBe(0);
      expect(s.term(0)).toBe(0);
      expect(s.initialState().hardState).toEqual({ term: 0, vote: '', commit: 0 });
      expect(s.snapshot().metadata.index).toBe(0);
    });

    it('term: CompactedError below the snapshot, the snapshot term at it, UnavailableError past the end', async () => {
      const s = await fixture(make);
      expect(() => s.term(2)).toThrow(CompactedError);
      expect(s.term(3)).toBe(3);
      expect(s.term(4)).toBe(4);
      expect(s.term(5)).toBe(5);
      expect(() => s.term(6)).toThrow(UnavailableError);
    });

    it('entries: [lo, hi) with CompactedError at or below the snapshot and UnavailableError past the end', async () => {
      const s = await fixture(make);
      s.append([ent(6, 6)]);
      const max = Number.MAX_SAFE_INTEGER;
      expect(() => s.entries(2, 6, max)).toThrow(CompactedError);
      expect(() => s.entries(3, 4, max)).toThrow(CompactedError);
      expect(s.entries(4, 5, max)).toEqual([ent(4, 4)]);
      expect(s.entries(4, 7, max)).toEqual([ent(4, 4), ent(5, 5), ent(6, 6)]);
      expect(() => s.entries(4, 8, max)).toThrow(UnavailableError);
    });

    it('entries: a size limit returns a non-empty prefix, at least one entry even when it is too big', async () => {
      const s = await fixture(make);
      s.append([ent(6, 6)]);
      expect(s.entries(4, 7, 0)).toEqual([ent(4, 4)]);
      const some = s.entries(4, 7, 4);
      expect(some.length).toBeGreaterThanOrEqual(1);
      expect(some.length).toBeLessThanOrEqual(3);
      expect(some).toEqual([ent(4, 4), ent(5, 5), ent(6, 6)].slice(0, some.length));
    });

    it('first and last index follow appends and compaction', async () => {
      const s = await fixture(make);
      expect(s.firstIndex()).toBe(4);
      expect(s.lastIndex()).toBe(5);
      s.append([ent(6, 5)]);
      expect(s.lastIndex()).toBe(6);
      s.compact(4);
      expect(s.firstIndex()).toBe(5);
      expect(s.lastIndex()).toBe(6);
    });

    it('compact keeps the term of the compacted index and drops what is before it', async () => {
      const s = await fixture(make);
      s.compact(4);
      expect(s.term(4)).toBe(4);
      expect(() => s.term(3)).toThrow(CompactedError);
      expect(() => s.entries(4, 6, Number.MAX_SAFE_INTEGER)).toThrow(CompactedError);
      expect(s.entries(5, 6, Number.MAX_SAFE_INTEGER)).toEqual([ent(5, 5)]);
      // Compacting at or below the current point is an error or nothing.
      expectCompactedOrIgnored(() => s.compact(3));
      expect(s.firstIndex()).toBe(5);
    });

    it('createSnapshot records index, term, conf state and data; snapshot() returns it', async () => {
      const s = await fixture(make);
      const cs: ConfState = { voters: ['1', '2'], learners: ['3'] };
      const made = s.createSnapshot(4, cs, 'state@4');
      expect(made.metadata).toEqual({ index: 4, term: 4, confState: cs });
      expect(s.snapshot()).toEqual(snap(4, 4, cs, 'state@4'));
      // A snapshot does not compact by itself.
      expect(s.firstIndex()).toBe(4);
      // An older one is refused or ignored; the newer stays.
      expectOutOfDateOrIgnored(() => s.createSnapshot(4, cs, 'again'));
      expect(s.snapshot().metadata.index).toBe(4);
      expect(s.initialState().confState).toEqual(cs);
    });

    it('append: truncates a conflicting suffix, ignores compacted entries, keeps matching ones', async () => {
      const cases: { append: Entry[]; want: Entry[] }[] = [
        // Same entries: nothing changes.
        { append: [ent(4, 4), ent(5, 5)], want: [ent(4, 4), ent(5, 5)] },
        // Extends.
        { append: [ent(4, 4), ent(5, 5), ent(6, 5)], want: [ent(4, 4), ent(5, 5), ent(6, 5)] },
        // Conflict at 4: everything from 4 is replaced.
        { append: [ent(4, 6, 'x'), ent(5, 6, 'y')], want: [ent(4, 6, 'x'), ent(5, 6, 'y')] },
        { append: [ent(4, 5, 'x'), ent(5, 5, 'y'), ent(6, 5, 'z')], want: [ent(4, 5, 'x'), ent(5, 5, 'y'), ent(6, 5, 'z')] },
        // Starts in the compacted part: that part is ignored.
        { append: [ent(2, 3), ent(3, 3), ent(4, 5, 'x')], want: [ent(4, 5, 'x')] },
        // Conflict at 5 only.
        { append: [ent(5, 6, 'y')], want: [ent(4, 4), ent(5, 6, 'y')] },
        // Directly after.
        { append: [ent(6, 5)], want: [ent(4, 4), ent(5, 5), ent(6, 5)] },
      ];
      for (const c of cases) {
        const s = await fixture(make);
        s.append(c.append);
        expect(s.entries(4, s.lastIndex() + 1, Number.MAX_SAFE_INTEGER)).toEqual(c.want);
        expect(s.lastIndex()).toBe(c.want[c.want.length - 1]?.index);
      }
    });

    it('append: refuses a gap', async () => {
      const s = await fixture(make);
      expect(() => s.append([ent(7, 5)])).toThrow();
    });

    it('applySnapshot replaces the log; an older snapshot is refused or ignored', async () => {
      const s = await fixture(make);
      const cs: ConfState = { voters: ['1', '2', '3', '4'], learners: [] };
      s.applySnapshot(snap(10, 7, cs, 'big'));
      expect(s.firstIndex()).toBe(11);
      expect(s.lastIndex()).toBe(10);
      expect(s.term(10)).toBe(7);
      expect(() => s.term(9)).toThrow(CompactedError);
      expect(s.snapshot()).toEqual(snap(10, 7, cs, 'big'));
      expect(s.initialState().confState).toEqual(cs);
      s.append([ent(11, 7)]);
      expect(s.entries(11, 12, Number.MAX_SAFE_INTEGER)).toEqual([ent(11, 7)]);
      expectOutOfDateOrIgnored(() => s.applySnapshot(snap(5, 5)));
      expect(s.snapshot().metadata.index).toBe(10);
    });

    it('setHardState is what initialState returns', async () => {
      const s = await make();
      s.setHardState({ term: 3, vote: 'abcdef0123456789', commit: 0 });
      expect(s.initialState().hardState).toEqual({ term: 3, vote: 'abcdef0123456789', commit: 0 });
      s.append([ent(1, 1), ent(2, 3)]);
      s.setHardState({ term: 3, vote: 'abcdef0123456789', commit: 2 });
      expect(s.initialState().hardState).toEqual({ term: 3, vote: 'abcdef0123456789', commit: 2 });
    });

    it('keeps confChange entries and their data exactly (JSON, non-ASCII)', async () => {
      const s = await make();
      const e: Entry = { index: 1, term: 1, type: 'confChange', data: JSON.stringify({ type: 'addNode', nodeId: 'ff00', context: 'é ✓ "q"' }) };
      s.append([e, ent(2, 1, '')]);
      expect(s.entries(1, 3, Number.MAX_SAFE_INTEGER)).toEqual([e, ent(2, 1, '')]);
    });

    const reopen = options.reopen;
    if (reopen !== undefined) {
      it('survives a reopen: hard state, snapshot, entries, compaction point', async () => {
        const s = await fixture(make);
        s.append([ent(6, 6)]);
        s.createSnapshot(5, cs3, 'state@5');
        s.compact(4);
        s.setHardState({ term: 6, vote: '2', commit: 6 });
        const r = await reopen(s);
        expect(r.initialState()).toEqual({ hardState: { term: 6, vote: '2', commit: 6 }, confState: cs3 });
        expect(r.firstIndex()).toBe(5);
        expect(r.lastIndex()).toBe(6);
        expect(r.term(4)).toBe(4);
        expect(r.entries(5, 7, Number.MAX_SAFE_INTEGER)).toEqual([ent(5, 5), ent(6, 6)]);
        expect(r.snapshot()).toEqual(snap(5, 5, cs3, 'state@5'));
      });
    }
  });
}
