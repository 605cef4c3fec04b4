import { RevisionNotFoundError } from './errors.ts';
import { NO_LEASE, type Bytes, type LeaseId } from './kv.ts';
import { revisionGreater, ZERO_REVISION, type Revision } from './revision.ts';
import type { RevisionSet } from './revision-set.ts';

/**
 * One life of a key: from its creation to its deletion (etcd's `generation`, mvcc/key_index.go).
 * `revs` ascend; in every generation but a key's last, the final rev is the tombstone.
 */
export interface Generation {
  /** Versions so far in this life (a compacted generation keeps counting from here). */
  ver: number;
  /** The revision that created the key in this life. */
  created: Revision;
  revs: Revision[];
}

/** The revs of a generation not yet started: shared, never pushed to (`put` replaces it). */
const EMPTY_REVS: Revision[] = [];

/** Up to this many revs a generation's array is copied at its size on put; beyond, it grows. */
const EXACT_REVS = 8;

const isEmptyGeneration = (g: Generation | undefined): boolean => g === undefined || g.revs.length === 0;

/**
 * Walks `g.revs` from newest to oldest and returns the position of the first rev for which
 * `keepWalking` is false, or -1 (etcd's `generation.walk`).
 */
function walkDown(g: Generation, keepWalking: (rev: Revision) => boolean): number {
  for (let i = g.revs.length - 1; i >= 0; i--) if (!keepWalking(g.revs[i]!)) return i;
  return -1;
}

/** What `KeyIndex.get` answers: the key as of a revision. */
export interface KeyAt {
  modified: Revision;
  created: Revision;
  version: number;
}

/**
 * etcd's `keyIndex`: every revision of one key that the backend still holds, as generations.
 * put(1.0); put(2.0); tombstone(3.0); put(4.0); tombstone(5.0) gives
 *   {1.0, 2.0, 3.0(t)} {4.0, 5.0(t)} {}
 * and compaction drops what no read at or after the compacted revision can reach.
 *
 * `lease` is not etcd's: it is the lease attached to the key's live version, which etcd asks the
 * lessor for (`le.GetLease`) when a put or delete must detach it. Keeping it here spares the
 * lessor a key → lease map and the backend a read per overwrite.
 */
export class KeyIndex {
  modified: Revision = ZERO_REVISION;
  generations: Generation[] = [];
  lease: LeaseId = NO_LEASE;

  constructor(readonly key: Bytes) {}

  /** Records a new version at (main, sub), which must be after every revision recorded so far. */
  put(main: number, sub: number): void {
    const rev = { main, sub };
    if (!revisionGreater(rev, this.modified)) {
      throw new Error(`key index: put at ${main}.${sub}, not after ${this.modified.main}.${this.modified.sub}`);
    }
    // Arrays are built at their size while small: V8 gives a growing array room for 16 more
    // elements, which made that the bulk of a key's heap cost.
    if (this.generations.length === 0) this.generations = [{ ver: 0, created: ZERO_REVISION, revs: EMPTY_REVS }];
    const g = this.generations[this.generations.length - 1]!;
    if (g.revs.length === 0) {
      g.created = rev;
      g.revs = [rev];
    } else if (g.revs.length < EXACT_REVS) {
      g.revs = g.revs.concat([rev]);
    } else {
      g.revs.push(rev);
    }
    g.ver++;
    this.modified = rev;
  }

  /**
   * Starts the index from a backend row met first on restore (etcd's `keyIndex.restore`): the
   * row's create revision and version stand for the compacted revisions before it.
   */
  restore(created: Revision, modified: Revision, version: number): void {
    if (this.generations.length !== 0) throw new Error('key index: restore into a non-empty key index');
    this.modified = modified;
    this.generations = [{ ver: version, created, revs: [modified] }];
  }

  /**
   * Ends the key's current life at (main, sub) and opens an empty generation. Throws
   * `RevisionNotFoundError` if the key is already deleted.
   */
  tombstone(main: number, sub: number): void {
    if (this.isEmpty()) throw new Error(`key index: tombstone on an empty key index`);
    if (isEmptyGeneration(this.generations[this.generations.length - 1])) throw new RevisionNotFoundError();
    this.put(main, sub);
    // A key has few generations (compaction drops old ones): copying keeps the array exact.
    this.generations = this.generations.concat([{ ver: 0, created: ZERO_REVISION, revs: EMPTY_REVS }]);
    this.lease = NO_LEASE;
  }

  /** The key as of `atRev`, or undefined if it did not exist then (etcd's `keyIndex.get`). */
  get(atRev: number): KeyAt | undefined {
    if (this.isEmpty()) throw new Error('key index: get on an empty key index');
    const g = this.findGeneration(atRev);
    if (g === undefined || g.revs.length === 0) return undefined;
    const n = walkDown(g, (rev) => rev.main > atRev);
    if (n === -1) return undefined;
    return { modified: g.revs[n]!, created: g.created, version: g.ver - (g.revs.length - n - 1) };
  }

  /**
   * The revisions at or after main revision `rev`, oldest first; of several changes in one main
   * revision only the last is returned (the others are invisible outside the txn).
   */
  since(rev: number): Revision[] {
    if (this.isEmpty()) throw new Error('key index: since on an empty key index');
    const since = { main: rev, sub: 0 };
    let gi = this.generations.length - 1;
    for (; gi > 0; gi--) {
      const g = this.generations[gi]!;
      if (g.revs.length === 0) continue;
      if (revisionGreater(since, g.created)) break;
    }
    const revs: Revision[] = [];
    let last = 0;
    for (; gi < this.generations.length; gi++) {
      for (const r of this.generations[gi]!.revs) {
        if (revisionGreater(since, r)) continue;
        if (r.main === last) {
          revs[revs.length - 1] = r;
          continue;
        }
        revs.push(r);
        last = r.main;
      }
    }
    return revs;
  }

  /**
   * Drops the revisions at or below `atRev` except the newest (and that one too if it is a
   * tombstone), and the generations left empty; adds the revisions kept at or below `atRev` to
   * `available` (etcd's `keyIndex.compact`). An index left empty must be removed by the caller.
   */
  compact(atRev: number, available: RevisionSet): void {
    if (this.isEmpty()) throw new Error('key index: compact on an empty key index');
    let [genIdx, revIndex] = this.doCompact(atRev, available);
    const g = this.generations[genIdx]!;
    if (g.revs.length > 0) {
      if (revIndex !== -1) g.revs = g.revs.slice(revIndex);
      // The one revision left of a finished generation is its tombstone: nothing to read there.
      if (g.revs.length === 1 && genIdx !== this.generations.length - 1) {
        available.delete(g.revs[0]!);
        genIdx++;
      }
    }
    if (genIdx > 0) this.generations = this.generations.slice(genIdx);
  }

  /** Adds to `available` what `compact(atRev)` would keep, changing nothing (etcd's `keep`). */
  keep(atRev: number, available: RevisionSet): void {
    if (this.isEmpty()) return;
    const [genIdx, revIndex] = this.doCompact(atRev, available);
    const g = this.generations[genIdx]!;
    if (g.revs.length > 0 && revIndex === g.revs.length - 1 && genIdx !== this.generations.length - 1) {
      available.delete(g.revs[revIndex]!);
    }
  }

  /** The generation holding `atRev` and the position of the newest rev in it at or below `atRev`. */
  private doCompact(atRev: number, available: RevisionSet): [number, number] {
    let genIdx = 0;
    let g = this.generations[0]!;
    while (genIdx < this.generations.length - 1) {
      if (g.revs[g.revs.length - 1]!.main > atRev) break;
      genIdx++;
      g = this.generations[genIdx]!;
    }
    const revIndex = walkDown(g, (rev) => {
      if (rev.main <= atRev) {
        available.add(rev);
        return false;
      }
      return true;
    });
    return [genIdx, revIndex];
  }

  isEmpty(): boolean {
    return this.generations.length === 1 && this.generations[0]!.revs.length === 0;
  }

  /**
   * The generation `rev` falls in, or undefined when the key did not exist at `rev` (between a
   * tombstone and the next creation, or before the first).
   */
  private findGeneration(rev: number): Generation | undefined {
    const last = this.generations.length - 1;
    for (let cg = last; cg >= 0; cg--) {
      const g = this.generations[cg]!;
      if (g.revs.length === 0) continue;
      if (cg !== last && g.revs[g.revs.length - 1]!.main <= rev) return undefined;
      if (g.revs[0]!.main <= rev) return g;
    }
    return undefined;
  }
}
