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
export { FROM_KEY, prefixEnd, rangeContains, SINGLE_KEY } from './key-range.ts';
export {
  CompactedError,
  EmptyWatcherRangeError,
  FutureRevError,
  MvccError,
  RevisionNotFoundError,
  WatcherDuplicateIdError,
  WatcherNotExistError,
} from './errors.ts';
