import { MemoryStorage, type ConfState, type Entry, type HardState, type Snapshot } from '../../src/raft/index.ts';
import type { LogStore } from '../../src/server/index.ts';

/**
 * The server's `LogStore` on Raft's in-memory storage: the "disk" of a simulated member. It
 * survives a simulated crash (the test keeps it and builds a new server on it).
 */
export class MemoryLogStore extends MemoryStorage implements LogStore {
  saves = 0;

  save(update: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot }): void {
    this.saves++;
    if (update.snapshot !== undefined) this.applySnapshot(update.snapshot);
    if (update.entries.length > 0) this.append(update.entries);
    if (update.hardState !== undefined) this.setHardState(update.hardState);
  }

  saveSnapshot(snapshot: Snapshot, compactTo: number): void {
    this.createSnapshot(snapshot.metadata.index, snapshot.metadata.confState as ConfState, snapshot.data);
    if (compactTo >= this.firstIndex()) this.compact(compactTo);
  }
}
