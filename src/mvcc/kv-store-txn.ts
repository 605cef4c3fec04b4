import { rowKeyValue, type KeyRow } from './backend.ts';
import { CompactedError, FutureRevError } from './errors.ts';
import { NO_LEASE, type Bytes, type KeyValue, type LeaseId } from './kv.ts';
import type { Revision } from './revision.ts';
import type { StoreState } from './store-state.ts';
import { TxnTally } from './store-counts.ts';

/** etcd's `RangeOptions`. */
export interface RangeOptions {
  /** At most this many key-values (0 or absent: all); `count` still counts every match. */
  limit?: number;
  /** Read the store as of this revision (0 or absent: the view's revision). */
  rev?: number;
  /** Count the matches only; `kvs` stays empty. */
  count?: boolean;
}

/** etcd's `RangeResult`. */
export interface RangeResult {
  /** The matches in key order, at most `limit`. */
  kvs: KeyValue[];
  /** The view's revision when the range ran (the response header's revision). */
  rev: number;
  /** How many keys matched, whatever the limit. */
  count: number;
}

/** etcd's `ReadView`. `end` is a range end in the wire form of key-range.ts. */
export interface ReadView {
  /** The compacted revision when the view opened (etcd's `FirstRev`). */
  firstRev(): number;
  /** The store's revision when the view opened. */
  rev(): number;
  /** The keys in the range as of `options.rev`; throws `FutureRevError` / `CompactedError`. */
  range(key: Bytes, end: Bytes, options?: RangeOptions): RangeResult;
}

/** etcd's `TxnRead`. */
export interface TxnRead extends ReadView {
  end(): void;
}

/** etcd's `WriteView`. */
export interface WriteView {
  /** Deletes the live keys of the range; `rev` is the txn's revision if anything changed so far. */
  deleteRange(key: Bytes, end: Bytes): { deleted: number; rev: number };
  /** Writes a new version of `key`; returns the txn's revision. The lease is not validated. */
  put(key: Bytes, value: Bytes, lease?: LeaseId): number;
}

/** etcd's `TxnWrite`: every change takes the same main revision, the next sub each. */
export interface TxnWrite extends TxnRead, WriteView {
  /** The changes so far: puts as written, deletes as `KeyValue{key}` with every other field zero. */
  changes(): readonly KeyValue[];
}

/**
 * etcd's `rangeKeys` (mvcc/kvstore_txn.go): the index answers which revisions, the backend (or the
 * open txn's own rows) the values. The errors are etcd's, at etcd's conditions: a revision after
 * the view's is a future one; one before the compacted revision is compacted (the compacted
 * revision itself is still readable).
 */
export function rangeKeys(
  state: StoreState,
  key: Bytes,
  end: Bytes,
  curRev: number,
  options: RangeOptions,
  ownRows?: OwnRows,
): RangeResult {
  let rev = options.rev ?? 0;
  if (rev > curRev) throw new FutureRevError();
  if (rev <= 0) rev = curRev;
  if (rev < state.compactMainRev) throw new CompactedError();
  if (options.count === true) return { kvs: [], rev: curRev, count: state.index.countRevisions(key, end, rev) };
  const limit = options.limit ?? 0;
  const { revisions, total } = state.index.revisions(key, end, rev, limit);
  if (total === 0) return { kvs: [], rev: curRev, count: 0 };
  return { kvs: fetchKeyValues(state, revisions, ownRows), rev: curRev, count: total };
}

/** The rows a write txn has made but not yet handed to the backend, by sub revision. */
export interface OwnRows {
  main: number;
  rows: readonly KeyRow[];
}

/** Values by revision: one backend call for the stored ones, the txn's own rows from memory. */
export function fetchKeyValues(state: StoreState, revisions: readonly Revision[], ownRows?: OwnRows): KeyValue[] {
  const stored = ownRows === undefined ? revisions : revisions.filter((r) => r.main !== ownRows.main);
  const rows = stored.length === 0 ? [] : state.backend.getKeyRows(stored);
  let next = 0;
  return revisions.map((rev) => {
    const row = ownRows !== undefined && rev.main === ownRows.main ? ownRows.rows[rev.sub] : rows[next++];
    if (row === undefined) throw new Error(`mvcc: range cannot find revision ${rev.main}.${rev.sub} in the backend`);
    return rowKeyValue(row);
  });
}

/** etcd's `storeTxnRead`: a view of the store at the revision it opened at. */
export class StoreTxnRead implements TxnRead {
  private readonly first: number;
  private readonly at: number;
  private readonly tally: TxnTally;

  constructor(private readonly state: StoreState) {
    this.first = state.compactMainRev;
    this.at = state.currentRev;
    this.tally = new TxnTally(state.counts);
  }

  firstRev(): number {
    return this.first;
  }

  rev(): number {
    return this.at;
  }

  range(key: Bytes, end: Bytes, options: RangeOptions = {}): RangeResult {
    this.tally.range();
    return rangeKeys(this.state, key, end, this.at, options);
  }

  end(): void {
    this.tally.end();
  }
}

/**
 * etcd's `storeTxnWrite`. Its rows go to the backend in one call at `end()`; until then its own
 * ranges read them from here, so they see the txn's earlier writes as etcd's do. `end()` makes
 * the revision current and hands the changes to `onEnd` (the watchable store's notify).
 */
export class StoreTxnWrite implements TxnWrite {
  private readonly beginRev: number;
  private readonly rows: KeyRow[] = [];
  private readonly changed: KeyValue[] = [];
  private ended = false;
  private readonly tally: TxnTally;

  constructor(
    private readonly state: StoreState,
    private readonly onEnd: (rev: number, changes: readonly KeyValue[]) => void,
  ) {
    if (state.writing) throw new Error('mvcc: a write txn is already open');
    state.writing = true;
    this.beginRev = state.currentRev;
    this.tally = new TxnTally(state.counts);
  }

  firstRev(): number {
    return 0;
  }

  /** The revision the txn began at; its writes take the next one. */
  rev(): number {
    return this.beginRev;
  }

  range(key: Bytes, end: Bytes, options: RangeOptions = {}): RangeResult {
    this.tally.range();
    const rev = this.changed.length > 0 ? this.beginRev + 1 : this.beginRev;
    return rangeKeys(this.state, key, end, rev, options, this.own());
  }

  put(key: Bytes, value: Bytes, lease: LeaseId = NO_LEASE): number {
    this.open();
    this.tally.put(key.length, value.length);
    const rev = this.beginRev + 1;
    const { index } = this.state;
    // An existing key keeps its create revision and counts on from its version; its lease is
    // detached first (etcd detaches and re-attaches even when the lease is the same).
    const ki = index.keyIndex(key);
    const before = ki?.get(rev);
    const oldLease = before === undefined ? NO_LEASE : ki!.lease;
    const idx = { main: rev, sub: this.changed.length };
    const kv: KeyValue = {
      key,
      createRevision: before === undefined ? rev : before.created.main,
      modRevision: rev,
      version: (before?.version ?? 0) + 1,
      value,
      lease,
    };
    this.rows.push({ ...kv, main: idx.main, sub: idx.sub, tombstone: false });
    if (before === undefined) this.state.counts.keys++;
    if (ki === undefined) {
      index.put(key, idx, lease);
    } else {
      ki.put(idx.main, idx.sub);
      ki.lease = lease;
    }
    this.changed.push(kv);
    if (oldLease !== NO_LEASE) this.state.detach(oldLease, key);
    if (lease !== NO_LEASE) this.state.attach(lease, key);
    return rev;
  }

  deleteRange(key: Bytes, end: Bytes): { deleted: number; rev: number } {
    this.open();
    this.tally.delete();
    const rrev = this.changed.length > 0 ? this.beginRev + 1 : this.beginRev;
    const { keys } = this.state.index.range(key, end, rrev);
    for (const k of keys) this.delete(k);
    if (keys.length !== 0 || this.changed.length > 0) return { deleted: keys.length, rev: this.beginRev + 1 };
    return { deleted: 0, rev: this.beginRev };
  }

  changes(): readonly KeyValue[] {
    return this.changed;
  }

  end(): void {
    this.open();
    this.ended = true;
    this.state.writing = false;
    this.tally.end();
    // Only a txn that changed something takes a revision (etcd's `End`).
    if (this.changed.length === 0) return;
    this.state.backend.putKeyRows(this.rows);
    this.state.currentRev++;
    this.onEnd(this.state.currentRev, this.changed);
  }

  private delete(key: Bytes): void {
    const { index } = this.state;
    const lease = index.keyIndex(key)?.lease ?? NO_LEASE;
    const idx = { main: this.beginRev + 1, sub: this.changed.length };
    const kv: KeyValue = { key, createRevision: 0, modRevision: 0, version: 0, value: '', lease: NO_LEASE };
    this.rows.push({ ...kv, main: idx.main, sub: idx.sub, tombstone: true });
    index.tombstone(key, idx);
    this.state.counts.keys--;
    this.changed.push(kv);
    if (lease !== NO_LEASE) this.state.detach(lease, key);
  }

  private own(): OwnRows | undefined {
    return this.rows.length === 0 ? undefined : { main: this.beginRev + 1, rows: this.rows };
  }

  private open(): void {
    if (this.ended) throw new Error('mvcc: write txn already ended');
  }
}
