/**
 * edgecd's Raft core: a pure, tick-driven Raft after etcd/raft's design (RawNode + Ready). The
 * library does no I/O; the application persists, sends and applies what each Ready asks.
 */
export { RawNode, type Ready, type Status, type ProgressStatus } from './raw-node.ts';
export { CAMPAIGN_TRANSFER, type Config, type Logger } from './raft.ts';
export { MemoryStorage, type Storage, type WritableStorage } from './storage.ts';
export {
  CompactedError,
  ProposalDroppedError,
  RaftError,
  RaftInvariantError,
  SnapOutOfDateError,
  SnapshotTemporarilyUnavailableError,
  StepLocalMsgError,
  StepPeerNotFoundError,
  UnavailableError,
} from './errors.ts';
export {
  EMPTY_SNAPSHOT,
  NONE,
  entrySize,
  isEmptyHardState,
  isEmptySnapshot,
  isLocalMessage,
  isResponseMessage,
  limitSize,
  message,
  type ConfChange,
  type ConfChangeType,
  type ConfState,
  type Entry,
  type EntryType,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SnapshotMetadata,
  type SoftState,
  type StateType,
} from './messages.ts';
export type { ProgressState } from './progress.ts';
