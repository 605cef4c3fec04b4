/**
 * The wire and storage types, after etcd's raftpb. Everything here is plain JSON: numbers for
 * terms and indexes, strings for node IDs (etcd's 64-bit member IDs as 16 hex digits do not fit a
 * JS number). `''` is "no node" (etcd's `None`).
 */

/** A node ID; `''` means none. */
export type NodeId = string;

/** `''`: etcd's `None`. */
export const NONE: NodeId = '';

export type EntryType = 'normal' | 'confChange';

/**
 * A log entry. `data` is opaque to Raft. A `normal` entry with empty data is the no-op a new
 * leader appends (Raft paper §8: it commits the entries of earlier terms); a `confChange` entry
 * carries a JSON-encoded {@link ConfChange}.
 */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: string;
}

/** The cluster configuration: voters count towards quorums, learners only receive the log. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

/** A snapshot of the application state up to and including `metadata.index` (paper §7). */
export interface Snapshot {
  metadata: SnapshotMetadata;
  data: string;
}

/** What must be durable before a node answers anyone (paper Figure 2, "persistent state"). */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export type ConfChangeType = 'addNode' | 'removeNode' | 'addLearnerNode';

/**
 * One membership change (etcd's ConfChange v1: one voter at a time, thesis §4.1). It travels as
 * JSON in a `confChange` entry and takes effect when the entry is applied. `nodeId: ''` makes it
 * a no-op (what etcd does to a change the application refuses).
 */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  context?: string;
}

export type MessageType =
  | 'MsgHup'
  | 'MsgBeat'
  | 'MsgProp'
  | 'MsgApp'
  | 'MsgAppResp'
  | 'MsgVote'
  | 'MsgVoteResp'
  | 'MsgSnap'
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgUnreachable'
  | 'MsgSnapStatus'
  | 'MsgCheckQuorum'
  | 'MsgTransferLeader'
  | 'MsgTimeoutNow'
  | 'MsgReadIndex'
  | 'MsgReadIndexResp'
  | 'MsgPreVote'
  | 'MsgPreVoteResp';

/**
 * A Raft message, as etcd's raftpb.Message: every field present, so one shape serves every type
 * (the meaning of `index`/`logTerm`/`rejectHint` depends on `type`, exactly as in etcd).
 * `snapshot` is present on MsgSnap only.
 */
export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  rejectHint: number;
  context: string;
}

/** A message with only the fields a caller cares about; the rest take their zero values. */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  const m: Message = {
    type: fields.type,
    to: fields.to ?? NONE,
    from: fields.from ?? NONE,
    term: fields.term ?? 0,
    logTerm: fields.logTerm ?? 0,
    index: fields.index ?? 0,
    entries: fields.entries ?? [],
    commit: fields.commit ?? 0,
    reject: fields.reject ?? false,
    rejectHint: fields.rejectHint ?? 0,
    context: fields.context ?? '',
  };
  if (fields.snapshot !== undefined) m.snapshot = fields.snapshot;
  return m;
}

/** Messages that only exist inside a node (etcd's IsLocalMsg); a peer never sends them. */
export function isLocalMessage(type: MessageType): boolean {
  return (
    type === 'MsgHup' ||
    type === 'MsgBeat' ||
    type === 'MsgUnreachable' ||
    type === 'MsgSnapStatus' ||
    type === 'MsgCheckQuorum'
  );
}

/** Responses (etcd's IsResponseMsg). */
export function isResponseMessage(type: MessageType): boolean {
  return (
    type === 'MsgAppResp' ||
    type === 'MsgVoteResp' ||
    type === 'MsgHeartbeatResp' ||
    type === 'MsgUnreachable' ||
    type === 'MsgPreVoteResp'
  );
}

export type StateType = 'StateFollower' | 'StateCandidate' | 'StateLeader' | 'StatePreCandidate';

/** Volatile state worth telling the application about: who leads, and this node's role. */
export interface SoftState {
  lead: NodeId;
  raftState: StateType;
}

/**
 * The answer to a `readIndex(ctx)` request (thesis §6.4): once this node has applied up to
 * `index`, a read reflects every write committed before the request was made.
 */
export interface ReadState {
  index: number;
  requestCtx: string;
}

/** The size a message budget counts for an entry (etcd counts the protobuf size). */
export function entrySize(e: Entry): number {
  return e.data.length;
}

/** Leading entries up to `maxSize` total size, but always at least one (etcd's limitSize). */
export function limitSize(entries: Entry[], maxSize: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entrySize(entries[0] as Entry);
  let n = 1;
  for (; n < entries.length; n++) {
    size += entrySize(entries[n] as Entry);
    if (size > maxSize) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

export const EMPTY_SNAPSHOT: Snapshot = { metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: '' };

export function isEmptySnapshot(s: Snapshot | undefined): boolean {
  return s === undefined || s.metadata.index === 0;
}

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}
