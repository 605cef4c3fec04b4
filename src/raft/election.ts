import { ProposalDroppedError, RaftInvariantError } from './errors.ts';
import { NONE, message, type Message, type MessageType, type NodeId } from './messages.ts';
import type { VoteResult } from './quorum.ts';
import type { Raft } from './raft.ts';
import { bcastAppend, handleAppendEntries, handleHeartbeat, handleSnapshot } from './replication.ts';

/**
 * Elections, both sides (paper §5.2, §5.4.1; PreVote, thesis §9.6): starting one (etcd raft.go
 * hup, campaign), counting the answers (poll, stepCandidate) and answering another node's
 * MsgVote / MsgPreVote (the vote case of etcd's Step).
 */

export type CampaignType = 'CampaignPreElection' | 'CampaignElection' | 'CampaignTransfer';

/** The context a leader-transfer campaign's votes carry: it overrides the leader lease. */
export const CAMPAIGN_TRANSFER = 'CampaignTransfer';

function voteRespType(t: MessageType): MessageType {
  if (t === 'MsgVote') return 'MsgVoteResp';
  if (t === 'MsgPreVote') return 'MsgPreVoteResp';
  throw new RaftInvariantError(`not a vote message: ${t}`);
}

/** Starts an election if this node may (it is a voter with no unapplied conf change). */
export function hup(r: Raft, t: CampaignType): void {
  if (r.state === 'StateLeader') {
    r.logger?.debug?.(`${r.id} ignoring MsgHup because already leader`);
    return;
  }
  if (!r.promotable()) {
    r.logger?.warn(`${r.id} is unpromotable and can not campaign`);
    return;
  }
  // A conf change committed but not applied could change who votes: wait for it (etcd does too).
  if (r.raftLog.committed > r.raftLog.applied) {
    const ents = r.raftLog.slice(r.raftLog.applied + 1, r.raftLog.committed + 1, Number.MAX_SAFE_INTEGER);
    if (ents.some((e) => e.type === 'confChange')) {
      r.logger?.warn(`${r.id} cannot campaign at term ${r.term} since there are still pending configuration changes to apply`);
      return;
    }
  }
  r.logger?.info(`${r.id} is starting a new election at term ${r.term}`);
  campaign(r, t);
}

function campaign(r: Raft, t: CampaignType): void {
  let term: number;
  let voteMsg: MessageType;
  if (t === 'CampaignPreElection') {
    r.becomePreCandidate();
    voteMsg = 'MsgPreVote';
    // Pre-votes are asked for the term we would have, without moving to it.
    term = r.term + 1;
  } else {
    r.becomeCandidate();
    voteMsg = 'MsgVote';
    term = r.term;
  }
  // Vote for ourselves (paper §5.2).
  if (poll(r, r.id, voteRespType(voteMsg), true) === 'VoteWon') {
    // A single-voter cluster wins at once.
    if (t === 'CampaignPreElection') campaign(r, 'CampaignElection');
    else r.becomeLeader();
    return;
  }
  for (const id of [...r.prs.voters].sort()) {
    if (id === r.id) continue;
    r.logger?.info(
      `${r.id} [logterm: ${r.raftLog.lastTerm()}, index: ${r.raftLog.lastIndex()}] sent ${voteMsg} request to ${id} at term ${r.term}`,
    );
    r.send(
      message({
        type: voteMsg,
        to: id,
        term,
        index: r.raftLog.lastIndex(),
        logTerm: r.raftLog.lastTerm(),
        context: t === 'CampaignTransfer' ? CAMPAIGN_TRANSFER : '',
      }),
    );
  }
}

function poll(r: Raft, id: NodeId, t: MessageType, granted: boolean): VoteResult {
  r.logger?.info(`${r.id} received ${t} ${granted ? '' : 'rejection '}from ${id} at term ${r.term}`);
  r.prs.recordVote(id, granted);
  return r.prs.tallyVotes().result;
}

/** The candidate's and pre-candidate's step function (etcd raft.go stepCandidate). */
export function stepCandidate(r: Raft, m: Message): void {
  // A pre-candidate counts pre-vote responses, a candidate vote responses; stale ones of the
  // other kind are ignored.
  const myVoteRespType: MessageType = r.state === 'StatePreCandidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
  switch (m.type) {
    case 'MsgProp':
      throw new ProposalDroppedError(`raft proposal dropped: ${r.id} has no leader at term ${r.term}`);
    case 'MsgApp':
      // Paper §5.2: a candidate hearing from a leader of its term steps down.
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return;
    case 'MsgHeartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case 'MsgSnap':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case 'MsgTimeoutNow':
      return;
    default:
      if (m.type !== myVoteRespType) return;
      switch (poll(r, m.from, m.type, !m.reject)) {
        case 'VoteWon':
          if (r.state === 'StatePreCandidate') campaign(r, 'CampaignElection');
          else {
            r.becomeLeader();
            bcastAppend(r);
          }
          return;
        case 'VoteLost':
          // A pre-candidate may have learnt of a higher term from a rejection: step() moved us
          // there already; either way fall back to follower at our (possibly new) term.
          r.becomeFollower(r.term, NONE);
          return;
        case 'VotePending':
          return;
      }
  }
}

/**
 * Answers a MsgVote or MsgPreVote that passed step()'s term checks. Paper §5.2: one vote per
 * term, first come first served; §5.4.1: only for a log at least as up-to-date. A repeated
 * request from the node we voted for is granted again.
 */
export function handleVoteRequest(r: Raft, m: Message): void {
  const canVote =
    r.vote === m.from ||
    (r.vote === NONE && r.lead === NONE) ||
    (m.type === 'MsgPreVote' && m.term > r.term);
  if (canVote && r.raftLog.isUpToDate(m.index, m.logTerm)) {
    r.logger?.info(`${r.id} [term: ${r.term}] cast ${m.type} for ${m.from} [logterm: ${m.logTerm}, index: ${m.index}]`);
    // The grant carries the election's term (for a pre-vote, the future term).
    r.send(message({ type: voteRespType(m.type), to: m.from, term: m.term }));
    if (m.type === 'MsgVote') {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.logger?.info(`${r.id} [term: ${r.term}] rejected ${m.type} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}]`);
    r.send(message({ type: voteRespType(m.type), to: m.from, term: r.term, reject: true }));
  }
}
