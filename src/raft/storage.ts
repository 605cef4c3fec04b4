import { CompactedError, RaftInvariantError, SnapOutOfDateError, UnavailableError } from './errors.ts';
import { limitSize, type ConfState, type Entry, type HardState, type Snapshot } from './messages.ts';

/**
 * What Raft reads back from the application's durable state (etcd's Storage interface). Raft
 * never writes it: the application persists each Ready's `hardState`, `entries` and `snapshot`
 * before calling `advance`. Errors are the typed ones below, never `undefined` returns.
 *
 * The log held is (snapshot index, lastIndex]; `term(firstIndex() - 1)` still answers (the term
 * of the last compacted entry), as etcd's MemoryStorage keeps a dummy entry for it.
 */
export interface Storage {
  /** The saved HardState and the ConfState of the latest snapshot (or of the initial cluster). */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries [lo, hi), at most `maxSize` total data size but always at least one if any are in
   * range. Throws CompactedError if lo <= the compacted index, UnavailableError if hi > lastIndex + 1.
   */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  /**
   * The term of entry i, for i in [firstIndex() - 1, lastIndex()]. Throws CompactedError below that,
   * UnavailableError above.
   */
  term(i: number): number;
  /** The index of the first entry still held (snapshot index + 1). */
  firstIndex(): number;
  /** The index of the last entry held (the snapshot index if none). */
  lastIndex(): number;
  /** The latest snapshot; SnapshotTemporarilyUnavailableError if it is being made. */
  snapshot(): Snapshot;
}

/**
 * Storage plus the writes a host makes (etcd's MemoryStorage API). The Durable Object's SQLite
 * storage implements the same and runs the storage contract suite (test/raft/storage-contract.ts).
 */
export interface WritableStorage extends Storage {
  setHardState(hs: HardState): void;
  /** Appends entries, truncating any held entries at or after the first new index. */
  append(entries: readonly Entry[]): void;
  /** Replaces everything by the snapshot (a follower installing the leader's snapshot). */
  applySnapshot(snap: Snapshot): void;
  /** Records a snapshot of the applied state at index i (i ≤ lastIndex) and returns it. */
  createSnapshot(i: number, cs: ConfState | undefined, data: string): Snapshot;
  /** Drops entries before compactIndex; compactIndex becomes the dummy entry. */
  compact(compactIndex: number): void;
}

/** Entries and state in memory: the test "disk", and a reference for real storages. */
export class MemoryStorage implements WritableStorage {
  private hardState: HardState = { term: 0, vote: '', commit: 0 };
  private snap: Snapshot = {
    metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
    data: '',
  };
  /** ents[0] is a dummy entry at the snapshot's index and term. */
  private ents: Entry[] = [{ term: 0, index: 0, type: 'normal', data: '' }];

  /** An empty log; `confState` is the initial configuration (as etcd's tests seed a MemoryStorage). */
  constructor(confState?: ConfState) {
    if (confState !== undefined) this.snap.metadata.confState = cloneConfState(confState);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: cloneConfState(this.snap.metadata.confState) };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  private get offset(): number {
    return (this.ents[0] as Entry).index;
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const offset = this.offset;
    if (lo <= offset) throw new CompactedError();
    if (hi > this.lastIndex() + 1) throw new UnavailableError(`entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    if (this.ents.length === 1) throw new UnavailableError(); // only the dummy entry
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(i: number): number {
    const offset = this.offset;
    if (i < offset) throw new CompactedError();
    const e = this.ents[i - offset];
    if (e === undefined) throw new UnavailableError();
    return e.term;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  applySnapshot(snap: Snapshot): void {
    if (this.snap.metadata.index >= snap.metadata.index) throw new SnapOutOfDateError();
    this.snap = cloneSnapshot(snap);
    this.ents = [{ term: snap.metadata.term, index: snap.metadata.index, type: 'normal', data: '' }];
  }

  createSnapshot(i: number, cs: ConfState | undefined, data: string): Snapshot {
    if (i <= this.snap.metadata.index) throw new SnapOutOfDateError();
    if (i > this.lastIndex()) throw new RaftInvariantError(`snapshot ${i} is out of bound lastindex(${this.lastIndex()})`);
    const term = (this.ents[i - this.offset] as Entry).term;
    const confState = cs === undefined ? this.snap.metadata.confState : cloneConfState(cs);
    this.snap = { metadata: { index: i, term, confState }, data };
    return this.snap;
  }

  compact(compactIndex: number): void {
    const offset = this.offset;
    if (compactIndex <= offset) throw new CompactedError();
    if (compactIndex > this.lastIndex()) {
      throw new RaftInvariantError(`compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    }
    const head = this.ents[compactIndex - offset] as Entry;
    this.ents = [{ term: head.term, index: head.index, type: 'normal', data: '' }, ...this.ents.slice(compactIndex - offset + 1)];
  }

  append(entries: readonly Entry[]): void {
    const firstNew = entries[0];
    if (firstNew === undefined) return;
    const first = this.firstIndex();
    const last = firstNew.index + entries.length - 1;
    if (last < first) return; // all already compacted
    // Drop the new entries that are already compacted away.
    const fresh = first > firstNew.index ? entries.slice(first - firstNew.index) : entries;
    const start = (fresh[0] as Entry).index;
    const offset = start - this.offset;
    if (offset > this.ents.length) {
      throw new RaftInvariantError(`missing log entry [last: ${this.lastIndex()}, append at: ${start}]`);
    }
    this.ents.length = offset; // truncate any conflicting suffix
    for (const e of fresh) this.ents.push({ ...e });
  }
}

export function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}

function cloneSnapshot(s: Snapshot): Snapshot {
  return { metadata: { ...s.metadata, confState: cloneConfState(s.metadata.confState) }, data: s.data };
}
