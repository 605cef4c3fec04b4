/**
 * What etcd's mvcc counts as it runs (mvcc/metrics.go, metrics_txn.go), kept by the store where
 * etcd moves its gauges and counters, for a host's `/metrics` to read. Plain numbers: the store
 * neither registers nor formats anything.
 */
export interface StoreCounts {
  /** Ranges, puts and deletes run by every read view and write txn (etcd's `metricsTxnWrite`). */
  ranges: number;
  puts: number;
  deletes: number;
  /** Views and txns that ran more than one range, put or delete: what etcd's `txn_total` counts. */
  txns: number;
  /** Key plus value bytes of every put (`total_put_size_in_bytes`). */
  putBytes: number;
  /** Live keys: +1 when a key is created, -1 when it is deleted (`keyIndex.put` / `tombstone`). */
  keys: number;
  /** Key bucket rows physical compaction deleted (`db_compaction_keys_total`). */
  compactedRows: number;
  /** Watch streams open (`watch_stream_total`: +1 in `NewWatchStream`, -1 in `Close`). */
  watchStreams: number;
  /** Events handed to watch stream consumers (v3rpc's `ReportEventReceived`). */
  events: number;
}

export const newStoreCounts = (): StoreCounts => ({
  ranges: 0,
  puts: 0,
  deletes: 0,
  txns: 0,
  putBytes: 0,
  keys: 0,
  compactedRows: 0,
  watchStreams: 0,
  events: 0,
});

/**
 * One view's or txn's operations (etcd's `metricsTxnWrite`). Each is added to the store's counts
 * as it runs, so a view that fails a check and is never ended still counts what it ran; whether
 * it was a txn (more than one operation) is decided when it ends, as etcd's `End` decides it.
 */
export class TxnTally {
  private ops = 0;

  constructor(private readonly counts: StoreCounts) {}

  range(): void {
    this.ops++;
    this.counts.ranges++;
  }

  put(keyBytes: number, valueBytes: number): void {
    this.ops++;
    this.counts.puts++;
    this.counts.putBytes += keyBytes + valueBytes;
  }

  delete(): void {
    this.ops++;
    this.counts.deletes++;
  }

  end(): void {
    if (this.ops > 1) this.counts.txns++;
    this.ops = 0;
  }
}
