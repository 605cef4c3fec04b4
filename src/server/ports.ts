import type { Entry, HardState, Snapshot, Storage } from '../raft/index.ts';

/**
 * What a member needs from the platform, as interfaces: the server stays pure and the Durable
 * Object shell (or a test) supplies them.
 */

/**
 * The member's durable Raft state: etcd/raft's `Storage` (what Raft reads back) plus the writes the
 * ready loop makes. `save` must be atomic and synchronous: it is called before any message of the
 * same Ready is handed to the transport (on Durable Objects the output gate then holds those
 * messages until the write is durable).
 */
export interface LogStore extends Storage {
  save(update: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot }): void;
  /** Records a snapshot of the applied state at `index` and drops log entries up to `compactTo`. */
  saveSnapshot(snapshot: Snapshot, compactTo: number): void;
}

/** Sends Raft messages to peers; never blocks and never throws (a lost message is Raft's business). */
export interface PeerTransport<M> {
  send(messages: readonly M[]): void;
}

/** Wall time in epoch milliseconds; only TTL expiry (SYNC) and request IDs read it. */
export interface Clock {
  now(): number;
}

/** Where the server reports what an operator should see. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
