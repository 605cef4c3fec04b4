/**
 * etcd's mvcc errors (mvcc/kvstore.go, key_index.go, watcher.go), with etcd's messages: the v3
 * applier maps them onto rpctypes (`ErrCompacted` → `Rpc.Compacted` ...), and the watch stream
 * sends the watcher errors' messages as a create response's `cancelReason`.
 */
export class MvccError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MvccError';
  }
}

/** A read or compaction at a revision at or below the compacted one. */
export class CompactedError extends MvccError {
  constructor() {
    super('mvcc: required revision has been compacted');
    this.name = 'CompactedError';
  }
}

/** A read or compaction at a revision the store has not reached. */
export class FutureRevError extends MvccError {
  constructor() {
    super('mvcc: required revision is a future revision');
    this.name = 'FutureRevError';
  }
}

/** A key index has no revision for the request (etcd's `ErrRevisionNotFound`). */
export class RevisionNotFoundError extends MvccError {
  constructor() {
    super('mvcc: revision not found');
    this.name = 'RevisionNotFoundError';
  }
}

/** A watch on [key, end) with end <= key, or on a closed stream (etcd's `ErrEmptyWatcherRange`). */
export class EmptyWatcherRangeError extends MvccError {
  constructor() {
    super('mvcc: watcher range is empty');
    this.name = 'EmptyWatcherRangeError';
  }
}

/** A client-chosen watch ID already in use on the stream (3.4's `ErrWatcherDuplicateID`). */
export class WatcherDuplicateIdError extends MvccError {
  constructor() {
    super('mvcc: duplicate watch ID provided on the WatchStream');
    this.name = 'WatcherDuplicateIdError';
  }
}
