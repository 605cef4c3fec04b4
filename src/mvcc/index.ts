export { NO_LEASE, type Bytes, type Event, type EventType, type KeyValue, type LeaseId } from './kv.ts';
export {
  compareRevisions,
  isTombstoneKey,
  parseRevisionKey,
  revisionGreater,
  revisionKey,
  REVISION_KEY_LENGTH,
  type Revision,
} from './revision.ts';
export { FROM_KEY, rangeContains, SINGLE_KEY } from './key-range.ts';
export {
  CompactedError,
  EmptyWatcherRangeError,
  FutureRevError,
  MvccError,
  RevisionNotFoundError,
  WatcherDuplicateIdError,
} from './errors.ts';
export {
  ROW_OVERHEAD_BYTES,
  rowKeyValue,
  rowSize,
  type Backend,
  type KeyRow,
  type KeyRowHead,
  type MetaName,
  type RevisionSpan,
} from './backend.ts';
export type { LeaseAttachments } from './store-state.ts';
export type { RangeOptions, RangeResult, ReadView, TxnRead, TxnWrite, WriteView } from './kv-store-txn.ts';
export { DEFAULT_COMPACTION_BATCH_LIMIT } from './kv-store-compaction.ts';
export { KVStore, type KVStoreOptions } from './kv-store.ts';
export type { StoreCounts } from './store-counts.ts';
export type { HashResult } from './hash.ts';
export { Crc32c, crc32c } from './crc32c.ts';
export { marshalKeyValue } from './kv-marshal.ts';
export {
  MAX_WATCHERS_PER_SYNC,
  SYNC_BATCH_ROWS,
  WatchableStore,
  type WatchableStoreOptions,
} from './watchable-store.ts';
export { WATCH_BATCH_MAX_REVS } from './watcher-group.ts';
export type { EventFilter, Watcher, WatcherResponse, WatcherSink, WatchId } from './watcher.ts';
export {
  AUTO_WATCH_ID,
  INVALID_WATCH_ID,
  WatchStream,
  type WatchCreateRequest,
  type WatchFilterType,
  type WatchStreamResponse,
  type WatchStreamSink,
} from './watch-stream.ts';
