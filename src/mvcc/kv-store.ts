import type { Backend } from './backend.ts';
import { CompactedError, FutureRevError } from './errors.ts';
import { hashByRev, type HashResult } from './hash.ts';
import { FROM_KEY } from './key-range.ts';
import { CompactionJob, DEFAULT_COMPACTION_BATCH_LIMIT } from './kv-store-compaction.ts';
import { restoreIndex } from './kv-store-restore.ts';
import {
  fetchKeyValues,
  StoreTxnRead,
  StoreTxnWrite,
  type RangeOptions,
  type RangeResult,
  type TxnRead,
  type TxnWrite,
} from './kv-store-txn.ts';
import { NO_LEASE, type Bytes, type KeyValue, type LeaseId } from './kv.ts';
import type { Revision } from './revision.ts';
import type { StoreCounts } from './store-counts.ts';
import { StoreState, type LeaseAttachments } from './store-state.ts';
import { TreeIndex } from './tree-index.ts';

export interface KVStoreOptions {
  /** The lessor's attach/detach port; without one, a put with a lease throws (etcd panics). */
  leases?: LeaseAttachments;
  /** Rows examined per compaction step (etcd's `--experimental-compaction-batch-limit`). */
  compactionBatchLimit?: number;
}

/**
 * etcd's mvcc `store` (mvcc/kvstore.go): a multi-version key-value store whose every write txn
 * takes the next revision, over a synchronous `Backend`. The key index is in memory and rebuilt
 * from the backend at construction and on `restore()`; values are read from the backend.
 *
 * Deterministic: no clocks or timers. Work etcd does on goroutines (physical compaction) the host
 * drives in bounded steps (`runCompactionStep`).
 */
export class KVStore {
  protected readonly state: StoreState;
  private readonly compactionBatchLimit: number;
  private compaction: CompactionJob | undefined;
  private consistentIdx = 0;

  constructor(backend: Backend, options: KVStoreOptions = {}) {
    this.state = new StoreState(new TreeIndex(), backend, options.leases);
    this.compactionBatchLimit = options.compactionBatchLimit ?? DEFAULT_COMPACTION_BATCH_LIMIT;
    this.reload();
  }

  /** A read view at the current revision (etcd's `Read`). */
  read(): TxnRead {
    return new StoreTxnRead(this.state);
  }

  /** A write txn: its changes share the next revision and apply at `end()` (etcd's `Write`). */
  write(): TxnWrite {
    return new StoreTxnWrite(this.state, (rev, changes) => this.committed(rev, changes));
  }

  /** One range in its own read view. */
  range(key: Bytes, end: Bytes, options: RangeOptions = {}): RangeResult {
    const view = this.read();
    try {
      return view.range(key, end, options);
    } finally {
      view.end();
    }
  }

  /** One put in its own write txn; returns its revision. */
  put(key: Bytes, value: Bytes, lease: LeaseId = NO_LEASE): number {
    const txn = this.write();
    const rev = txn.put(key, value, lease);
    txn.end();
    return rev;
  }

  /** One delete in its own write txn. */
  deleteRange(key: Bytes, end: Bytes): { deleted: number; rev: number } {
    const txn = this.write();
    const result = txn.deleteRange(key, end);
    txn.end();
    return result;
  }

  /** The revision of the last write (1 when nothing was ever written). */
  rev(): number {
    return this.state.currentRev;
  }

  /** The last compacted revision, -1 before any. */
  compactRev(): number {
    return this.state.compactMainRev;
  }

  /**
   * Compacts at `rev` (etcd's `Compact`): at once, reads below `rev` fail with `CompactedError`
   * and the index forgets what they needed; the rows themselves go in `runCompactionStep()`s.
   * Throws `CompactedError` if `rev` is not after the last compaction, `FutureRevError` if it is
   * after the current revision.
   */
  compact(rev: number): void {
    if (rev <= this.state.compactMainRev) throw new CompactedError();
    if (rev > this.state.currentRev) throw new FutureRevError();
    this.state.compactMainRev = rev;
    this.state.backend.putMeta('scheduledCompactRev', String(rev));
    this.scheduleCompaction(rev);
  }

  /** Whether a compaction still has rows to delete. */
  compactionPending(): boolean {
    return this.compaction !== undefined;
  }

  /**
   * Deletes up to one batch of compacted rows; true while more remain (call again on a later
   * turn, as etcd's compaction loop does every 10 ms). The backend's size drops as rows go.
   */
  runCompactionStep(): boolean {
    if (this.compaction === undefined) return false;
    if (!this.compaction.step()) return true;
    this.compaction = undefined;
    return false;
  }

  /** etcd's `HashByRev`; see hash.ts. */
  hashByRev(rev: number): HashResult {
    return hashByRev(this.state, this.compaction, rev);
  }

  /** The Raft index of the last entry applied to this store (etcd's `consistent_index`). */
  consistentIndex(): number {
    return this.consistentIdx;
  }

  /** Records the applied Raft index; the host writes it in the same turn as the entry's changes. */
  setConsistentIndex(index: number): void {
    this.consistentIdx = index;
    this.state.backend.putMeta('consistent_index', String(index));
  }

  /** How many keys the in-memory index holds (what bounds a member's heap, ~300 bytes a key). */
  indexedKeys(): number {
    return this.state.index.size;
  }

  /** Bytes the backend holds (the space quota's figure). */
  size(): number {
    return this.state.backend.size();
  }

  /** What etcd's mvcc metrics count, as of now (store-counts.ts); for reading only. */
  get counts(): Readonly<StoreCounts> {
    return this.state.counts;
  }

  /**
   * The key-values as of given revisions, undefined where a key did not exist then or the
   * revision is compacted (what a watcher's `prev_kv` asks: etcd ranges the key at its event's
   * revision - 1, and gives none on error). One backend call for all of them.
   */
  keyValuesAt(requests: readonly { key: Bytes; rev: number }[]): (KeyValue | undefined)[] {
    const found: Revision[] = [];
    const at: number[] = [];
    // etcd ranges each key in a read view of its own (v3rpc's sendLoop): one range apiece.
    this.state.counts.ranges += requests.length;
    requests.forEach(({ key, rev }, i) => {
      if (rev > this.state.currentRev) return;
      if (rev <= 0) rev = this.state.currentRev;
      if (rev < this.state.compactMainRev) return;
      const hit = this.state.index.get(key, rev);
      if (hit === undefined) return;
      found.push(hit.modified);
      at.push(i);
    });
    const out: (KeyValue | undefined)[] = requests.map(() => undefined);
    if (found.length === 0) return out;
    fetchKeyValues(this.state, found).forEach((kv, j) => {
      out[at[j]!] = kv;
    });
    return out;
  }

  /**
   * Rebuilds the store from the backend (etcd's `Restore`): after the host replaced the
   * backend's contents (a snapshot), or to prove a restart yields the same store.
   */
  restore(): void {
    this.reload();
  }

  /** Called at the end of every write txn that changed something, after the revision moved. */
  protected committed(_rev: number, _changes: readonly KeyValue[]): void {}

  /** The backend, for the watchable store's catch-up reads. */
  protected get backend(): Backend {
    return this.state.backend;
  }

  /** The pending compaction, so catch-up reads skip rows it is about to delete. */
  protected get pendingCompaction(): CompactionJob | undefined {
    return this.compaction;
  }

  private scheduleCompaction(rev: number): void {
    // A newer compaction replaces a pending one: its scan starts over from revision 0 (as each of
    // etcd's jobs does) and its keep set covers every row the older one would have kept.
    this.compaction = new CompactionJob(rev, this.state.index.compact(rev), this.state.backend, this.compactionBatchLimit, this.state.counts);
  }

  private reload(): void {
    if (this.state.writing) throw new Error('mvcc: restore with a write txn open');
    const { backend } = this.state;
    this.compaction = undefined;
    const restored = restoreIndex(backend, this.state.index);
    const finished = Number(backend.getMeta('finishedCompactRev') ?? -1);
    const scheduledMeta = backend.getMeta('scheduledCompactRev');
    this.state.compactMainRev = finished;
    // Rows up to a compaction may all be gone (a tombstone at the compacted revision is deleted
    // too): the revision is then the compacted one, not the last row's.
    this.state.currentRev = Math.max(restored.currentRev, finished);
    this.state.counts.keys = this.state.index.countRevisions(FROM_KEY, FROM_KEY, this.state.currentRev);
    this.consistentIdx = Number(backend.getMeta('consistent_index') ?? 0);
    for (const ki of this.state.index.keyIndexes()) {
      if (ki.lease !== NO_LEASE) this.state.attach(ki.lease, ki.key);
    }
    // A compaction that was scheduled but not finished resumes (etcd's `compactLockfree`). etcd
    // reads an absent and a 0 scheduled revision alike, so an unfinished compaction at 0 is
    // forgotten by a restart there; here a written 0 resumes like any other revision.
    const scheduled = scheduledMeta === undefined ? undefined : Number(scheduledMeta);
    if (scheduled !== undefined && scheduled > finished && scheduled <= this.state.currentRev) {
      this.state.compactMainRev = scheduled;
      this.scheduleCompaction(scheduled);
    }
  }
}
