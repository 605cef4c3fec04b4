import { rowKeyValue } from './backend.ts';
import { Crc32c } from './crc32c.ts';
import { CompactedError, FutureRevError } from './errors.ts';
import type { CompactionJob } from './kv-store-compaction.ts';
import { marshalKeyValue } from './kv-marshal.ts';
import { revisionKey, type Revision } from './revision.ts';
import type { StoreState } from './store-state.ts';

/** etcd's `HashKV` answer. */
export interface HashResult {
  /** CRC-32C over the key bucket up to the revision (uint32). */
  hash: number;
  /** The store's revision when hashed (the response header's). */
  currentRev: number;
  /** The compacted revision, -1 before any compaction. */
  compactRev: number;
}

/** Rows per backend scan while hashing: bounded memory whatever the bucket's size. */
const HASH_SCAN_ROWS = 256;

/**
 * etcd 3.4's `store.HashByRev` (mvcc/kvstore.go): CRC-32C over "key" then, for every key bucket
 * row up to `rev` in revision order, its row key (17 bytes, 't' appended for a tombstone) and
 * its marshalled `mvccpb.KeyValue`. Rows at or below the compacted revision count only if
 * `Keep(rev)` keeps them, unless that set is empty (etcd then hashes what the bucket holds).
 * So the same operations give the same hash as real etcd, compactions included.
 *
 * etcd hashes what its bucket holds once its compaction has finished; this store deletes
 * compacted rows in steps, so rows a pending compaction will delete are skipped too: the hash
 * does not depend on how far the host has run the compaction.
 *
 * `rev` 0 means the current revision; a negative one hashes no rows, as etcd's does.
 */
export function hashByRev(state: StoreState, pending: CompactionJob | undefined, rev: number): HashResult {
  const compactRev = state.compactMainRev;
  const currentRev = state.currentRev;
  if (rev > 0 && rev <= compactRev) throw new CompactedError();
  if (rev > 0 && rev > currentRev) throw new FutureRevError();
  if (rev === 0) rev = currentRev;
  const keep = state.index.keep(rev);
  const h = new Crc32c();
  h.write('key');
  const upper: Revision = { main: rev + 1, sub: 0 };
  let from: Revision = { main: 0, sub: 0 };
  for (;;) {
    const rows = state.backend.scanKeyRows({ from, to: upper }, HASH_SCAN_ROWS);
    for (const row of rows) {
      if (row.main <= compactRev) {
        if (keep.size > 0 ? !keep.has(row) : pending?.doomed(row) === true) continue;
      }
      h.write(revisionKey(row, row.tombstone));
      h.write(marshalKeyValue(rowKeyValue(row)));
    }
    if (rows.length < HASH_SCAN_ROWS) break;
    const last = rows[rows.length - 1]!;
    from = { main: last.main, sub: last.sub + 1 };
  }
  return { hash: h.sum(), currentRev, compactRev };
}
