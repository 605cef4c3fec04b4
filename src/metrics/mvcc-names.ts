import type { Counter } from './metric.ts';
import type { Registry } from './registry.ts';

/**
 * The seam for the v3 store (mvcc/metrics.go, mvcc/backend): the families etcd 3.4's mvcc
 * exposes, registered once a member runs a v3 store. Until then a member shows none of them:
 * a counter stuck at zero would claim v3 traffic was looked for and not seen.
 *
 * The v3 applier fills: `etcd_mvcc_{range,put,delete,txn}_total` (and their `etcd_debugging_mvcc_*`
 * twins, which etcd 3.4 still serves) through the returned counters, one `inc()` per request as
 * etcd's `metricsTxnWrite`/`kvServer` count them; `etcd_debugging_mvcc_keys_total`,
 * `etcd_mvcc_db_total_size_in_bytes`, `etcd_mvcc_db_total_size_in_use_in_bytes`,
 * `etcd_debugging_mvcc_current_revision` and `etcd_debugging_mvcc_compact_revision` from
 * `readings`, read when gathered; watch gauges come with the v3 watch (`watcher_total`,
 * `watch_stream_total`).
 */
export interface MvccReadings {
  keys(): number;
  /** The SQLite rows of the v3 backend, in bytes. */
  dbTotalSizeBytes(): number;
  dbInUseBytes(): number;
  currentRevision(): number;
  compactRevision(): number;
  watchers(): number;
  watchStreams(): number;
}

export interface MvccCounters {
  range: Counter;
  put: Counter;
  delete: Counter;
  txn: Counter;
}

export function registerMvccMetrics(registry: Registry, readings: MvccReadings): MvccCounters {
  const pair = (what: string, help: string): Counter => {
    const counter = registry.counter({ name: `etcd_mvcc_${what}_total`, help });
    // etcd 3.4 serves each twice, the second under etcd_debugging_ (to be removed in 3.5).
    registry.counterFunction({ name: `etcd_debugging_mvcc_${what}_total`, help }, () => counter.value);
    return counter;
  };
  const counters: MvccCounters = {
    range: pair('range', 'Total number of ranges seen by this member.'),
    put: pair('put', 'Total number of puts seen by this member.'),
    delete: pair('delete', 'Total number of deletes seen by this member.'),
    txn: pair('txn', 'Total number of txns seen by this member.'),
  };
  registry.gaugeFunction({ name: 'etcd_debugging_mvcc_keys_total', help: 'Total number of keys.' }, () => readings.keys());
  registry.gaugeFunction(
    { name: 'etcd_mvcc_db_total_size_in_bytes', help: 'Total size of the underlying database physically allocated in bytes.' },
    () => readings.dbTotalSizeBytes(),
  );
  registry.gaugeFunction(
    { name: 'etcd_mvcc_db_total_size_in_use_in_bytes', help: 'Total size of the underlying database logically in use in bytes.' },
    () => readings.dbInUseBytes(),
  );
  registry.gaugeFunction({ name: 'etcd_debugging_mvcc_current_revision', help: 'The current revision of store.' }, () => readings.currentRevision());
  registry.gaugeFunction(
    { name: 'etcd_debugging_mvcc_compact_revision', help: 'The revision of the last compaction in store.' },
    () => readings.compactRevision(),
  );
  registry.gaugeFunction({ name: 'etcd_debugging_mvcc_watcher_total', help: 'Total number of watchers.' }, () => readings.watchers());
  registry.gaugeFunction({ name: 'etcd_debugging_mvcc_watch_stream_total', help: 'Total number of watch streams.' }, () => readings.watchStreams());
  return counters;
}
