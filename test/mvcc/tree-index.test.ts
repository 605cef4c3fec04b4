import { describe, expect, it } from 'vitest';
import { NO_LEASE, RevisionNotFoundError, revisionGreater, type Revision } from '../../src/mvcc/index.ts';
import { KeyIndex } from '../../src/mvcc/key-index.ts';
import { TreeIndex } from '../../src/mvcc/tree-index.ts';

const r = (main: number, sub = 0): Revision => ({ main, sub });

function index(puts: [string, Revision][]): TreeIndex {
  const ti = new TreeIndex();
  for (const [key, rev] of puts) ti.put(key, rev, NO_LEASE);
  return ti;
}

describe('TreeIndex', () => {
  it('gets a key as of a revision, and nothing once tombstoned', () => {
    const ti = new TreeIndex();
    ti.put('foo', r(2), NO_LEASE);
    ti.put('foo', r(4), NO_LEASE);
    ti.tombstone('foo', r(6));
    const cases: [number, number | undefined, number | undefined, number][] = [
      [0, undefined, undefined, 0], [1, undefined, undefined, 0], [2, 2, 2, 1], [3, 2, 2, 1],
      [4, 4, 2, 2], [5, 4, 2, 2], [6, undefined, undefined, 0],
    ];
    for (const [at, mod, created, version] of cases) {
      const got = ti.get('foo', at);
      if (mod === undefined) expect(got).toBeUndefined();
      else expect(got).toEqual({ modified: r(mod), created: r(created!), version });
    }
    expect(ti.get('bar', 5)).toBeUndefined();
  });

  it('ranges a single key, [key, end) and every key from key on', () => {
    const ti = index([['foo', r(1)], ['foo1', r(2)], ['foo2', r(3)]]);
    const cases: [string, string, string[]][] = [
      ['bar', '', []],
      ['foo', '', ['foo']],
      ['foo', 'foo1', ['foo']],
      ['foo', 'foo2', ['foo', 'foo1']],
      ['foo', 'fop', ['foo', 'foo1', 'foo2']],
      ['foo1', 'fop', ['foo1', 'foo2']],
      ['foo2', 'fop', ['foo2']],
      ['foo3', 'fop', []],
      ['foo1', '\0', ['foo1', 'foo2']],
      ['\0', '\0', ['foo', 'foo1', 'foo2']],
      ['fop', 'foo', []],
    ];
    for (const [key, end, keys] of cases) {
      const got = ti.range(key, end, 3);
      expect(got.keys, `${key}..${end}`).toEqual(keys);
      expect(got.revisions).toEqual(keys.map((k) => r({ foo: 1, foo1: 2, foo2: 3 }[k]!)));
    }
  });

  it('limits revisions but counts every key in the range that exists at the revision', () => {
    const ti = index([['a', r(2)], ['b', r(3)], ['c', r(4)], ['d', r(5)]]);
    ti.tombstone('b', r(6));
    expect(ti.revisions('a', 'z', 6, 2)).toEqual({ revisions: [r(2), r(4)], total: 3 });
    expect(ti.revisions('a', 'z', 5, 2)).toEqual({ revisions: [r(2), r(3)], total: 4 });
    expect(ti.revisions('a', 'z', 3, 0)).toEqual({ revisions: [r(2), r(3)], total: 2 });
    expect(ti.countRevisions('a', '\0', 6)).toBe(3);
    expect(ti.countRevisions('b', '', 6)).toBe(0);
  });

  it('refuses to tombstone a key it does not hold or one already deleted', () => {
    const ti = index([['foo', r(1)]]);
    ti.tombstone('foo', r(2));
    expect(ti.get('foo', 2)).toBeUndefined();
    expect(() => ti.tombstone('foo', r(3))).toThrow(RevisionNotFoundError);
    expect(() => ti.tombstone('bar', r(3))).toThrow(RevisionNotFoundError);
  });

  it('lists every revision since a revision in revision order', () => {
    const ti = index([['foo', r(1)], ['foo1', r(2)], ['foo2', r(3)], ['foo2', r(4)], ['foo1', r(5)], ['foo', r(6)]]);
    const cases: [string, string, number[]][] = [
      ['bar', '', []],
      ['foo', '', [1, 6]],
      ['foo', 'foo1', [1, 6]],
      ['foo', 'foo2', [1, 2, 5, 6]],
      ['foo', 'fop', [1, 2, 3, 4, 5, 6]],
      ['foo1', 'fop', [2, 3, 4, 5]],
      ['foo2', 'fop', [3, 4]],
      ['foo3', 'fop', []],
    ];
    for (const [key, end, revs] of cases) expect(ti.rangeSince(key, end, 1), `${key}..${end}`).toEqual(revs.map((m) => r(m)));
  });

  // etcd's TestIndexCompactAndKeep: after compact(i) the index equals one rebuilt from the kept
  // revisions and everything after i; Keep(i) names the same revisions as Compact(i).
  const history: { key: string; remove: boolean; rev: Revision; created: Revision; ver: number }[] = [
    { key: 'foo', remove: false, rev: r(1), created: r(1), ver: 1 },
    { key: 'foo1', remove: false, rev: r(2), created: r(2), ver: 1 },
    { key: 'foo2', remove: false, rev: r(3), created: r(3), ver: 1 },
    { key: 'foo2', remove: false, rev: r(4), created: r(3), ver: 2 },
    { key: 'foo', remove: false, rev: r(5), created: r(1), ver: 2 },
    { key: 'foo1', remove: false, rev: r(6), created: r(2), ver: 2 },
    { key: 'foo1', remove: true, rev: r(7), created: r(0), ver: 0 },
    { key: 'foo2', remove: true, rev: r(8), created: r(0), ver: 0 },
    { key: 'foo', remove: true, rev: r(9), created: r(0), ver: 0 },
    { key: 'foo', remove: false, rev: r(10, 0), created: r(10, 0), ver: 1 },
    { key: 'foo1', remove: false, rev: r(10, 1), created: r(10, 1), ver: 1 },
  ];
  const build = (): TreeIndex => {
    const ti = new TreeIndex();
    for (const h of history) (h.remove ? ti.tombstone(h.key, h.rev) : ti.put(h.key, h.rev, NO_LEASE));
    return ti;
  };
  const expected = (kept: (rev: Revision) => boolean, at: number): TreeIndex => {
    const ti = new TreeIndex();
    for (const h of history) {
      if (!kept(h.rev) && !revisionGreater(h.rev, r(at))) continue;
      if (h.remove) {
        ti.tombstone(h.key, h.rev);
      } else if (ti.keyIndex(h.key) === undefined) {
        const ki = new KeyIndex(h.key);
        ki.restore(h.created, h.rev, h.ver);
        ti.insert(ki);
      } else {
        ti.put(h.key, h.rev, NO_LEASE);
      }
    }
    return ti;
  };
  const dump = (ti: TreeIndex) => [...ti.keyIndexes()].map((ki) => ({ key: ki.key, modified: ki.modified, generations: ki.generations }));

  it('compacts continuously to the index rebuilt from what each compaction kept', () => {
    const ti = build();
    for (let i = 1; i < 20; i++) {
      const keep = ti.keep(i).sorted();
      const available = ti.compact(i);
      expect(available.sorted(), `compact(${i})`).toEqual(keep);
      expect(dump(ti), `index after compact(${i})`).toEqual(dump(expected((rev) => available.has(rev), i)));
    }
  });

  it('compacts once to the same index as continuously', () => {
    for (let i = 1; i < 20; i++) {
      const ti = build();
      const keep = ti.keep(i).sorted();
      const available = ti.compact(i);
      expect(available.sorted()).toEqual(keep);
      expect(dump(ti), `index after compact(${i})`).toEqual(dump(expected((rev) => available.has(rev), i)));
    }
  });

  it('drops a key whose every revision is compacted away', () => {
    const ti = index([['a', r(2)], ['b', r(3)]]);
    ti.tombstone('a', r(4));
    ti.compact(4);
    expect(ti.size).toBe(1);
    expect(ti.keyIndex('a')).toBeUndefined();
  });

  it('orders keys bytewise, 0x00 to 0xff', () => {
    const keys = ['\xff', 'a', '\x00', '\x7f\x80', '\x80', 'ab', '\x00\x00'];
    const ti = index(keys.map((k, i) => [k, r(i + 1)]));
    expect(ti.range('\0', '\0', 10).keys).toEqual(['\x00', '\x00\x00', 'a', 'ab', '\x7f\x80', '\x80', '\xff']);
  });
});
