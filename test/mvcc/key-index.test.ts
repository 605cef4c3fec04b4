import { describe, expect, it } from 'vitest';
import { RevisionNotFoundError } from '../../src/mvcc/index.ts';
import { KeyIndex, type Generation } from '../../src/mvcc/key-index.ts';
import { RevisionSet } from '../../src/mvcc/revision-set.ts';

/** A revision written as 14 or [14, 1]. */
type R = number | [number, number];
const rev = (r: R) => (typeof r === 'number' ? { main: r, sub: 0 } : { main: r[0], sub: r[1] });
const gen = (created: R, ver: number, revs: R[]): Generation => ({ created: rev(created), ver, revs: revs.map(rev) });
const EMPTY: Generation = { created: { main: 0, sub: 0 }, ver: 0, revs: [] };

/**
 * etcd's newTestKeyIndex (key_index_test.go):
 *   {2, 4, 6(t)} {8, 10, 12(t)} {14, 14.1, 16(t)} {}
 */
function fooIndex(): KeyIndex {
  const ki = new KeyIndex('foo');
  ki.put(2, 0);
  ki.put(4, 0);
  ki.tombstone(6, 0);
  ki.put(8, 0);
  ki.put(10, 0);
  ki.tombstone(12, 0);
  ki.put(14, 0);
  ki.put(14, 1);
  ki.tombstone(16, 0);
  return ki;
}

const snapshot = (ki: KeyIndex) => structuredClone({ modified: ki.modified, generations: ki.generations });

describe('KeyIndex', () => {
  it('starts a generation on the first put and counts versions in it', () => {
    const ki = new KeyIndex('foo');
    ki.put(5, 0);
    expect(ki.generations).toEqual([gen(5, 1, [5])]);
    ki.put(7, 0);
    expect(ki.modified).toEqual(rev(7));
    expect(ki.generations).toEqual([gen(5, 2, [5, 7])]);
  });

  it('refuses a put that is not after the last revision', () => {
    const ki = new KeyIndex('foo');
    ki.put(5, 1);
    expect(() => ki.put(5, 1)).toThrow();
    expect(() => ki.put(5, 0)).toThrow();
    expect(() => ki.put(4, 9)).toThrow();
    ki.put(5, 2);
  });

  it('restores from one row: its create revision and version stand for what was compacted', () => {
    const ki = new KeyIndex('foo');
    ki.restore(rev(5), rev(7), 2);
    expect(ki.modified).toEqual(rev(7));
    expect(ki.generations).toEqual([gen(5, 2, [7])]);
    expect(ki.get(7)).toEqual({ modified: rev(7), created: rev(5), version: 2 });
  });

  it('ends a generation with a tombstone and refuses to tombstone a deleted key', () => {
    const ki = new KeyIndex('foo');
    ki.put(5, 0);
    ki.tombstone(7, 0);
    expect(ki.generations).toEqual([gen(5, 2, [5, 7]), EMPTY]);
    ki.put(8, 0);
    ki.put(9, 0);
    ki.tombstone(15, 0);
    expect(ki.modified).toEqual(rev(15));
    expect(ki.generations).toEqual([gen(5, 2, [5, 7]), gen(8, 3, [8, 9, 15]), EMPTY]);
    expect(() => ki.tombstone(16, 0)).toThrow(RevisionNotFoundError);
  });

  it('answers get with the version live at a revision, and nothing between generations', () => {
    const ki = fooIndex();
    ki.compact(4, new RevisionSet());
    const cases: [number, R | undefined, R | undefined, number][] = [
      [17, undefined, undefined, 0],
      [16, undefined, undefined, 0],
      [15, [14, 1], 14, 2],
      [14, [14, 1], 14, 2],
      [13, undefined, undefined, 0],
      [12, undefined, undefined, 0],
      [11, 10, 8, 2],
      [10, 10, 8, 2],
      [9, 8, 8, 1],
      [8, 8, 8, 1],
      [7, undefined, undefined, 0],
      [6, undefined, undefined, 0],
      [5, 4, 2, 2],
      [4, 4, 2, 2],
      [3, undefined, undefined, 0],
      [2, undefined, undefined, 0],
      [1, undefined, undefined, 0],
      [0, undefined, undefined, 0],
    ];
    for (const [at, modified, created, version] of cases) {
      const got = ki.get(at);
      if (modified === undefined) expect(got, `get(${at})`).toBeUndefined();
      else expect(got, `get(${at})`).toEqual({ modified: rev(modified), created: rev(created!), version });
    }
  });

  it('lists revisions since a revision, one per main revision (the last sub)', () => {
    const ki = fooIndex();
    ki.compact(4, new RevisionSet());
    const all = [4, 6, 8, 10, 12, [14, 1], 16].map((r) => rev(r as R));
    const from: [number, number][] = [
      [17, 7], [16, 6], [15, 6], [14, 5], [13, 5], [12, 4], [11, 4], [10, 3], [9, 3],
      [8, 2], [7, 2], [6, 1], [5, 1], [4, 0], [3, 0], [2, 0], [1, 0], [0, 0],
    ];
    for (const [since, start] of from) expect(ki.since(since), `since(${since})`).toEqual(all.slice(start));
  });

  // etcd's TestKeyIndexCompactAndKeep: after compact(at), the index and the revisions kept.
  const compactions: { at: number; generations: Generation[]; kept: R[] }[] = [
    { at: 1, generations: [gen(2, 3, [2, 4, 6]), gen(8, 3, [8, 10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [] },
    { at: 2, generations: [gen(2, 3, [2, 4, 6]), gen(8, 3, [8, 10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [2] },
    { at: 3, generations: [gen(2, 3, [2, 4, 6]), gen(8, 3, [8, 10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [2] },
    { at: 4, generations: [gen(2, 3, [4, 6]), gen(8, 3, [8, 10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [4] },
    { at: 5, generations: [gen(2, 3, [4, 6]), gen(8, 3, [8, 10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [4] },
    { at: 6, generations: [gen(8, 3, [8, 10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [] },
    { at: 7, generations: [gen(8, 3, [8, 10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [] },
    { at: 8, generations: [gen(8, 3, [8, 10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [8] },
    { at: 9, generations: [gen(8, 3, [8, 10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [8] },
    { at: 10, generations: [gen(8, 3, [10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [10] },
    { at: 11, generations: [gen(8, 3, [10, 12]), gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [10] },
    { at: 12, generations: [gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [] },
    { at: 13, generations: [gen(14, 3, [14, [14, 1], 16]), EMPTY], kept: [] },
    { at: 14, generations: [gen(14, 3, [[14, 1], 16]), EMPTY], kept: [[14, 1]] },
    { at: 15, generations: [gen(14, 3, [[14, 1], 16]), EMPTY], kept: [[14, 1]] },
    { at: 16, generations: [EMPTY], kept: [] },
  ];

  const checkStep = (ki: KeyIndex, c: (typeof compactions)[number]): void => {
    const before = snapshot(ki);
    const keep = new RevisionSet();
    ki.keep(c.at, keep);
    expect(snapshot(ki), `keep(${c.at}) changes nothing`).toEqual(before);
    expect(keep.sorted(), `keep(${c.at})`).toEqual(c.kept.map(rev));
    const available = new RevisionSet();
    ki.compact(c.at, available);
    expect(ki.generations, `compact(${c.at})`).toEqual(c.generations);
    expect(available.sorted(), `compact(${c.at}) available`).toEqual(c.kept.map(rev));
  };

  it('compacts step by step, keeping the newest revision at or below each point unless a tombstone', () => {
    const ki = fooIndex();
    for (const c of compactions) checkStep(ki, c);
    expect(ki.isEmpty()).toBe(true);
  });

  it('compacts in jumps to the same result as step by step', () => {
    const ki = fooIndex();
    compactions.forEach((c, i) => {
      if ((i % 2 === 0 && i < 6) || (i % 2 === 1 && i > 6)) checkStep(ki, c);
    });
  });

  it('compacts once from the full history to the same result', () => {
    for (const c of compactions) checkStep(fooIndex(), c);
  });

  it('compacts at a revision after the last modification and keeps that one', () => {
    const ki = new KeyIndex('foo');
    ki.put(1, 0);
    ki.put(2, 0);
    const available = new RevisionSet();
    ki.compact(3, available);
    expect(ki.modified).toEqual(rev(2));
    expect(ki.generations).toEqual([gen(1, 2, [2])]);
    expect(available.sorted()).toEqual([rev(2)]);
  });

  it('is empty only as a single empty generation', () => {
    const ki = new KeyIndex('foo');
    ki.put(1, 0);
    expect(ki.isEmpty()).toBe(false);
    ki.tombstone(2, 0);
    expect(ki.isEmpty()).toBe(false);
    ki.compact(2, new RevisionSet());
    expect(ki.isEmpty()).toBe(true);
  });
});
