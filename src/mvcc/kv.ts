/**
 * etcd's `mvccpb` (mvcc/mvccpb/kv.proto): the key-value and event records every v3 layer shares.
 *
 * Keys and values are byte strings: one UTF-16 code unit per byte, each 0-255 (what `atob`
 * returns). JavaScript compares such strings code unit by code unit, which is byte order, so the
 * key index sorts and ranges exactly as etcd's B-tree over `[]byte` does, with no comparator of
 * its own; base64 at the gateway is `atob`/`btoa` with no copy in between; and stored as SQLite
 * TEXT (UTF-8) they keep byte order too (UTF-8 preserves code point order).
 */
export type Bytes = string;

/** A lease ID: etcd's int64 `LeaseID`. 0 is `NoLease`. IDs use all 63 bits, so bigint. */
export type LeaseId = bigint;
export const NO_LEASE: LeaseId = 0n;

export interface KeyValue {
  key: Bytes;
  /** Revision of the key's last creation (0 for a key that does not exist). */
  createRevision: number;
  /** Revision of the key's last modification. */
  modRevision: number;
  /** Modifications since the key's creation; a delete resets it to 0. */
  version: number;
  value: Bytes;
  /** The lease attached to the key, `NO_LEASE` for none. */
  lease: LeaseId;
}

export type EventType = 'PUT' | 'DELETE';

export interface Event {
  type: EventType;
  /**
   * PUT: the key as written. DELETE: a tombstone: the key, `modRevision` the delete's revision,
   * the other fields zero (etcd writes `KeyValue{Key, ModRevision}` for a delete).
   */
  kv: KeyValue;
  /** The key before this event, when the watcher asked for it (`prev_kv`). */
  prevKv?: KeyValue;
}
