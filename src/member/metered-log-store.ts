import type { Entry, HardState, Snapshot } from '../raft/index.ts';
import { SqliteLogStore } from './sqlite-log-store.ts';

/** What a ready-loop turn wrote, for the disk metrics of the commit that makes it durable. */
export interface TurnWrites {
  /** Log entries or hard state: etcd's WAL write (timed as `etcd_disk_wal_fsync_duration_seconds`). */
  log: boolean;
  /** A snapshot of the state machine: the v2 store's only durable form, its backend commit. */
  snapshot: boolean;
}

/**
 * The member's SQLite log store, noting what each turn writes: the SQLite commit that follows is
 * the member's fsync, and these say which of etcd's disk histograms it belongs to. Also counts
 * the bytes of log entries written (etcd's `etcd_disk_wal_write_bytes_total`).
 */
export class MeteredLogStore extends SqliteLogStore {
  walBytes = 0;
  private pending: TurnWrites = { log: false, snapshot: false };

  override save(update: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot }): void {
    super.save(update);
    for (const entry of update.entries) this.walBytes += entry.data.length;
    if (update.entries.length > 0 || update.hardState !== undefined) this.pending.log = true;
    if (update.snapshot !== undefined && update.snapshot.metadata.index > 0) this.pending.snapshot = true;
  }

  override saveSnapshot(snapshot: Snapshot, compactTo: number): void {
    super.saveSnapshot(snapshot, compactTo);
    this.pending.snapshot = true;
  }

  /** What was written since the last call. */
  takeWrites(): TurnWrites {
    const writes = this.pending;
    this.pending = { log: false, snapshot: false };
    return writes;
  }
}
