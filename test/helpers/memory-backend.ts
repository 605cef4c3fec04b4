import BTreeExport, { simpleComparator } from 'sorted-btree';
import {
  compareRevisions,
  revisionKey,
  rowSize,
  type Backend,
  type KeyRow,
  type KeyRowHead,
  type MetaName,
  type Revision,
  type RevisionSpan,
} from '../../src/mvcc/index.ts';

// Node's ESM loader (tsx) hands a CommonJS module's exports object; vite hands exports.default.
const BTree: typeof BTreeExport = (BTreeExport as unknown as { default?: typeof BTreeExport }).default ?? BTreeExport;

/**
 * The mvcc `Backend` on a B+ tree in memory: the "disk" of core tests. Rows are keyed by etcd's
 * 17-byte revision key, whose byte order is revision order. It survives a simulated restart (keep
 * the object, build a new store on it). `calls` counts port calls so tests can see batching.
 */
export class MemoryBackend implements Backend {
  private rows = new BTree<string, KeyRow>(undefined, simpleComparator as (a: string, b: string) => number);
  private meta = new Map<MetaName, string>();
  private bytes = 0;
  readonly calls = { putKeyRows: 0, getKeyRows: 0, scanKeyRows: 0, scanKeyHeads: 0, deleteKeyRows: 0 };

  putKeyRows(rows: readonly KeyRow[]): void {
    this.calls.putKeyRows++;
    for (const row of rows) {
      const at = revisionKey(row);
      if (this.rows.has(at)) throw new Error(`row ${row.main}.${row.sub} exists`);
      this.rows.set(at, { ...row });
      this.bytes += rowSize(row.key.length, row.value.length);
    }
  }

  getKeyRows(revisions: readonly Revision[]): (KeyRow | undefined)[] {
    this.calls.getKeyRows++;
    return revisions.map((rev) => {
      const row = this.rows.get(revisionKey(rev));
      return row === undefined ? undefined : { ...row };
    });
  }

  scanKeyRows(span: RevisionSpan, limit: number): KeyRow[] {
    this.calls.scanKeyRows++;
    return this.scan(span, limit).map((row) => ({ ...row }));
  }

  scanKeyHeads(span: RevisionSpan, limit: number): KeyRowHead[] {
    this.calls.scanKeyHeads++;
    return this.scan(span, limit).map(({ value: _value, ...head }) => head);
  }

  deleteKeyRows(revisions: readonly Revision[]): void {
    this.calls.deleteKeyRows++;
    for (const rev of revisions) {
      const at = revisionKey(rev);
      const row = this.rows.get(at);
      if (row === undefined) continue;
      this.rows.delete(at);
      this.bytes -= rowSize(row.key.length, row.value.length);
    }
  }

  getMeta(name: MetaName): string | undefined {
    return this.meta.get(name);
  }

  putMeta(name: MetaName, value: string): void {
    this.meta.set(name, value);
  }

  size(): number {
    let metaBytes = 0;
    for (const [name, value] of this.meta) metaBytes += name.length + value.length;
    return this.bytes + metaBytes;
  }

  clear(): void {
    this.rows = new BTree<string, KeyRow>(undefined, simpleComparator as (a: string, b: string) => number);
    this.meta = new Map();
    this.bytes = 0;
  }

  /**
   * Takes over another backend's contents, as a member installing a snapshot rewrites its tables
   * (then `restore()` rebuilds the store on top).
   */
  replaceWith(other: MemoryBackend): void {
    this.rows = other.rows.clone();
    this.meta = new Map(other.meta);
    this.bytes = other.bytes;
  }

  /** Rows held (tests). */
  get rowCount(): number {
    return this.rows.size;
  }

  private scan(span: RevisionSpan, limit: number): KeyRow[] {
    const out: KeyRow[] = [];
    if (limit <= 0 || compareRevisions(span.from, span.to) >= 0) return out;
    this.rows.editRange(revisionKey(span.from), revisionKey(span.to), false, (_k, row) => {
      out.push(row);
      return out.length >= limit ? { break: true } : undefined;
    });
    return out;
  }
}
