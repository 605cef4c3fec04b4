/**
 * The interval tree etcd 3.4 checks key permissions with (pkg/adt/interval_tree.go): a red-black
 * tree (Cormen et al., 3rd ed., chapter 13) keyed by each interval's begin and augmented with the
 * largest end below each node (chapter 14.3), over etcd's "bytes affine" endpoints.
 *
 * Why a tree and not a scan of the intervals: for well-formed intervals and queries a scan gives
 * the same answers, but etcd's searches prune by the tree's shape, and for a query whose end lies
 * before its begin (a range request `[c, a)`, which clients can send) the pruning decides the
 * answer. Built the same way (the same insertions, in the same order, with the textbook fix-up),
 * the tree has the same shape, so even those answers are etcd's.
 */

/**
 * An endpoint: a byte string, where the empty string stands above every other (etcd's
 * `BytesAffineComparable`: an empty end is "to infinity", e.g. a permission ending in "\0").
 */
export type Endpoint = string;

export interface Interval {
  begin: Endpoint;
  end: Endpoint;
}

export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  if (a === '') return b === '' ? 0 : 1;
  if (b === '') return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `[key, key + "\0")`: the one key (etcd's `NewBytesAffinePoint`). */
export function pointInterval(key: string): Interval {
  return { begin: key, end: `${key}\0` };
}

/**
 * etcd's `Interval.Compare`: -1 when `a` lies wholly before `b` (it begins before b and ends at or
 * before b's begin), 1 when it begins at or after b's end, 0 otherwise (they overlap).
 */
export function compareIntervals(a: Interval, b: Interval): number {
  if (compareEndpoints(a.begin, b.begin) < 0 && compareEndpoints(a.end, b.begin) <= 0) return -1;
  if (compareEndpoints(a.begin, b.end) >= 0) return 1;
  return 0;
}

interface Node {
  interval: Interval;
  /** The largest end in this node's subtree. */
  max: Endpoint;
  left: Node;
  right: Node;
  parent: Node;
  red: boolean;
}

export class IntervalTree {
  /** The sentinel (CLRS's T.nil): black, its links unused. */
  private readonly nil: Node;
  private root: Node;
  private count = 0;

  constructor() {
    const nil = { interval: { begin: '', end: '' }, max: '', red: false } as Node;
    nil.left = nil;
    nil.right = nil;
    nil.parent = nil;
    this.nil = nil;
    this.root = nil;
  }

  get size(): number {
    return this.count;
  }

  insert(interval: Interval): void {
    const z: Node = { interval, max: interval.end, left: this.nil, right: this.nil, parent: this.nil, red: true };
    let parent = this.nil;
    for (let x = this.root; x !== this.nil; x = this.goesLeft(z, x) ? x.left : x.right) parent = x;
    z.parent = parent;
    if (parent === this.nil) this.root = z;
    else if (this.goesLeft(z, parent)) parent.left = z;
    else parent.right = z;
    this.refreshMax(parent);
    this.fixUpAfterInsert(z);
    this.count++;
  }

  /** etcd's `Intersects`: a walk down one path, steered by the left subtree's largest end. */
  intersects(query: Interval): boolean {
    let x = this.root;
    while (x !== this.nil && compareIntervals(query, x.interval) !== 0) {
      x = x.left !== this.nil && compareEndpoints(x.left.max, query.begin) > 0 ? x.left : x.right;
    }
    return x !== this.nil;
  }

  /**
   * etcd's `Contains`: whether the intervals the search visits for `query`, in begin order, join
   * up without a gap and reach from its begin to its end.
   */
  contains(query: Interval): boolean {
    let minBegin: Endpoint | undefined;
    let maxEnd: Endpoint = '';
    let contiguous = true;
    this.visit(this.root, query, (interval) => {
      if (minBegin === undefined) {
        minBegin = interval.begin;
        maxEnd = interval.end;
        return true;
      }
      if (compareEndpoints(maxEnd, interval.begin) < 0) {
        contiguous = false;
        return false;
      }
      if (compareEndpoints(interval.end, maxEnd) > 0) maxEnd = interval.end;
      return true;
    });
    return contiguous && minBegin !== undefined && compareEndpoints(maxEnd, query.end) >= 0 && compareEndpoints(minBegin, query.begin) <= 0;
  }

  /** In-order over the nodes the query overlaps, pruning as etcd's `visit` prunes; false stops it. */
  private visit(x: Node, query: Interval, each: (interval: Interval) => boolean): boolean {
    if (x === this.nil) return true;
    const side = compareIntervals(query, x.interval);
    if (side < 0) return this.visit(x.left, query, each);
    if (side > 0) {
      // Only a subtree whose span [begin, max) overlaps the query can hold an overlap.
      if (compareIntervals({ begin: x.interval.begin, end: x.max }, query) !== 0) return true;
      return this.visit(x.left, query, each) && this.visit(x.right, query, each);
    }
    return this.visit(x.left, query, each) && each(x.interval) && this.visit(x.right, query, each);
  }

  private goesLeft(z: Node, x: Node): boolean {
    return compareEndpoints(z.interval.begin, x.interval.begin) < 0;
  }

  /** Recomputes the largest end from `x` up to the root. */
  private refreshMax(x: Node): void {
    for (let node = x; node !== this.nil; node = node.parent) {
      let max = node.interval.end;
      if (node.left !== this.nil && compareEndpoints(node.left.max, max) > 0) max = node.left.max;
      if (node.right !== this.nil && compareEndpoints(node.right.max, max) > 0) max = node.right.max;
      node.max = max;
    }
  }

  /** RB-INSERT-FIXUP (CLRS 13.3). */
  private fixUpAfterInsert(inserted: Node): void {
    let z = inserted;
    while (z.parent.red) {
      const parent = z.parent;
      const grandparent = parent.parent;
      const parentIsLeft = parent === grandparent.left;
      const uncle = parentIsLeft ? grandparent.right : grandparent.left;
      if (uncle.red) {
        uncle.red = false;
        parent.red = false;
        grandparent.red = true;
        z = grandparent;
        continue;
      }
      if (parentIsLeft) {
        if (z === parent.right) {
          z = parent;
          this.rotateLeft(z);
        }
        z.parent.red = false;
        z.parent.parent.red = true;
        this.rotateRight(z.parent.parent);
      } else {
        if (z === parent.left) {
          z = parent;
          this.rotateRight(z);
        }
        z.parent.red = false;
        z.parent.parent.red = true;
        this.rotateLeft(z.parent.parent);
      }
    }
    this.root.red = false;
  }

  /** LEFT-ROTATE (CLRS 13.2): `x`'s right child takes its place. */
  private rotateLeft(x: Node): void {
    const y = x.right;
    if (y === this.nil) return;
    x.right = y.left;
    if (y.left !== this.nil) y.left.parent = x;
    this.replaceChild(x, y);
    y.left = x;
    x.parent = y;
    this.refreshMax(x);
  }

  /** RIGHT-ROTATE: `x`'s left child takes its place. */
  private rotateRight(x: Node): void {
    const y = x.left;
    if (y === this.nil) return;
    x.left = y.right;
    if (y.right !== this.nil) y.right.parent = x;
    this.replaceChild(x, y);
    y.right = x;
    x.parent = y;
    this.refreshMax(x);
  }

  private replaceChild(x: Node, y: Node): void {
    y.parent = x.parent;
    if (x.parent === this.nil) this.root = y;
    else if (x === x.parent.left) x.parent.left = y;
    else x.parent.right = y;
  }
}
