import { CompactedError, RaftInvariantError, SnapshotTemporarilyUnavailableError, UnavailableError } from './errors.ts';
import { NONE, isEmptySnapshot, message, type Entry, type Message, type NodeId, type Snapshot } from './messages.ts';
import type { Raft } from './raft.ts';

/**
 * Log replication, both ends (paper §5.3, §7): what the leader sends each follower (MsgApp,
 * MsgSnap, MsgHeartbeat; etcd raft.go's sendAppend, maybeSendAppend, sendHeartbeat, bcastAppend,
 * bcastHeartbeat) and how a follower takes them in (handleAppendEntries, handleHeartbeat,
 * handleSnapshot, restore). The leader's side of the answers is in leader.ts.
 */

/** Sends a MsgApp (or MsgSnap) to `to` if its progress allows. */
export function sendAppend(r: Raft, to: NodeId): void {
  maybeSendAppend(r, to, true);
}

/**
 * Sends what `to` needs next: entries from its next index (several per message, up to
 * maxSizePerMsg), or a snapshot when they are compacted (paper §7). Returns whether a message
 * went out; with sendIfEmpty false, an empty MsgApp is not sent.
 */
export function maybeSendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.prs.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  let term = 0;
  let ents: Entry[] = [];
  let compacted = false;
  try {
    term = r.raftLog.term(pr.next - 1);
    ents = r.raftLog.entries(pr.next, r.maxMsgSize);
  } catch (e) {
    if (!(e instanceof CompactedError || e instanceof UnavailableError)) throw e;
    compacted = true;
  }
  if (!compacted && ents.length === 0 && !sendIfEmpty) return false;

  if (compacted) {
    // The entries are gone: send a snapshot instead, if the follower is alive.
    if (!pr.recentActive) return false;
    let snapshot;
    try {
      snapshot = r.raftLog.snapshot();
    } catch (e) {
      if (e instanceof SnapshotTemporarilyUnavailableError) return false;
      throw e;
    }
    if (isEmptySnapshot(snapshot)) throw new RaftInvariantError('need non-empty snapshot');
    r.send(message({ type: 'MsgSnap', to, snapshot }));
    pr.becomeSnapshot(snapshot.metadata.index);
    return true;
  }

  r.send(message({ type: 'MsgApp', to, index: pr.next - 1, logTerm: term, entries: ents, commit: r.raftLog.committed }));
  const last = ents[ents.length - 1];
  if (last !== undefined) {
    switch (pr.state) {
      case 'StateReplicate':
        // Pipelining: assume delivery, and count the message against the window.
        pr.optimisticUpdate(last.index);
        pr.inflights.add(last.index);
        break;
      case 'StateProbe':
        pr.probeSent = true;
        break;
      case 'StateSnapshot':
        throw new RaftInvariantError(`${r.id} is sending append in unhandled state ${pr.state}`);
    }
  }
  return true;
}

/**
 * A heartbeat carries the commit index, but never beyond what the follower is known to have
 * (it might not have those entries, and could not commit them).
 */
function sendHeartbeat(r: Raft, to: NodeId, ctx: string): void {
  const pr = r.prs.progress.get(to);
  const commit = Math.min(pr?.match ?? 0, r.raftLog.committed);
  r.send(message({ type: 'MsgHeartbeat', to, commit, context: ctx }));
}

/**
 * Sends the appends that proposals marked pending (`r.appendsPending`; see leader.ts stepLeader):
 * as few MsgApps per follower as the size cap allows, and as many as the inflight window allows.
 */
export function flushAppends(r: Raft): void {
  if (!r.appendsPending) return;
  r.appendsPending = false;
  if (r.state !== 'StateLeader') return;
  r.prs.visit((id) => {
    if (id === r.id) return;
    if (!maybeSendAppend(r, id, true)) return;
    while (maybeSendAppend(r, id, false)) {
      /* fill the window */
    }
  });
}

export function bcastAppend(r: Raft): void {
  r.prs.visit((id) => {
    if (id !== r.id) sendAppend(r, id);
  });
}

export function bcastHeartbeat(r: Raft): void {
  bcastHeartbeatWithCtx(r, r.readOnly.lastPendingRequestCtx());
}

export function bcastHeartbeatWithCtx(r: Raft, ctx: string): void {
  r.prs.visit((id) => {
    if (id !== r.id) sendHeartbeat(r, id, ctx);
  });
}

/** AppendEntries receiver (paper Figure 2, §5.3). */
export function handleAppendEntries(r: Raft, m: Message): void {
  if (m.index < r.raftLog.committed) {
    // Everything up to our commit index matches already (Log Matching): say where we are.
    r.send(message({ type: 'MsgAppResp', to: m.from, index: r.raftLog.committed }));
    return;
  }
  const lastNew = r.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    r.send(message({ type: 'MsgAppResp', to: m.from, index: lastNew }));
    return;
  }
  // Reject, with a hint: the last index that could match, and its term, so the leader can skip
  // whole terms (paper §5.3, the optimisation in the last paragraphs).
  let hintIndex = Math.min(m.index, r.raftLog.lastIndex());
  hintIndex = r.raftLog.findConflictByTerm(hintIndex, m.logTerm);
  const hintTerm = r.raftLog.termOrZero(hintIndex);
  r.logger?.debug?.(
    `${r.id} [logterm: ${r.raftLog.termOrZero(m.index)}, index: ${m.index}] rejected MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${m.from}`,
  );
  r.send(message({ type: 'MsgAppResp', to: m.from, index: m.index, reject: true, rejectHint: hintIndex, logTerm: hintTerm }));
}

export function handleHeartbeat(r: Raft, m: Message): void {
  r.raftLog.commitTo(m.commit);
  r.send(message({ type: 'MsgHeartbeatResp', to: m.from, context: m.context }));
}

/** InstallSnapshot receiver (paper §7). */
export function handleSnapshot(r: Raft, m: Message): void {
  const s = m.snapshot;
  if (s === undefined) throw new RaftInvariantError('MsgSnap without a snapshot');
  if (restore(r, s)) {
    r.logger?.info(`${r.id} [commit: ${r.raftLog.committed}] restored snapshot [index: ${s.metadata.index}, term: ${s.metadata.term}]`);
    r.send(message({ type: 'MsgAppResp', to: m.from, index: r.raftLog.lastIndex() }));
  } else {
    r.logger?.info(`${r.id} [commit: ${r.raftLog.committed}] ignored snapshot [index: ${s.metadata.index}, term: ${s.metadata.term}]`);
    r.send(message({ type: 'MsgAppResp', to: m.from, index: r.raftLog.committed }));
  }
}

/**
 * Replaces the log by a snapshot, unless we already have everything it covers. A follower whose
 * log holds the snapshot's last entry keeps its log and just commits (paper §7: "if the follower
 * receives a snapshot that describes a prefix of its log, ... entries following it are retained").
 *
 * Unlike etcd, a snapshot whose configuration does not name this node is accepted: a node added
 * after the leader's latest snapshot learns of itself from the entries that follow.
 */
function restore(r: Raft, s: Snapshot): boolean {
  if (s.metadata.index <= r.raftLog.committed) return false;
  if (r.state !== 'StateFollower') {
    // Only a leader of our term sends snapshots: we must be a follower already (defensive, as etcd).
    r.becomeFollower(r.term + 1, NONE);
    return false;
  }
  if (r.raftLog.matchTerm(s.metadata.index, s.metadata.term)) {
    r.raftLog.commitTo(s.metadata.index);
    return false;
  }
  r.raftLog.restore(s);
  r.prs.reset(s.metadata.confState, r.raftLog.lastIndex() + 1);
  const self = r.prs.progress.get(r.id);
  if (self !== undefined) self.maybeUpdate(self.next - 1);
  r.isLearner = r.prs.learners.has(r.id);
  return true;
}
