import { CompactedError, RaftInvariantError, UnavailableError } from './errors.ts';
import { Unstable } from './log-unstable.ts';
import { limitSize, type Entry, type Snapshot } from './messages.ts';
import type { Storage } from './storage.ts';

/**
 * A node's view of the log (etcd's raftLog): the durable part in Storage, the not-yet-durable
 * suffix in Unstable, and the commit/applied cursors. Invariant: applied ≤ committed ≤ lastIndex.
 */
export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known to be stored on a quorum (paper Figure 2, commitIndex). */
  committed: number;
  /** Highest index the application has been handed to apply (lastApplied). */
  applied: number;

  constructor(
    readonly storage: Storage,
    /** Cap on the total size of committed entries handed out per Ready. */
    private readonly maxNextEntsSize: number = Number.MAX_SAFE_INTEGER,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  toString(): string {
    return `committed=${this.committed}, applied=${this.applied}, unstable.offset=${this.unstable.offset}, len(unstable.entries)=${this.unstable.entries.length}`;
  }

  /**
   * Appends a leader's entries after (index, logTerm) if that entry matches (paper §5.3, the
   * AppendEntries consistency check), truncating at the first conflict. Returns the last new
   * index, or undefined on a mismatch.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new RaftInvariantError(`entry ${ci} conflict with committed entry [committed(${this.committed})]`);
      }
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    const first = ents[0];
    if (first === undefined) return this.lastIndex();
    if (first.index - 1 < this.committed) {
      throw new RaftInvariantError(`after(${first.index - 1}) is out of range [committed(${this.committed})]`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The index of the first entry in ents that is new or conflicts with the log (a different term
   * at the same index), or 0 if all are already present.
   */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ index whose term is ≤ term (or 0): where a rejecting follower tells the
   * leader to look next, skipping a whole term per round trip (paper §5.3, the optimisation at the
   * end; etcd's findConflictByTerm).
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (; i > 0; i--) {
      const t = this.termOrUndefined(i);
      if (t === undefined || t <= term) return i;
    }
    return 0;
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.length === 0 ? [] : [...this.unstable.entries];
  }

  /** Committed entries not yet handed to the application, up to maxNextEntsSize. */
  nextEnts(): Entry[] {
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > off) return this.slice(off, this.committed + 1, this.maxNextEntsSize);
    return [];
  }

  hasNextEnts(): boolean {
    return this.committed + 1 > Math.max(this.applied + 1, this.firstIndex());
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined && this.unstable.snapshot.metadata.index > 0;
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  commitTo(toCommit: number): void {
    // Never decrease the commit index.
    if (this.committed < toCommit) {
      if (this.lastIndex() < toCommit) {
        throw new RaftInvariantError(`tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]`);
      }
      this.committed = toCommit;
    }
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new RaftInvariantError(`applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  lastTerm(): number {
    return this.termOrZero(this.lastIndex());
  }

  /**
   * The term of entry i: 0 outside [firstIndex - 1, lastIndex], CompactedError if storage
   * compacted it meanwhile.
   */
  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return 0;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    return this.storage.term(i);
  }

  /** term(i), with 0 for a compacted or unavailable entry (etcd's zeroTermOnErrCompacted). */
  termOrZero(i: number): number {
    return this.termOrUndefined(i) ?? 0;
  }

  private termOrUndefined(i: number): number | undefined {
    try {
      return this.term(i);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) return undefined;
      throw e;
    }
  }

  /** Entries from i on, at most maxSize; [] if i is past the end. Throws CompactedError. */
  entries(i: number, maxSize: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  allEntries(): Entry[] {
    for (;;) {
      try {
        return this.entries(this.firstIndex(), Number.MAX_SAFE_INTEGER);
      } catch (e) {
        if (!(e instanceof CompactedError)) throw e; // compacted meanwhile: try again
      }
    }
  }

  /**
   * Whether a candidate's log (lastIndex i, lastTerm term) is at least as up-to-date as ours
   * (paper §5.4.1: later last term wins; same term, longer log wins).
   */
  isUpToDate(i: number, term: number): boolean {
    const lastTerm = this.lastTerm();
    return term > lastTerm || (term === lastTerm && i >= this.lastIndex());
  }

  matchTerm(i: number, term: number): boolean {
    const t = this.termOrUndefined(i);
    return t !== undefined && t === term;
  }

  /** Commits maxIndex if it is of term `term` (paper §5.4.2: count replicas only in the current term). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries [lo, hi) from storage and unstable, at most maxSize (at least one). */
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    this.mustCheckOutOfBounds(lo, hi);
    if (lo === hi) return [];
    let ents: Entry[] = [];
    const uOffset = this.unstable.offset;
    if (lo < uOffset) {
      const stored = this.storage.entries(lo, Math.min(hi, uOffset), maxSize);
      // Storage returned fewer entries than asked: its size limit cut them.
      if (stored.length < Math.min(hi, uOffset) - lo) return stored;
      ents = stored;
    }
    if (hi > uOffset) {
      const unstable = this.unstable.slice(Math.max(lo, uOffset), hi);
      ents = ents.length > 0 ? [...ents, ...unstable] : unstable;
    }
    return limitSize(ents, maxSize);
  }

  private mustCheckOutOfBounds(lo: number, hi: number): void {
    if (lo > hi) throw new RaftInvariantError(`invalid slice ${lo} > ${hi}`);
    const fi = this.firstIndex();
    if (lo < fi) throw new CompactedError();
    const length = this.lastIndex() + 1 - fi;
    if (hi > fi + length) throw new RaftInvariantError(`slice[${lo},${hi}) out of bound [${fi},${this.lastIndex()}]`);
  }
}
