import type { MetricOptions } from './metric.ts';
import type { Registry } from './registry.ts';

/**
 * etcd 3.4's mvcc families (mvcc/metrics.go), with etcd's names, types and help texts. etcd
 * 3.4 serves most of them twice, under `etcd_` and again under `etcd_debugging_` ("TODO: remove
 * in 3.5"); so does edgecd, from the same reading.
 */
export const MVCC = {
  range: { name: 'etcd_mvcc_range_total', help: 'Total number of ranges seen by this member.' },
  rangeDebug: { name: 'etcd_debugging_mvcc_range_total', help: 'Total number of ranges seen by this member.' },
  put: { name: 'etcd_mvcc_put_total', help: 'Total number of puts seen by this member.' },
  putDebug: { name: 'etcd_debugging_mvcc_put_total', help: 'Total number of puts seen by this member.' },
  delete: { name: 'etcd_mvcc_delete_total', help: 'Total number of deletes seen by this member.' },
  deleteDebug: { name: 'etcd_debugging_mvcc_delete_total', help: 'Total number of deletes seen by this member.' },
  txn: { name: 'etcd_mvcc_txn_total', help: 'Total number of txns seen by this member.' },
  txnDebug: { name: 'etcd_debugging_mvcc_txn_total', help: 'Total number of txns seen by this member.' },
  keys: { name: 'etcd_debugging_mvcc_keys_total', help: 'Total number of keys.' },
  watchStreams: { name: 'etcd_debugging_mvcc_watch_stream_total', help: 'Total number of watch streams.' },
  watchers: { name: 'etcd_debugging_mvcc_watcher_total', help: 'Total number of watchers.' },
  slowWatchers: { name: 'etcd_debugging_mvcc_slow_watcher_total', help: 'Total number of unsynced slow watchers.' },
  events: { name: 'etcd_debugging_mvcc_events_total', help: 'Total number of events sent by this member.' },
  pendingEvents: { name: 'etcd_debugging_mvcc_pending_events_total', help: 'Total number of pending events to be sent.' },
  compactedKeys: { name: 'etcd_debugging_mvcc_db_compaction_keys_total', help: 'Total number of db keys compacted.' },
  dbTotalSize: { name: 'etcd_mvcc_db_total_size_in_bytes', help: 'Total size of the underlying database physically allocated in bytes.' },
  dbTotalSizeDebug: {
    name: 'etcd_debugging_mvcc_db_total_size_in_bytes',
    help: 'Total size of the underlying database physically allocated in bytes.',
  },
  dbInUse: { name: 'etcd_mvcc_db_total_size_in_use_in_bytes', help: 'Total size of the underlying database logically in use in bytes.' },
  currentRevision: { name: 'etcd_debugging_mvcc_current_revision', help: 'The current revision of store.' },
  compactRevision: { name: 'etcd_debugging_mvcc_compact_revision', help: 'The revision of the last compaction in store.' },
  putSize: { name: 'etcd_debugging_mvcc_total_put_size_in_bytes', help: 'The total size of put kv pairs seen by this member.' },
} satisfies Record<string, MetricOptions>;

/** What the v3 store has counted so far (the store keeps these as etcd moves its metrics). */
export interface MvccCounts {
  ranges: number;
  puts: number;
  deletes: number;
  txns: number;
  putBytes: number;
  keys: number;
  compactedRows: number;
  watchStreams: number;
  events: number;
}

/** The v3 store as its metrics read it, when gathered. */
export interface MvccReadings {
  counts(): MvccCounts;
  /** The backend's bytes; SQLite allocates pages for the whole member, so total and in use are one figure. */
  dbSizeBytes(): number;
  currentRevision(): number;
  /** -1 before the first compaction, as etcd's `compactMainRev`. */
  compactRevision(): number;
  /** Every watcher, and the slow ones: unsynced (catching up) or victims (their consumer was full). */
  watchers(): { total: number; slow: number };
}

/**
 * Registers the mvcc families, each read from the store when gathered.
 *
 * Not served: `db_open_read_transactions` (a read view here lives within one synchronous turn,
 * never across a scrape), the compaction pause histograms (they time synchronous work, which
 * workerd's clock does not advance through: every one would read 0 ms), the total compaction
 * duration (set here by the tick pace, ten batches a tick, not by the work) and the hash
 * durations (likewise synchronous).
 */
export function registerMvccMetrics(registry: Registry, store: MvccReadings): void {
  const counter = (options: MetricOptions, read: (c: MvccCounts) => number): void => registry.counterFunction(options, () => read(store.counts()));
  const gauge = (options: MetricOptions, read: () => number): void => registry.gaugeFunction(options, read);
  for (const [plain, debug, read] of [
    [MVCC.range, MVCC.rangeDebug, (c: MvccCounts) => c.ranges],
    [MVCC.put, MVCC.putDebug, (c: MvccCounts) => c.puts],
    [MVCC.delete, MVCC.deleteDebug, (c: MvccCounts) => c.deletes],
    [MVCC.txn, MVCC.txnDebug, (c: MvccCounts) => c.txns],
  ] as const) {
    counter(plain, read);
    counter(debug, read);
  }
  counter(MVCC.events, (c) => c.events);
  counter(MVCC.compactedKeys, (c) => c.compactedRows);
  gauge(MVCC.keys, () => store.counts().keys);
  gauge(MVCC.watchStreams, () => store.counts().watchStreams);
  gauge(MVCC.watchers, () => store.watchers().total);
  gauge(MVCC.slowWatchers, () => store.watchers().slow);
  // etcd's pending events wait in a watcher's channel for its stream's send loop; here a stream
  // hands each response to its consumer as the store delivers it, so none ever waits there.
  gauge(MVCC.pendingEvents, () => 0);
  // A gauge in etcd, though it only grows.
  gauge(MVCC.putSize, () => store.counts().putBytes);
  gauge(MVCC.dbTotalSize, () => store.dbSizeBytes());
  gauge(MVCC.dbTotalSizeDebug, () => store.dbSizeBytes());
  gauge(MVCC.dbInUse, () => store.dbSizeBytes());
  gauge(MVCC.currentRevision, () => store.currentRevision());
  gauge(MVCC.compactRevision, () => store.compactRevision());
}
