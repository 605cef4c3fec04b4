import { ProposalDroppedError, RaftInvariantError } from './errors.ts';
import { NONE, message, type Entry, type Message, type NodeId } from './messages.ts';
import { voteResult } from './quorum.ts';
import type { Raft } from './raft.ts';
import { bcastAppend, bcastHeartbeat, bcastHeartbeatWithCtx, maybeSendAppend, sendAppend } from './replication.ts';

/**
 * The leader: its step function (etcd raft.go stepLeader) and its bookkeeping — appending and
 * committing its own entries, each follower's progress as the answers come in, ReadIndex
 * (thesis §6.4) and leader transfer (thesis §3.10). What it sends is built in replication.ts.
 */

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case 'MsgBeat':
      bcastHeartbeat(r);
      return;
    case 'MsgCheckQuorum':
      // Thesis §6.2: a leader that has not heard from a quorum in an election timeout steps down.
      if (!r.prs.quorumActive(r.id)) {
        r.logger?.warn(`${r.id} stepped down to follower since quorum is not active`);
        r.becomeFollower(r.term, NONE);
      }
      r.prs.visit((id, pr) => {
        if (id !== r.id) pr.recentActive = false;
      });
      return;
    case 'MsgProp': {
      if (m.entries.length === 0) throw new RaftInvariantError(`${r.id} stepped empty MsgProp`);
      if (!r.prs.progress.has(r.id)) {
        // Removed from the configuration while leader: nothing it appends could commit.
        throw new ProposalDroppedError('raft proposal dropped: this node was removed from the cluster');
      }
      if (r.leadTransferee !== NONE) {
        throw new ProposalDroppedError(`raft proposal dropped: transfer of leadership to ${r.leadTransferee} in progress`);
      }
      const ents = m.entries.map((e) => ({ ...e }));
      for (let i = 0; i < ents.length; i++) {
        if ((ents[i] as Entry).type !== 'confChange') continue;
        // One membership change at a time (thesis §4.1): refuse another until the last applies.
        if (r.pendingConfIndex > r.raftLog.applied) {
          throw new ProposalDroppedError(
            `raft proposal dropped: a configuration change at index ${r.pendingConfIndex} is not yet applied (applied ${r.raftLog.applied})`,
          );
        }
        r.pendingConfIndex = r.raftLog.lastIndex() + i + 1;
      }
      if (!appendEntry(r, ents)) throw new ProposalDroppedError('raft proposal dropped: too many uncommitted entries');
      // Not sent yet: every proposal until the next Ready rides the same MsgApps (group commit).
      r.appendsPending = true;
      return;
    }
    case 'MsgReadIndex': {
      // Thesis §6.4. Alone, the leader is the quorum: answer at once.
      if (r.prs.isSingleton()) {
        responseToReadIndexReq(r, m, r.raftLog.committed);
        return;
      }
      // Step 1: the commit index is only known to be current once an entry of this term committed.
      if (!committedEntryInCurrentTerm(r)) {
        r.pendingReadIndexMessages.push(m);
        return;
      }
      sendMsgReadIndexResponse(r, m);
      return;
    }
    default:
      break;
  }

  // Everything else is a response from a peer.
  const pr = r.prs.progress.get(m.from);
  if (pr === undefined) {
    r.logger?.debug?.(`${r.id} no progress available for ${m.from}`);
    return;
  }
  switch (m.type) {
    case 'MsgAppResp': {
      pr.recentActive = true;
      if (m.reject) {
        r.logger?.debug?.(`${r.id} received MsgAppResp(rejected, hint: (index ${m.rejectHint}, term ${m.logTerm})) from ${m.from} for index ${m.index}`);
        // Fast backtracking: skip to the last index of the follower's conflicting term that we
        // could share (paper §5.3, end; etcd's findConflictByTerm).
        let nextProbeIdx = m.rejectHint;
        if (m.logTerm > 0) nextProbeIdx = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm);
        if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
          if (pr.state === 'StateReplicate') pr.becomeProbe();
          sendAppend(r, m.from);
        }
        return;
      }
      const oldPaused = pr.isPaused();
      if (!pr.maybeUpdate(m.index)) return;
      if (pr.state === 'StateProbe') pr.becomeReplicate();
      else if (pr.state === 'StateSnapshot' && pr.match >= pr.pendingSnapshot) {
        // The follower caught up past the snapshot (it got it, or entries): replicate again.
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === 'StateReplicate') pr.inflights.freeLE(m.index);

      if (maybeCommit(r)) {
        releasePendingReadIndexMessages(r);
        bcastAppend(r);
      } else if (oldPaused) {
        // The follower was paused: it may be waiting for entries it has not got.
        sendAppend(r, m.from);
      }
      // Send as much as the window allows; empty appends are not needed here.
      while (maybeSendAppend(r, m.from, false)) {
        /* keep going */
      }
      // Thesis §3.10: the transferee is caught up: tell it to campaign now.
      if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
        r.logger?.info(`${r.id} sent MsgTimeoutNow to ${m.from} after received MsgAppResp`);
        sendTimeoutNow(r, m.from);
      }
      return;
    }
    case 'MsgHeartbeatResp': {
      pr.recentActive = true;
      pr.probeAcked();
      // The follower is alive: free one slot so a lost MsgApp cannot stall the pipeline.
      if (pr.state === 'StateReplicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
      if (pr.match < r.raftLog.lastIndex()) sendAppend(r, m.from);
      if (m.context === '') return;
      const acks = r.readOnly.recvAck(m.from, m.context);
      if (acks === undefined) return;
      const votes = new Map<NodeId, boolean>();
      for (const id of acks) votes.set(id, true);
      if (voteResult(r.prs.voters, votes) !== 'VoteWon') return;
      // A quorum confirmed leadership at or after these requests: answer them all.
      for (const rs of r.readOnly.advance(m.context)) responseToReadIndexReq(r, rs.req, rs.index);
      return;
    }
    case 'MsgSnapStatus':
      if (pr.state !== 'StateSnapshot') return;
      if (m.reject) pr.pendingSnapshot = 0;
      // Success or not, probe from here; wait for the follower's answer (or a heartbeat) first.
      pr.becomeProbe();
      pr.probeSent = true;
      r.logger?.debug?.(`${r.id} snapshot ${m.reject ? 'failed' : 'succeeded'}, resumed sending replication messages to ${m.from} [${pr.toString()}]`);
      return;
    case 'MsgUnreachable':
      // Optimistic sends to an unreachable follower were probably lost: fall back to probing.
      if (pr.state === 'StateReplicate') pr.becomeProbe();
      r.logger?.debug?.(`${r.id} failed to send message to ${m.from} because it is unreachable [${pr.toString()}]`);
      return;
    case 'MsgTransferLeader': {
      if (pr.isLearner) {
        r.logger?.debug?.(`${r.id} is learner. Ignored transferring leadership`);
        return;
      }
      const transferee = m.from;
      const last = r.leadTransferee;
      if (last !== NONE) {
        if (last === transferee) return; // already under way
        r.abortLeaderTransfer();
      }
      if (transferee === r.id) return; // already leader
      // Thesis §3.10: stop accepting proposals, bring the transferee up to date, then MsgTimeoutNow.
      r.electionElapsed = 0;
      r.leadTransferee = transferee;
      if (pr.match === r.raftLog.lastIndex()) sendTimeoutNow(r, transferee);
      else sendAppend(r, transferee);
      return;
    }
    default:
      return;
  }
}

// ---- log and commit ----

/** Advances the commit index to what a quorum has (paper §5.3), only for current-term entries (§5.4.2). */
export function maybeCommit(r: Raft): boolean {
  return r.raftLog.maybeCommit(r.prs.committed(), r.term);
}

/** The leader appends to its own log (paper §5.3: "the leader appends the command to its log"). */
export function appendEntry(r: Raft, es: Entry[]): boolean {
  let li = r.raftLog.lastIndex();
  for (const e of es) {
    e.term = r.term;
    e.index = ++li;
  }
  if (!increaseUncommittedSize(r, es)) {
    r.logger?.debug?.(`${r.id} appending new entries to log would exceed uncommitted entry size limit; dropping proposal`);
    return false;
  }
  li = r.raftLog.append(es);
  r.prs.progress.get(r.id)?.maybeUpdate(li);
  // A single voter commits at once.
  maybeCommit(r);
  return true;
}

function increaseUncommittedSize(r: Raft, es: Entry[]): boolean {
  let s = 0;
  for (const e of es) s += e.data.length;
  if (r.uncommittedSize > 0 && s > 0 && r.maxUncommittedSize > 0 && r.uncommittedSize + s > r.maxUncommittedSize) {
    return false;
  }
  r.uncommittedSize += s;
  return true;
}

// ---- progress ----

/**
 * A snapshot nobody reported on (reportSnapshot) for two election timeouts is presumed lost and
 * the follower is probed again, which sends a new one if still needed. etcd waits for the
 * report forever; a fire-and-forget transport may never make one.
 */
export function expireSnapshots(r: Raft): void {
  for (const pr of r.prs.progress.values()) {
    if (pr.state !== 'StateSnapshot') continue;
    if (++pr.snapshotElapsed >= 2 * r.electionTimeout) {
      pr.pendingSnapshot = 0;
      pr.becomeProbe();
    }
  }
}

// ---- leader transfer ----

export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send(message({ type: 'MsgTimeoutNow', to }));
}

// ---- ReadIndex (thesis §6.4) ----

function committedEntryInCurrentTerm(r: Raft): boolean {
  return r.raftLog.termOrZero(r.raftLog.committed) === r.term;
}

/** Serves the reads held back by step 1 once an entry of this term has committed. */
export function releasePendingReadIndexMessages(r: Raft): void {
  if (r.pendingReadIndexMessages.length === 0 || !committedEntryInCurrentTerm(r)) return;
  const msgs = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of msgs) sendMsgReadIndexResponse(r, m);
}

/** Step 2 of thesis §6.4: record the commit index, confirm leadership with a heartbeat round. */
function sendMsgReadIndexResponse(r: Raft, m: Message): void {
  r.readOnly.addRequest(r.raftLog.committed, m);
  r.readOnly.recvAck(r.id, m.context);
  // Batching: an ack of the newest context confirms every request queued before it, so a
  // read heartbeat still in the outbox is replaced rather than joined: one round serves all
  // the requests that arrived within one Ready.
  r.msgs = r.msgs.filter((x) => !(x.type === 'MsgHeartbeat' && x.context !== ''));
  bcastHeartbeatWithCtx(r, m.context);
}

/** Answers a confirmed read: locally as a ReadState, or to the follower that forwarded it. */
function responseToReadIndexReq(r: Raft, req: Message, readIndex: number): void {
  if (req.from === NONE || req.from === r.id) {
    r.readStates.push({ index: readIndex, requestCtx: req.context });
    return;
  }
  r.send(message({ type: 'MsgReadIndexResp', to: req.from, index: readIndex, context: req.context }));
}
