import type { ConfState, HardState, Ready, Snapshot } from '../raft/index.ts';
import type { LogStore } from './ports.ts';
import { CATCH_UP_ENTRIES } from './server-options.ts';

/**
 * What the ready loop makes durable, and when: a Ready's entries, vote and snapshot, and the
 * member's own snapshots every `--snapshot-count` applied entries (etcd's `triggerSnapshot`), with
 * the log compacted behind them.
 */
export class RaftPersistence {
  /** The hard state last written, and a newer one that only moved the commit index (see `save`). */
  private persistedHardState: HardState;
  private unpersistedHardState: HardState | undefined;
  private snapshotIndex = 0;

  constructor(
    private readonly logStore: LogStore,
    private readonly snapshotCount: number,
  ) {
    this.persistedHardState = logStore.initialState().hardState;
  }

  /**
   * Writes what a Ready asks to be made durable, less a commit index on its own. The commit index
   * is volatile state (Raft paper, Figure 2): losing it loses nothing, a restarted member learns it
   * again. Writing it alone would cost a durable write per round, and on Durable Objects the
   * output gate would hold every answer of that turn (acknowledgements, client responses) until
   * it is on disk. So it is written with the next entries, term or vote instead.
   */
  save(rd: Ready): void {
    if (rd.hardState !== undefined) this.unpersistedHardState = rd.hardState;
    const snapshot = rd.snapshot !== undefined && rd.snapshot.metadata.index > 0 ? rd.snapshot : undefined;
    const hs = rd.hardState;
    const votingChanged = hs !== undefined && (hs.term !== this.persistedHardState.term || hs.vote !== this.persistedHardState.vote);
    if (rd.entries.length === 0 && snapshot === undefined && !votingChanged) return;
    const update: Parameters<LogStore['save']>[0] = { entries: rd.entries };
    if (snapshot !== undefined) update.snapshot = snapshot;
    const latest = hs ?? this.unpersistedHardState;
    if (latest !== undefined) {
      update.hardState = latest;
      this.persistedHardState = latest;
    }
    this.unpersistedHardState = undefined;
    this.logStore.save(update);
  }

  /** The state was replaced by a snapshot at `index` (at start-up, or received). */
  restored(index: number): void {
    this.snapshotIndex = index;
  }

  /** A snapshot of the applied state at `index` (its payload made only if it is needed). */
  snapshotAt(index: number, confState: ConfState, data: () => string): Snapshot {
    return { metadata: { index, term: this.logStore.term(index), confState }, data: data() };
  }

  /** Every `snapshotCount` applied entries: snapshot, and compact the log behind it. */
  maybeSnapshot(appliedIndex: number, confState: ConfState, data: () => string): void {
    if (appliedIndex - this.snapshotIndex <= this.snapshotCount) return;
    const snapshot = this.snapshotAt(appliedIndex, confState, data);
    const compactTo = Math.max(0, appliedIndex - Math.min(CATCH_UP_ENTRIES, this.snapshotCount));
    // A restart must not find a snapshot beyond its durable commit index: write the latest first.
    if (this.unpersistedHardState !== undefined) {
      this.logStore.save({ entries: [], hardState: this.unpersistedHardState });
      this.persistedHardState = this.unpersistedHardState;
      this.unpersistedHardState = undefined;
    }
    this.logStore.saveSnapshot(snapshot, Math.max(compactTo, this.logStore.firstIndex() - 1));
    this.snapshotIndex = appliedIndex;
  }
}
