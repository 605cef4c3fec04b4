import { RevisionNotFoundError } from './errors.ts';
import { KeyIndex, type KeyAt } from './key-index.ts';
import { isFromKey, isSingleKey } from './key-range.ts';
import type { Bytes, LeaseId } from './kv.ts';
import { newOrderedMap, type OrderedMap } from './ordered-map.ts';
import { compareRevisions, type Revision } from './revision.ts';
import { RevisionSet } from './revision-set.ts';

/** `TreeIndex.revisions`: the first `limit` keys' revisions and how many keys matched in all. */
export interface RevisionsResult {
  revisions: Revision[];
  total: number;
}

/**
 * etcd's `treeIndex` (mvcc/index.go): every key's `KeyIndex` in key order, in memory. It holds
 * revisions only; values stay in the backend and are fetched by revision.
 *
 * Ranges take the wire form of a range end (see key-range.ts): '' for the key alone, '\0' for
 * every key >= key, otherwise [key, end).
 */
export class TreeIndex {
  private tree: OrderedMap<KeyIndex> = newOrderedMap<KeyIndex>();

  /** Number of keys indexed (live or with revisions still held). */
  get size(): number {
    return this.tree.size;
  }

  /** Forgets every key (a restore rebuilds the index from the backend). */
  clear(): void {
    this.tree = newOrderedMap<KeyIndex>();
  }

  /** Records a put of `key` at `rev`, attached to `lease` (NO_LEASE for none). */
  put(key: Bytes, rev: Revision, lease: LeaseId): void {
    let ki = this.tree.get(key);
    if (ki === undefined) {
      ki = new KeyIndex(key);
      this.tree.set(key, ki);
    }
    ki.put(rev.main, rev.sub);
    ki.lease = lease;
  }

  /** Records a delete of `key` at `rev`; throws `RevisionNotFoundError` if the key is not live. */
  tombstone(key: Bytes, rev: Revision): void {
    const ki = this.tree.get(key);
    if (ki === undefined) throw new RevisionNotFoundError();
    ki.tombstone(rev.main, rev.sub);
  }

  /** The key as of `atRev`, or undefined if it did not exist then. */
  get(key: Bytes, atRev: number): KeyAt | undefined {
    return this.tree.get(key)?.get(atRev);
  }

  keyIndex(key: Bytes): KeyIndex | undefined {
    return this.tree.get(key);
  }

  /** Adds a key index built elsewhere (restore). */
  insert(ki: KeyIndex): void {
    this.tree.set(ki.key, ki);
  }

  /** The keys that exist at `atRev` in the range, with their revisions (etcd's `Range`). */
  range(key: Bytes, end: Bytes, atRev: number): { keys: Bytes[]; revisions: Revision[] } {
    const keys: Bytes[] = [];
    const revisions: Revision[] = [];
    this.visit(key, end, (ki) => {
      const at = ki.get(atRev);
      if (at === undefined) return;
      keys.push(ki.key);
      revisions.push(at.modified);
    });
    return { keys, revisions };
  }

  /**
   * The revisions of the first `limit` keys (0: all) that exist at `atRev`, and the number of
   * such keys in the whole range (etcd 3.5's `Revisions(key, end, atRev, limit)`; 3.4 lists all
   * and cuts afterwards: same answer, fewer arrays).
   */
  revisions(key: Bytes, end: Bytes, atRev: number, limit = 0): RevisionsResult {
    const revisions: Revision[] = [];
    let total = 0;
    this.visit(key, end, (ki) => {
      const at = ki.get(atRev);
      if (at === undefined) return;
      if (limit <= 0 || revisions.length < limit) revisions.push(at.modified);
      total++;
    });
    return { revisions, total };
  }

  /** How many keys of the range exist at `atRev` (etcd 3.5's `CountRevisions`). */
  countRevisions(key: Bytes, end: Bytes, atRev: number): number {
    let total = 0;
    this.visit(key, end, (ki) => {
      if (ki.get(atRev) !== undefined) total++;
    });
    return total;
  }

  /**
   * Every revision of the range at or after main revision `rev`, in revision order; of several
   * changes to one key in one main revision only the last (etcd's `RangeSince`).
   */
  rangeSince(key: Bytes, end: Bytes, rev: number): Revision[] {
    if (isSingleKey(end)) return this.tree.get(key)?.since(rev) ?? [];
    const revs: Revision[] = [];
    this.visit(key, end, (ki) => {
      for (const r of ki.since(rev)) revs.push(r);
    });
    return revs.sort(compareRevisions);
  }

  /**
   * Compacts every key index at `rev`, drops the ones left empty, and returns the revisions at or
   * below `rev` that are still needed: the backend may delete every other row up to `rev`.
   */
  compact(rev: number): RevisionSet {
    const available = new RevisionSet();
    if (this.tree.size === 0) return available;
    this.tree.editAll((_key, ki) => {
      ki.compact(rev, available);
      return ki.isEmpty() ? { delete: true } : undefined;
    });
    return available;
  }

  /** The revisions at or below `rev` that `compact(rev)` would keep (etcd's `Keep`). */
  keep(rev: number): RevisionSet {
    const available = new RevisionSet();
    this.tree.forEachPair((_key, ki) => {
      ki.keep(rev, available);
    });
    return available;
  }

  /** Every key index in key order (restore checks, tests). */
  *keyIndexes(): IterableIterator<KeyIndex> {
    for (const [, ki] of this.tree.entries()) yield ki;
  }

  private visit(key: Bytes, end: Bytes, f: (ki: KeyIndex) => void): void {
    if (isSingleKey(end)) {
      const ki = this.tree.get(key);
      if (ki !== undefined) f(ki);
      return;
    }
    if (isFromKey(end)) {
      const max = this.tree.maxKey();
      if (max === undefined || max < key) return;
      this.tree.forRange(key, max, true, (_k, ki) => f(ki));
      return;
    }
    if (end <= key) return;
    this.tree.forRange(key, end, false, (_k, ki) => f(ki));
  }
}
