/**
 * Typed errors. Expected refusals (a compacted index, a proposal with no leader to take it) are
 * distinct classes so callers can `instanceof` them; `RaftInvariantError` means a bug or a
 * corrupted disk, never a condition to handle.
 */
export class RaftError extends Error {
  override name = 'RaftError';
}

/** The requested index is older than the storage's first index (etcd's ErrCompacted). */
export class CompactedError extends RaftError {
  override name = 'CompactedError';
  constructor(message = 'requested index is unavailable due to compaction') {
    super(message);
  }
}

/** A snapshot older than the one already held was offered (etcd's ErrSnapOutOfDate). */
export class SnapOutOfDateError extends RaftError {
  override name = 'SnapOutOfDateError';
  constructor(message = 'requested index is older than the existing snapshot') {
    super(message);
  }
}

/** The requested entry is not in storage (yet) (etcd's ErrUnavailable). */
export class UnavailableError extends RaftError {
  override name = 'UnavailableError';
  constructor(message = 'requested entry at index is unavailable') {
    super(message);
  }
}

/** The storage is making a snapshot; the leader retries later (etcd's ErrSnapshotTemporarilyUnavailable). */
export class SnapshotTemporarilyUnavailableError extends RaftError {
  override name = 'SnapshotTemporarilyUnavailableError';
  constructor(message = 'snapshot is temporarily unavailable') {
    super(message);
  }
}

/**
 * A proposal was not accepted: no leader is known, a leader transfer is under way, this node was
 * removed, or the uncommitted log is over its size limit (etcd's ErrProposalDropped). Retry later
 * or elsewhere; nothing was appended.
 */
export class ProposalDroppedError extends RaftError {
  override name = 'ProposalDroppedError';
  constructor(message = 'raft proposal dropped') {
    super(message);
  }
}

/** A local-only message type was passed to `step` (etcd's ErrStepLocalMsg). */
export class StepLocalMsgError extends RaftError {
  override name = 'StepLocalMsgError';
  constructor(message = 'raft: cannot step raft local message') {
    super(message);
  }
}

/** A response from a node that is not in the configuration (etcd's ErrStepPeerNotFound). */
export class StepPeerNotFoundError extends RaftError {
  override name = 'StepPeerNotFoundError';
  constructor(message = 'raft: cannot step as peer not found') {
    super(message);
  }
}

/** An impossible state: a bug, or storage that broke its contract. Never caught on purpose. */
export class RaftInvariantError extends RaftError {
  override name = 'RaftInvariantError';
}
