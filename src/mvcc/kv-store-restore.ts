import type { Backend } from './backend.ts';
import { RevisionNotFoundError } from './errors.ts';
import { KeyIndex } from './key-index.ts';
import type { TreeIndex } from './tree-index.ts';

/** etcd's `restoreChunkKeys`: rows read per backend scan while rebuilding the index. */
export const RESTORE_CHUNK_ROWS = 10_000;

/** Effectively unbounded: the largest revision a scan can be asked to stop before. */
const END_OF_TIME = { main: Number.MAX_SAFE_INTEGER, sub: 0 };

/**
 * Rebuilds the key index from the key bucket's rows, oldest first, without reading values
 * (etcd's `restore` + `restoreIntoIndex`). The first row of a key starts its index from the
 * row's create revision and version (earlier ones may be compacted away); a tombstone of a key
 * never seen is skipped. Each key's live lease is its newest row's (a tombstone clears it). Returns the main
 * revision of the last row (1 for an empty bucket).
 */
export function restoreIndex(backend: Backend, index: TreeIndex): { currentRev: number } {
  index.clear();
  let currentRev = 1;
  let from = { main: 1, sub: 0 };
  for (;;) {
    const heads = backend.scanKeyHeads({ from, to: END_OF_TIME }, RESTORE_CHUNK_ROWS);
    for (const row of heads) {
      currentRev = row.main;
      const ki = index.keyIndex(row.key);
      if (ki !== undefined) {
        if (row.tombstone) {
          try {
            ki.tombstone(row.main, row.sub);
          } catch (e) {
            // etcd ignores a second tombstone in a row for one key.
            if (!(e instanceof RevisionNotFoundError)) throw e;
          }
        } else {
          ki.put(row.main, row.sub);
          ki.lease = row.lease;
        }
      } else if (!row.tombstone) {
        const fresh = new KeyIndex(row.key);
        fresh.restore({ main: row.createRevision, sub: 0 }, { main: row.main, sub: row.sub }, row.version);
        fresh.lease = row.lease;
        index.insert(fresh);
      }
    }
    if (heads.length < RESTORE_CHUNK_ROWS) break;
    const last = heads[heads.length - 1]!;
    from = { main: last.main, sub: last.sub + 1 };
  }
  return { currentRev };
}
