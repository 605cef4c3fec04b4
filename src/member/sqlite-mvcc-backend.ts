import {
  parseRevisionKey,
  revisionKey,
  rowSize,
  type Backend,
  type Bytes,
  type KeyRow,
  type KeyRowHead,
  type MetaName,
  type Revision,
  type RevisionSpan,
} from '../mvcc/index.ts';
import type { SnapshotStaging } from '../server/index.ts';
import { migrate } from './schema.ts';

/** DO SQL binds at most 100 parameters per statement. */
const MAX_PARAMS = 100;
/** An INSERT binds 8 per row. */
const ROWS_PER_INSERT = Math.floor(MAX_PARAMS / 8);
/**
 * Rows are capped at 2 MB on Durable Objects (local workerd accepts more, so the cap is enforced
 * here). Key and value must leave room for the other columns; etcd's default request limit
 * (1.5 MiB) keeps a put well below.
 */
export const MAX_ROW_BYTES = 2_000_000 - 1_000;

interface HeadRow extends Record<string, SqlStorageValue> {
  rev: ArrayBuffer;
  tombstone: number;
  key: ArrayBuffer | null;
  create_revision: number;
  mod_revision: number;
  version: number;
  lease: string;
}

interface FullRow extends HeadRow {
  value: ArrayBuffer | null;
}

const HEAD_COLUMNS = 'rev, tombstone, key, create_revision, mod_revision, version, lease';

/**
 * The mvcc `Backend` on a Durable Object's SQLite database (tables of migration 3): etcd's key
 * bucket as rows addressed by etcd's 17-byte revision key, and its meta bucket.
 *
 * Keys and values are BLOBs, not TEXT: the store's byte strings (one char per byte) would be
 * UTF-8 encoded as TEXT, doubling every byte >= 0x80 (binary values such as Kubernetes'
 * protobufs) against the 2 MB row cap and the quota, and a NUL would be at the mercy of every
 * text function. A BLOB holds the bytes exactly and SQLite compares BLOBs with memcmp, which is
 * etcd's byte order. The price is one copy between string and bytes per value.
 *
 * Every method is synchronous and writes in the caller's turn: the member's `transactionSync`
 * around an apply commits these rows with the Raft state of the same entries.
 */
export class SqliteMvccBackend implements Backend {
  private bytes = 0;
  private readonly meta = new Map<MetaName, string>();

  constructor(private readonly sql: SqlStorage) {
    migrate(sql);
    this.bytes = this.countBytes();
    for (const { name, value } of sql.exec<{ name: string; value: string }>('SELECT name, value FROM mvcc_meta')) {
      this.meta.set(name as MetaName, value);
    }
  }

  putKeyRows(rows: readonly KeyRow[]): void {
    this.insertRows('mvcc_key', rows);
    for (const r of rows) this.bytes += rowSize(r.key.length, r.value.length);
  }

  /**
   * The rows of a snapshot being received (`SnapshotStaging`): collected beside the live bucket
   * over many requests, swapped in by `install` in the turn that applies the snapshot.
   */
  readonly staging: SnapshotStaging = {
    clear: () => void this.sql.exec('DELETE FROM mvcc_key_staging'),
    add: (rows) => this.insertRows('mvcc_key_staging', rows),
    install: () => {
      this.sql.exec('DELETE FROM mvcc_key');
      this.sql.exec('INSERT INTO mvcc_key SELECT * FROM mvcc_key_staging');
      this.sql.exec('DELETE FROM mvcc_key_staging');
      this.bytes = this.countBytes();
    },
  };

  private countBytes(): number {
    const totals = this.sql
      .exec<{ n: number; bytes: number }>('SELECT COUNT(*) AS n, COALESCE(SUM(length(key) + length(value)), 0) AS bytes FROM mvcc_key')
      .one();
    return totals.bytes + rowSize(0, 0) * totals.n;
  }

  private insertRows(table: 'mvcc_key' | 'mvcc_key_staging', rows: readonly KeyRow[]): void {
    for (const row of rows) {
      if (row.key.length + row.value.length > MAX_ROW_BYTES) {
        throw new Error(`mvcc backend: a row of ${row.key.length + row.value.length} bytes exceeds the ${MAX_ROW_BYTES}-byte row cap`);
      }
    }
    for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
      const batch = rows.slice(at, at + ROWS_PER_INSERT);
      this.sql.exec(
        `INSERT INTO ${table} (rev, tombstone, key, value, create_revision, mod_revision, version, lease) VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        ...batch.flatMap((r) => [
          toBlob(revisionKey(r)),
          r.tombstone ? 1 : 0,
          toBlob(r.key),
          toBlob(r.value),
          r.createRevision,
          r.modRevision,
          r.version,
          r.lease.toString(),
        ]),
      );
    }
  }

  getKeyRows(revisions: readonly Revision[]): (KeyRow | undefined)[] {
    const found = new Map<Bytes, KeyRow>();
    for (let at = 0; at < revisions.length; at += MAX_PARAMS) {
      const batch = revisions.slice(at, at + MAX_PARAMS);
      const cursor = this.sql.exec<FullRow>(
        `SELECT ${HEAD_COLUMNS}, value FROM mvcc_key WHERE rev IN (${batch.map(() => '?').join(', ')})`,
        ...batch.map((r) => toBlob(revisionKey(r))),
      );
      for (const r of cursor) found.set(fromBlob(r.rev), fullRow(r));
    }
    return revisions.map((r) => found.get(revisionKey(r)));
  }

  scanKeyRows(span: RevisionSpan, limit: number): KeyRow[] {
    if (limit <= 0) return [];
    return this.sql
      .exec<FullRow>(
        `SELECT ${HEAD_COLUMNS}, value FROM mvcc_key WHERE rev >= ? AND rev < ? ORDER BY rev LIMIT ?`,
        toBlob(revisionKey(span.from)),
        toBlob(revisionKey(span.to)),
        clampLimit(limit),
      )
      .toArray()
      .map(fullRow);
  }

  scanKeyHeads(span: RevisionSpan, limit: number): KeyRowHead[] {
    if (limit <= 0) return [];
    return this.sql
      .exec<HeadRow>(
        `SELECT ${HEAD_COLUMNS} FROM mvcc_key WHERE rev >= ? AND rev < ? ORDER BY rev LIMIT ?`,
        toBlob(revisionKey(span.from)),
        toBlob(revisionKey(span.to)),
        clampLimit(limit),
      )
      .toArray()
      .map(headRow);
  }

  deleteKeyRows(revisions: readonly Revision[]): void {
    for (let at = 0; at < revisions.length; at += MAX_PARAMS) {
      const batch = revisions.slice(at, at + MAX_PARAMS);
      const gone = this.sql.exec<{ bytes: number }>(
        `DELETE FROM mvcc_key WHERE rev IN (${batch.map(() => '?').join(', ')}) RETURNING length(key) + length(value) AS bytes`,
        ...batch.map((r) => toBlob(revisionKey(r))),
      );
      for (const { bytes } of gone) this.bytes -= rowSize(bytes, 0);
    }
  }

  getMeta(name: MetaName): string | undefined {
    return this.meta.get(name);
  }

  putMeta(name: MetaName, value: string): void {
    this.sql.exec('INSERT OR REPLACE INTO mvcc_meta (name, value) VALUES (?, ?)', name, value);
    this.meta.set(name, value);
  }

  clear(): void {
    this.sql.exec('DELETE FROM mvcc_key');
    this.sql.exec('DELETE FROM mvcc_meta');
    this.bytes = 0;
    this.meta.clear();
  }

  size(): number {
    let metaBytes = 0;
    for (const [name, value] of this.meta) metaBytes += name.length + value.length;
    return this.bytes + metaBytes;
  }
}

/** SQLite's LIMIT is an int64; "everything" arrives as MAX_SAFE_INTEGER or more. */
const clampLimit = (limit: number): number => Math.min(limit, Number.MAX_SAFE_INTEGER);

function headRow(r: HeadRow): KeyRowHead {
  const rev = parseRevisionKey(fromBlob(r.rev));
  return {
    main: rev.main,
    sub: rev.sub,
    tombstone: r.tombstone === 1,
    key: fromBlob(r.key),
    createRevision: r.create_revision,
    modRevision: r.mod_revision,
    version: r.version,
    lease: BigInt(r.lease),
  };
}

function fullRow(r: FullRow): KeyRow {
  return { ...headRow(r), value: fromBlob(r.value) };
}

/** A byte string (one char per byte, see mvcc's kv.ts) as the bytes SQLite stores. */
function toBlob(s: Bytes): ArrayBuffer {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes.buffer;
}

/** Chunks keep `String.fromCharCode`'s argument count well inside engine limits. */
const DECODE_CHUNK = 8192;

function fromBlob(b: ArrayBuffer | null): Bytes {
  if (b === null) return '';
  const bytes = new Uint8Array(b);
  let out = '';
  for (let at = 0; at < bytes.length; at += DECODE_CHUNK) {
    out += String.fromCharCode(...bytes.subarray(at, at + DECODE_CHUNK));
  }
  return out;
}
