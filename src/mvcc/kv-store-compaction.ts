import type { Backend, KeyRowHead } from './backend.ts';
import type { Revision } from './revision.ts';
import type { RevisionSet } from './revision-set.ts';
import type { StoreCounts } from './store-counts.ts';

/** etcd's `defaultCompactBatchLimit`: rows examined per compaction step. */
export const DEFAULT_COMPACTION_BATCH_LIMIT = 1000;

/**
 * The physical half of a compaction (etcd's `scheduleCompaction`, mvcc/kvstore_compaction.go):
 * deletes, in bounded steps, every key bucket row at or below the compacted revision that the
 * index no longer needs, then records the compaction as finished. The logical half (the index
 * compacted, reads below the revision refused) already happened when the job was made.
 *
 * etcd runs a step every 10 ms on its own goroutine; here the host runs `step()` when it likes
 * (each step's deletes commit with whatever else the host writes in that turn). A crash between
 * steps is safe: `scheduledCompactRev` is on disk and a restore starts the job again.
 */
export class CompactionJob {
  /** Where the next step's scan starts: etcd scans from revision 0 for every job. */
  private cursor: Revision = { main: 0, sub: 0 };
  private done = false;

  constructor(
    readonly rev: number,
    /** The revisions at or below `rev` that survive (the index compaction's `available`). */
    readonly keep: RevisionSet,
    private readonly backend: Backend,
    private readonly batchLimit: number,
    private readonly counts: StoreCounts,
  ) {}

  get finished(): boolean {
    return this.done;
  }

  /** Whether the job will delete this row (so no reader should show it any more). */
  doomed(row: { main: number; sub: number }): boolean {
    return !this.done && row.main <= this.rev && !this.keep.has(row);
  }

  /** Examines up to `batchLimit` rows and deletes the doomed ones; true when the job is done. */
  step(): boolean {
    if (this.done) return true;
    const heads: KeyRowHead[] = this.backend.scanKeyHeads(
      { from: this.cursor, to: { main: this.rev + 1, sub: 0 } },
      this.batchLimit,
    );
    const doomed = heads.filter((h) => !this.keep.has(h)).map((h) => ({ main: h.main, sub: h.sub }));
    if (doomed.length > 0) this.backend.deleteKeyRows(doomed);
    this.counts.compactedRows += doomed.length;
    if (heads.length < this.batchLimit) {
      this.backend.putMeta('finishedCompactRev', String(this.rev));
      this.done = true;
      return true;
    }
    const last = heads[heads.length - 1]!;
    this.cursor = { main: last.main, sub: last.sub + 1 };
    return false;
  }
}
