import {
  CompactedError,
  limitSize,
  UnavailableError,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
  type WritableStorage,
} from '../raft/index.ts';
import type { LogStore } from '../server/index.ts';
import { migrate } from './schema.ts';

/**
 * Rows are capped at 2 MB on Durable Objects, and text is stored as UTF-8 (up to three bytes a
 * character): a snapshot, or an entry longer than this, is kept in parts of at most this many
 * characters (1.5 MiB at worst).
 */
const PART_CHARS = 512 * 1024;
/** Rows per INSERT: each row binds 5 parameters, and a statement may bind at most 100. */
const ROWS_PER_INSERT = 20;
/** Recent entries kept in memory: the leader replicates from here without touching SQLite. */
const TAIL_CACHE_ENTRIES = 4096;
/** ...and at most this many characters of them (a run of 1.5 MiB values must not fill the isolate's 128 MB). */
const TAIL_CACHE_CHARS = 16 * 1024 * 1024;

const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [] };

interface EntryRow extends Record<string, SqlStorageValue> {
  idx: number;
  term: number;
  conf_change: number;
  data: string;
  parts: number;
}

/**
 * `text` in pieces of at most `max` characters, never between the two halves of a surrogate
 * pair (a lone half would be stored as U+FFFD, corrupting the text).
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(at + max, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last < 0xdc00) end--;
    parts.push(text.slice(at, end));
    at = end;
  }
  return parts;
}

/**
 * etcd/raft's `Storage` on a Durable Object's SQLite database: the member's data dir.
 *
 * The log is entries (logStart.index, lastIndex]; `logStart` is the last compacted entry (its
 * term is still known, as etcd's MemoryStorage keeps a dummy entry for it). Bookkeeping lives in
 * memory and is reloaded at construction; every write goes to SQLite in the same synchronous call.
 */
export class SqliteLogStore implements LogStore, WritableStorage {
  private hardState: HardState = { term: 0, vote: '', commit: 0 };
  private logStart = { index: 0, term: 0 };
  private last = 0;
  private snapshotMeta: Snapshot['metadata'] = { index: 0, term: 0, confState: EMPTY_CONF_STATE };
  /** A contiguous suffix of the log, ending at `last`. */
  private tail: Entry[] = [];
  /** The characters of data in `tail`. */
  private tailChars = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly transaction: <T>(closure: () => T) => T,
  ) {
    migrate(sql);
    this.load();
  }

  private load(): void {
    const hs = this.sql.exec<{ term: number; vote: string; commit_index: number }>(
      'SELECT term, vote, commit_index FROM raft_hard_state',
    ).toArray()[0];
    if (hs !== undefined) this.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit_index };
    const start = this.sql.exec<{ idx: number; term: number }>('SELECT idx, term FROM raft_log_start').toArray()[0];
    if (start !== undefined) this.logStart = { index: start.idx, term: start.term };
    const snap = this.sql.exec<{ idx: number; term: number; conf_state: string }>(
      'SELECT idx, term, conf_state FROM raft_snapshot',
    ).toArray()[0];
    if (snap !== undefined) {
      this.snapshotMeta = { index: snap.idx, term: snap.term, confState: JSON.parse(snap.conf_state) as ConfState };
    }
    const lastRow = this.sql.exec<{ idx: number | null }>('SELECT MAX(idx) AS idx FROM raft_entries').toArray()[0];
    this.last = lastRow?.idx ?? this.logStart.index;
    this.setTail(this.readRows(Math.max(this.logStart.index + 1, this.last - TAIL_CACHE_ENTRIES + 1), this.last + 1));
  }

  // ---- etcd/raft Storage (reads) ----

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: this.confStateAtStart() };
  }

  firstIndex(): number {
    return this.logStart.index + 1;
  }

  lastIndex(): number {
    return this.last;
  }

  term(index: number): number {
    if (index < this.logStart.index) throw new CompactedError();
    if (index === this.logStart.index) return this.logStart.term;
    if (index > this.last) throw new UnavailableError();
    const cached = this.cached(index);
    if (cached !== undefined) return cached.term;
    const row = this.sql.exec<{ term: number }>('SELECT term FROM raft_entries WHERE idx = ?', index).toArray()[0];
    if (row === undefined) throw new UnavailableError();
    return row.term;
  }

  entries(lo: number, hi: number, maxSize = Number.POSITIVE_INFINITY): Entry[] {
    if (lo <= this.logStart.index) throw new CompactedError();
    if (hi > this.last + 1) throw new UnavailableError();
    const tailStart = this.tail[0]?.index ?? Number.POSITIVE_INFINITY;
    const all = lo >= tailStart ? this.tail.slice(lo - tailStart, hi - tailStart) : this.readRows(lo, hi);
    return maxSize === Number.POSITIVE_INFINITY ? all : limitSize(all, maxSize);
  }

  snapshot(): Snapshot {
    const chunks = this.sql.exec<{ data: string }>('SELECT data FROM raft_snapshot_chunks ORDER BY seq').toArray();
    return { metadata: structuredClone(this.snapshotMeta), data: chunks.map((c) => c.data).join('') };
  }

  // ---- writes ----

  /** One Ready's writes in one transaction: snapshot first, then entries, then the hard state. */
  save(update: { hardState?: HardState; entries: readonly Entry[]; snapshot?: Snapshot }): void {
    this.transaction(() => {
      if (update.snapshot !== undefined && update.snapshot.metadata.index > 0) this.applySnapshot(update.snapshot);
      if (update.entries.length > 0) this.append(update.entries);
      if (update.hardState !== undefined) this.setHardState(update.hardState);
    });
  }

  saveSnapshot(snapshot: Snapshot, compactTo: number): void {
    this.transaction(() => {
      this.writeSnapshot(snapshot);
      this.compact(compactTo);
    });
  }

  setHardState(hardState: HardState): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO raft_hard_state (id, term, vote, commit_index) VALUES (1, ?, ?, ?)',
      hardState.term,
      hardState.vote,
      hardState.commit,
    );
    this.hardState = { ...hardState };
  }

  /** Appends, first dropping any suffix the new entries conflict with (Raft §5.3). */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index + entries.length - 1 <= this.logStart.index) return;
    const fresh = first.index <= this.logStart.index ? entries.slice(this.logStart.index + 1 - first.index) : entries;
    const from = fresh[0]!.index;
    if (from > this.last + 1) throw new Error(`log gap: appending ${from} after ${this.last}`);
    if (from <= this.last) {
      this.sql.exec('DELETE FROM raft_entries WHERE idx >= ?', from);
      this.sql.exec('DELETE FROM raft_entry_parts WHERE idx >= ?', from);
    }
    // Many rows per statement (5 parameters each, under the platform's 100 per statement); an
    // entry too long for one row has its data in parts.
    for (let at = 0; at < fresh.length; at += ROWS_PER_INSERT) {
      const rows = fresh.slice(at, at + ROWS_PER_INSERT).map((e) => ({ entry: e, parts: e.data.length > PART_CHARS ? splitText(e.data, PART_CHARS) : undefined }));
      this.sql.exec(
        `INSERT INTO raft_entries (idx, term, conf_change, data, parts) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        ...rows.flatMap(({ entry: e, parts }) => [e.index, e.term, e.type === 'confChange' ? 1 : 0, parts === undefined ? e.data : '', parts?.length ?? 0]),
      );
      for (const { entry, parts } of rows) {
        parts?.forEach((part, seq) => this.sql.exec('INSERT INTO raft_entry_parts (idx, seq, data) VALUES (?, ?, ?)', entry.index, seq, part));
      }
    }
    this.last = fresh[fresh.length - 1]!.index;
    const tailStart = this.tail[0]?.index;
    if (tailStart === undefined || from < tailStart) {
      this.setTail([...fresh]);
    } else {
      for (const dropped of this.tail.splice(from - tailStart)) this.tailChars -= dropped.data.length;
      for (const e of fresh) {
        this.tail.push(e);
        this.tailChars += e.data.length;
      }
    }
    this.trimTail();
  }

  /** Replaces the whole log by a snapshot received from the leader. */
  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.metadata.index <= this.snapshotMeta.index) return;
    this.writeSnapshot(snapshot);
    this.sql.exec('DELETE FROM raft_entries');
    this.sql.exec('DELETE FROM raft_entry_parts');
    this.setLogStart(snapshot.metadata.index, snapshot.metadata.term);
    this.last = snapshot.metadata.index;
    this.setTail([]);
  }

  /** etcd's `MemoryStorage.CreateSnapshot`: the applied state at `index`, which must be in the log. */
  createSnapshot(index: number, confState: ConfState | undefined, data: string): Snapshot {
    if (index <= this.snapshotMeta.index) return this.snapshot();
    if (index > this.last) throw new Error(`snapshot ${index} is out of bound lastindex(${this.last})`);
    const snapshot: Snapshot = {
      metadata: { index, term: this.term(index), confState: confState ?? this.snapshotMeta.confState },
      data,
    };
    this.transaction(() => this.writeSnapshot(snapshot));
    return snapshot;
  }

  /** Discards entries up to and including `index` (which must already be covered by a snapshot). */
  compact(index: number): void {
    if (index <= this.logStart.index) return;
    if (index > this.last) throw new Error(`compact ${index} is out of bound lastindex(${this.last})`);
    const term = this.term(index);
    this.sql.exec('DELETE FROM raft_entries WHERE idx <= ?', index);
    this.sql.exec('DELETE FROM raft_entry_parts WHERE idx <= ?', index);
    this.setLogStart(index, term);
    const tailStart = this.tail[0]?.index;
    if (tailStart !== undefined && index >= tailStart) this.setTail(this.tail.slice(index - tailStart + 1));
  }

  // ---- helpers ----

  private writeSnapshot(snapshot: Snapshot): void {
    const { index, term, confState } = snapshot.metadata;
    this.sql.exec('DELETE FROM raft_snapshot_chunks');
    let chunks = 0;
    for (const part of splitText(snapshot.data, PART_CHARS)) this.sql.exec('INSERT INTO raft_snapshot_chunks (seq, data) VALUES (?, ?)', chunks++, part);
    this.sql.exec(
      'INSERT OR REPLACE INTO raft_snapshot (id, idx, term, conf_state, chunks) VALUES (1, ?, ?, ?, ?)',
      index,
      term,
      JSON.stringify(confState),
      chunks,
    );
    this.snapshotMeta = structuredClone(snapshot.metadata);
  }

  private setLogStart(index: number, term: number): void {
    this.sql.exec('INSERT OR REPLACE INTO raft_log_start (id, idx, term) VALUES (1, ?, ?)', index, term);
    this.logStart = { index, term };
  }

  private confStateAtStart(): ConfState {
    return structuredClone(this.snapshotMeta.confState);
  }

  private setTail(entries: Entry[]): void {
    this.tail = entries;
    this.tailChars = entries.reduce((sum, e) => sum + e.data.length, 0);
    this.trimTail();
  }

  /** Drops the oldest cached entries past the cache's bounds (the log keeps them; reads fall back to SQLite). */
  private trimTail(): void {
    if (this.tail.length <= 2 * TAIL_CACHE_ENTRIES && this.tailChars <= TAIL_CACHE_CHARS) return;
    let drop = Math.max(0, this.tail.length - TAIL_CACHE_ENTRIES);
    let chars = this.tailChars;
    for (let i = 0; i < drop; i++) chars -= this.tail[i]!.data.length;
    while (chars > TAIL_CACHE_CHARS && drop < this.tail.length - 1) chars -= this.tail[drop++]!.data.length;
    this.tail = this.tail.slice(drop);
    this.tailChars = chars;
  }

  private cached(index: number): Entry | undefined {
    const tailStart = this.tail[0]?.index;
    return tailStart === undefined || index < tailStart ? undefined : this.tail[index - tailStart];
  }

  private readRows(lo: number, hi: number): Entry[] {
    if (lo >= hi) return [];
    return this.sql
      .exec<EntryRow>('SELECT idx, term, conf_change, data, parts FROM raft_entries WHERE idx >= ? AND idx < ? ORDER BY idx', lo, hi)
      .toArray()
      .map((r) => ({ index: r.idx, term: r.term, type: r.conf_change === 1 ? 'confChange' : 'normal', data: r.parts === 0 ? r.data : this.readParts(r.idx) }));
  }

  private readParts(index: number): string {
    return this.sql
      .exec<{ data: string }>('SELECT data FROM raft_entry_parts WHERE idx = ? ORDER BY seq', index)
      .toArray()
      .map((p) => p.data)
      .join('');
  }
}
