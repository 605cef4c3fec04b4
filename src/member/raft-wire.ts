import type { EntryType, Message, MessageType, Snapshot } from '../raft/index.ts';

/**
 * A batch of Raft messages as it crosses a Durable Object RPC call: flat columns instead of an
 * array of message objects each holding an array of entry objects. DO RPC copies arguments by
 * V8 structured clone; a Float64Array is copied as one block of bytes and a string array as a
 * run of strings, where objects cost a property name and a tag per field (and JSON inside JSON,
 * what the fetch transport did, cost a stringify and a parse at both ends per hop).
 *
 * Numbers are 64-bit floats: terms and indexes are JS numbers in the core already (exact up to
 * 2^53). Node IDs stay strings (etcd's 64-bit IDs as hex).
 */
export interface WireBatch {
  /** Per message, HEAD numbers: type, term, logTerm, index, commit, reject, rejectHint, entry count. */
  heads: Float64Array;
  /** Per message: to, from, context. */
  names: string[];
  /** Per entry, in message order: term, index, type. */
  entryHeads: Float64Array;
  /** Per entry: its data. */
  entryData: string[];
  /** The positions of the messages that carry a snapshot (MsgSnap, rare)... */
  snapshotAt: number[];
  /** ...and their snapshots, structured-cloned as they are. */
  snapshots: Snapshot[];
}

const HEAD = 8;
const ENTRY_HEAD = 3;
const NAMES = 3;

const MESSAGE_TYPES: readonly MessageType[] = [
  'MsgHup', 'MsgBeat', 'MsgProp', 'MsgApp', 'MsgAppResp', 'MsgVote', 'MsgVoteResp', 'MsgSnap',
  'MsgHeartbeat', 'MsgHeartbeatResp', 'MsgUnreachable', 'MsgSnapStatus', 'MsgCheckQuorum',
  'MsgTransferLeader', 'MsgTimeoutNow', 'MsgReadIndex', 'MsgReadIndexResp', 'MsgPreVote', 'MsgPreVoteResp',
];
const MESSAGE_TYPE_CODES = new Map(MESSAGE_TYPES.map((type, code) => [type, code]));
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'confChange'];

export function encodeBatch(messages: readonly Message[]): WireBatch {
  let entryCount = 0;
  for (const m of messages) entryCount += m.entries.length;
  const heads = new Float64Array(messages.length * HEAD);
  const names: string[] = new Array<string>(messages.length * NAMES);
  const entryHeads = new Float64Array(entryCount * ENTRY_HEAD);
  const entryData: string[] = new Array<string>(entryCount);
  const snapshotAt: number[] = [];
  const snapshots: Snapshot[] = [];
  let e = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const h = i * HEAD;
    heads[h] = MESSAGE_TYPE_CODES.get(m.type)!;
    heads[h + 1] = m.term;
    heads[h + 2] = m.logTerm;
    heads[h + 3] = m.index;
    heads[h + 4] = m.commit;
    heads[h + 5] = m.reject ? 1 : 0;
    heads[h + 6] = m.rejectHint;
    heads[h + 7] = m.entries.length;
    names[i * NAMES] = m.to;
    names[i * NAMES + 1] = m.from;
    names[i * NAMES + 2] = m.context;
    for (const entry of m.entries) {
      entryHeads[e * ENTRY_HEAD] = entry.term;
      entryHeads[e * ENTRY_HEAD + 1] = entry.index;
      entryHeads[e * ENTRY_HEAD + 2] = entry.type === 'normal' ? 0 : 1;
      entryData[e] = entry.data;
      e++;
    }
    if (m.snapshot !== undefined) {
      snapshotAt.push(i);
      snapshots.push(m.snapshot);
    }
  }
  return { heads, names, entryHeads, entryData, snapshotAt, snapshots };
}

/**
 * The messages of a batch. Only members call the RPC, but a batch of the wrong shape (a member
 * of another build) is refused whole rather than stepped in part.
 */
export function decodeBatch(batch: WireBatch): Message[] {
  const { heads, names, entryHeads, entryData, snapshotAt, snapshots } = batch;
  const count = heads.length / HEAD;
  if (!Number.isInteger(count) || names.length !== count * NAMES || entryHeads.length !== entryData.length * ENTRY_HEAD) {
    throw new TypeError('malformed raft batch');
  }
  const messages: Message[] = new Array<Message>(count);
  let e = 0;
  for (let i = 0; i < count; i++) {
    const h = i * HEAD;
    const type = MESSAGE_TYPES[heads[h]!];
    const entryCount = heads[h + 7]!;
    if (type === undefined || e + entryCount > entryData.length) throw new TypeError('malformed raft batch');
    const entries = new Array(entryCount);
    for (let k = 0; k < entryCount; k++, e++) {
      const entryType = ENTRY_TYPES[entryHeads[e * ENTRY_HEAD + 2]!];
      if (entryType === undefined) throw new TypeError('malformed raft batch');
      entries[k] = { term: entryHeads[e * ENTRY_HEAD]!, index: entryHeads[e * ENTRY_HEAD + 1]!, type: entryType, data: entryData[e]! };
    }
    messages[i] = {
      type,
      to: names[i * NAMES]!,
      from: names[i * NAMES + 1]!,
      term: heads[h + 1]!,
      logTerm: heads[h + 2]!,
      index: heads[h + 3]!,
      entries,
      commit: heads[h + 4]!,
      reject: heads[h + 5] === 1,
      rejectHint: heads[h + 6]!,
      context: names[i * NAMES + 2]!,
    };
  }
  if (snapshotAt.length !== snapshots.length) throw new TypeError('malformed raft batch');
  for (let k = 0; k < snapshotAt.length; k++) {
    const m = messages[snapshotAt[k]!];
    if (m === undefined) throw new TypeError('malformed raft batch');
    m.snapshot = snapshots[k]!;
  }
  return messages;
}

/** Roughly the bytes a batch carried (etcd_network_peer_received_bytes_total). */
export function batchBytes(batch: WireBatch): number {
  let bytes = batch.heads.byteLength + batch.entryHeads.byteLength;
  for (const s of batch.names) bytes += s.length;
  for (const s of batch.entryData) bytes += s.length;
  for (const snapshot of batch.snapshots) bytes += snapshot.data.length;
  return bytes;
}
