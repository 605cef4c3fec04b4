import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareIntervals, IntervalTree, pointInterval, type Interval } from '../../src/auth/index.ts';

/**
 * The interval tree key permissions are checked with (src/auth/v3/interval-tree.ts, after etcd's
 * pkg/adt). For well-formed intervals its answers are those of a plain scan, which these tests
 * check against; for an inverted query the answer depends on the tree's shape, as in etcd, which
 * the differential fuzz checks against the real thing (it grants and asks inverted ranges).
 */

const LETTERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
const key = fc.array(fc.constantFrom(...LETTERS), { minLength: 1, maxLength: 3 }).map((cs) => cs.join(''));
/** A well-formed interval: begin below end, or to infinity ('' as the end). */
const interval = fc.tuple(key, key, fc.boolean()).map(([a, b, open]): Interval => {
  if (open) return { begin: a, end: '' };
  if (a === b) return pointInterval(a);
  return a < b ? { begin: a, end: b } : { begin: b, end: a };
});

function scanIntersects(intervals: Interval[], query: Interval): boolean {
  return intervals.some((i) => compareIntervals(query, i) === 0);
}

/** Whether the intervals cover every key of `query` (a sweep over them in begin order). */
function scanContains(intervals: Interval[], query: Interval): boolean {
  const end = (e: string): string => (e === '' ? '\uffff\uffff\uffff\uffff' : e);
  let reach = query.begin;
  for (const i of [...intervals].sort((x, y) => (x.begin < y.begin ? -1 : x.begin > y.begin ? 1 : 0))) {
    if (i.begin > reach) break;
    if (end(i.end) > reach) reach = end(i.end);
    if (reach >= end(query.end)) return true;
  }
  return reach >= end(query.end);
}

describe('the permission interval tree', () => {
  it('answers a point query as a scan of the intervals does', () => {
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 24 }), key, (intervals, k) => {
        const tree = new IntervalTree();
        for (const i of intervals) tree.insert(i);
        expect(tree.intersects(pointInterval(k))).toBe(scanIntersects(intervals, pointInterval(k)));
      }),
      { numRuns: 500 },
    );
  });

  it('says a range is covered exactly when the intervals together cover it without a gap', () => {
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 24 }), interval, (intervals, query) => {
        const tree = new IntervalTree();
        for (const i of intervals) tree.insert(i);
        expect(tree.contains(query)).toBe(scanContains(intervals, query));
      }),
      { numRuns: 500 },
    );
  });

  it('treats an empty end as infinity: a from-key interval covers every key above its begin', () => {
    const tree = new IntervalTree();
    tree.insert({ begin: 'm', end: '' });
    expect(tree.contains({ begin: 'm', end: '' })).toBe(true);
    expect(tree.contains({ begin: 'x', end: 'z' })).toBe(true);
    expect(tree.contains({ begin: 'l', end: '' })).toBe(false);
    expect(tree.intersects(pointInterval('\u00ff'))).toBe(true);
  });

  it('needs contiguous cover: two prefixes with a gap between them do not cover the span', () => {
    const tree = new IntervalTree();
    tree.insert({ begin: 'a/', end: 'a0' });
    tree.insert({ begin: 'c/', end: 'c0' });
    expect(tree.contains({ begin: 'a/', end: 'a0' })).toBe(true);
    expect(tree.contains({ begin: 'a/', end: 'c0' })).toBe(false);
    tree.insert({ begin: 'a0', end: 'c/' });
    expect(tree.contains({ begin: 'a/', end: 'c0' })).toBe(true);
  });

  it("answers an inverted query by the tree's shape, as etcd's visit prunes it", () => {
    // Sorted inserts a..e make a tree rooted at b: [a] [b] [c [d [e]]] after the fix-ups. The
    // query [d, a) ends before it begins; etcd visits b, finds it wholly left of d, and prunes b's
    // subtree by its span [b, max): that span begins at or after the query's end (a), so nothing
    // is visited, and nothing is contained, though a scan finds [d, d\0) holding d.
    const tree = new IntervalTree();
    for (const k of ['a', 'b', 'c', 'd', 'e']) tree.insert(pointInterval(k));
    const inverted = { begin: 'd', end: 'a' };
    expect(scanIntersects(['a', 'b', 'c', 'd', 'e'].map(pointInterval), inverted)).toBe(true);
    expect(tree.contains(inverted)).toBe(false);
    // A query inverted over the root itself is visited there.
    expect(tree.contains({ begin: 'b', end: 'a' })).toBe(true);
    expect(tree.contains({ begin: 'e', end: 'c' })).toBe(false);
    // What etcd 3.4.23 answers a user holding exactly these five keys: range [d, a) and [e, c)
    // permission denied, [b, a) allowed (asked of the oracle by hand; the fuzz asks such too).
  });
});
