import type { Bytes, KeyValue, LeaseId } from './kv.ts';
import type { Revision } from './revision.ts';

/**
 * One row of etcd's key bucket without its value: what the key index is rebuilt from. The row is
 * addressed by its revision (etcd's bucket key is the revision's 17 bytes, 't' appended for a
 * tombstone); the other fields are those of the `mvccpb.KeyValue` etcd stores as the row's value.
 * A tombstone stores the key alone: every other field is zero, `modRevision` included (etcd
 * writes `KeyValue{Key: key}`; a watcher's DELETE event patches the revision in).
 */
export interface KeyRowHead {
  main: number;
  sub: number;
  tombstone: boolean;
  key: Bytes;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: LeaseId;
}

/** A whole row of the key bucket. */
export interface KeyRow extends KeyRowHead {
  value: Bytes;
}

/** A half-open span of revisions, [from, to). */
export interface RevisionSpan {
  from: Revision;
  to: Revision;
}

/** Names in etcd's meta bucket (mvcc/kvstore.go). Values are decimal integers as text. */
export type MetaName = 'consistent_index' | 'scheduledCompactRev' | 'finishedCompactRev';

/**
 * The storage under the multi-version store: etcd's bbolt buckets `key` and `meta`, as a port
 * the member implements on Durable Object SQLite (src/member/sqlite-mvcc-backend.ts) and tests
 * implement on a Map (test/helpers/memory-backend.ts).
 *
 * Synchronous by design: DO SQLite's `sql.exec` is synchronous, and every write made between two
 * awaits commits atomically with the Raft log write of the same turn, so the host, not this port,
 * draws transaction boundaries (etcd's batch tx + consistent index in one bbolt commit).
 *
 * Values live only here: the store's memory holds keys and revisions, and reads fetch values by
 * revision. Implementations batch multi-row calls themselves (DO SQL binds at most 100
 * parameters per statement) and must keep a row's revision unique: rows are only ever added at
 * new revisions and removed by compaction.
 */
export interface Backend {
  /** Adds rows at revisions not yet present (one write txn's changes, in revision order). */
  putKeyRows(rows: readonly KeyRow[]): void;
  /**
   * The rows at these revisions, in the order asked; undefined where no row is held (the store
   * asks only for revisions its index holds, so a hole means corruption, and it says so).
   */
  getKeyRows(revisions: readonly Revision[]): (KeyRow | undefined)[];
  /** Up to `limit` whole rows in `span`, in revision order. */
  scanKeyRows(span: RevisionSpan, limit: number): KeyRow[];
  /** Up to `limit` rows in `span` without their values, in revision order. */
  scanKeyHeads(span: RevisionSpan, limit: number): KeyRowHead[];
  /** Removes the rows at these revisions (compaction); a revision with no row is ignored. */
  deleteKeyRows(revisions: readonly Revision[]): void;
  getMeta(name: MetaName): string | undefined;
  putMeta(name: MetaName, value: string): void;
  /** Bytes in use by the two buckets: the figure the space quota compares. */
  size(): number;
  /**
   * Removes every row and meta value: a snapshot install empties the buckets, writes the
   * leader's rows and meta, then calls the store's `restore()`.
   */
  clear(): void;
}

/** The `mvccpb.KeyValue` a row stores (a tombstone's has the key alone). */
export function rowKeyValue(row: KeyRow): KeyValue {
  return {
    key: row.key,
    createRevision: row.createRevision,
    modRevision: row.modRevision,
    version: row.version,
    value: row.value,
    lease: row.lease,
  };
}

/**
 * What one row costs the quota beyond its key and value bytes: the 17-byte revision key, the
 * tombstone mark, three int64 revisions/versions and the int64 lease of etcd's encoding. Both
 * backends count rows this way, so the quota means the same on each.
 */
export const ROW_OVERHEAD_BYTES = 17 + 1 + 3 * 8 + 8;

/** The bytes a row counts for in `Backend.size()`. */
export const rowSize = (keyBytes: number, valueBytes: number): number => keyBytes + valueBytes + ROW_OVERHEAD_BYTES;
