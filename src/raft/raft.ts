import { RaftInvariantError } from './errors.ts';
import { CAMPAIGN_TRANSFER, handleVoteRequest, hup, stepCandidate } from './election.ts';
import { stepFollower } from './follower.ts';
import { appendEntry, expireSnapshots, maybeCommit, releasePendingReadIndexMessages, sendTimeoutNow, stepLeader } from './leader.ts';
import { RaftLog } from './log.ts';
import {
  NONE,
  isEmptyHardState,
  message,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type SoftState,
  type StateType,
} from './messages.ts';
import { Progress } from './progress.ts';
import { ReadOnly } from './read-only.ts';
import { bcastAppend, flushAppends, maybeSendAppend } from './replication.ts';
import type { Storage } from './storage.ts';
import { ProgressTracker } from './tracker.ts';

export { CAMPAIGN_TRANSFER } from './election.ts';

/** Where the core reports what an operator might want to see; it never prints by itself. */
export interface Logger {
  debug?(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/** How a node is configured (etcd's raft.Config, the parts this implementation has). */
export interface Config {
  /** This node's ID; never `''`. */
  id: NodeId;
  /**
   * Ticks without hearing from a leader before a follower campaigns. The actual timeout is drawn
   * from [electionTick, 2·electionTick) (paper §5.2, randomized election timeouts).
   */
  electionTick: number;
  /** Ticks between a leader's heartbeats; must be < electionTick. */
  heartbeatTick: number;
  storage: Storage;
  /** The last index the application has applied (on restart); entries after it are re-delivered. */
  applied?: number;
  /** Total entry data size per MsgApp (at least one entry is always sent). */
  maxSizePerMsg: number;
  /** MsgApps in flight per follower in replicate state. */
  maxInflightMsgs: number;
  /** Cap on the size of entries proposed but not yet committed; 0 or absent means none. */
  maxUncommittedEntriesSize?: number;
  /** Cap on committed entries handed out per Ready (default: no cap). */
  maxCommittedSizePerReady?: number;
  /** A leader steps down when it has not heard from a quorum for an election timeout (thesis §6.2). */
  checkQuorum: boolean;
  /** Elections are preceded by a pre-vote that does not disturb terms (thesis §9.6). */
  preVote: boolean;
  /** A seeded source of uniform numbers in [0, 1) for the election jitter. */
  random: () => number;
  logger?: Logger;
}

/**
 * The Raft state machine (etcd's raft struct): every transition is a method call, output is
 * queued in `msgs`, `readStates` and the log's unstable part for RawNode to hand out.
 *
 * This file holds the state, the role changes (becomeX), the clock (tick) and step's term rules;
 * each role's step function is in its own file: leader.ts, follower.ts, election.ts (candidate
 * and voting), with replication.ts for what the leader sends and the follower takes in. Those
 * files are functions of a Raft, so the fields they share are public; outside this folder only
 * RawNode holds a Raft (index.ts does not export it).
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  readStates: ReadState[] = [];
  readonly raftLog: RaftLog;
  readonly prs: ProgressTracker;
  state: StateType = 'StateFollower';
  isLearner = false;
  msgs: Message[] = [];
  lead: NodeId = NONE;
  /** The node a leader transfer is handing over to (thesis §3.10), '' if none. */
  leadTransferee: NodeId = NONE;
  /** A leader accepts a new conf change only once the previous one (at this index) is applied. */
  pendingConfIndex = 0;
  uncommittedSize = 0;
  readOnly = new ReadOnly();
  /** ReadIndex requests held until the leader has committed an entry of its own term (thesis §6.4 step 1). */
  pendingReadIndexMessages: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly heartbeatTimeout: number;
  readonly electionTimeout: number;
  randomizedElectionTimeout = 0;
  /** Total entry data size per MsgApp (Config.maxSizePerMsg). */
  readonly maxMsgSize: number;
  /** Cap on the uncommitted entries' size, 0 for none (Config.maxUncommittedEntriesSize). */
  readonly maxUncommittedSize: number;
  /**
   * Proposals mark appends as pending instead of broadcasting each (etcd sends one MsgApp per
   * proposal); RawNode flushes before building a Ready, so a burst of proposals leaves as few
   * MsgApps as the size cap allows, and as many as the inflight window allows.
   */
  appendsPending = false;
  private readonly random: () => number;
  readonly logger: Logger | undefined;

  constructor(c: Config) {
    if (c.id === NONE) throw new RaftInvariantError('cannot use none as id');
    if (c.heartbeatTick <= 0) throw new RaftInvariantError('heartbeat tick must be greater than 0');
    if (c.electionTick <= c.heartbeatTick) throw new RaftInvariantError('election tick must be greater than heartbeat tick');
    if (c.maxInflightMsgs <= 0) throw new RaftInvariantError('max inflight messages must be greater than 0');
    this.id = c.id;
    this.raftLog = new RaftLog(c.storage, c.maxCommittedSizePerReady ?? Number.MAX_SAFE_INTEGER);
    this.prs = new ProgressTracker(c.maxInflightMsgs);
    this.maxMsgSize = c.maxSizePerMsg;
    this.maxUncommittedSize = c.maxUncommittedEntriesSize ?? 0;
    this.checkQuorum = c.checkQuorum;
    this.preVote = c.preVote;
    this.heartbeatTimeout = c.heartbeatTick;
    this.electionTimeout = c.electionTick;
    this.random = c.random;
    this.logger = c.logger;

    const { hardState, confState } = c.storage.initialState();
    this.prs.reset(confState, this.raftLog.lastIndex() + 1);
    this.isLearner = this.prs.learners.has(this.id);
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (c.applied !== undefined && c.applied > 0) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, NONE);
    this.logger?.info(
      `newRaft ${this.id} [peers: [${[...this.prs.voters].sort().join(',')}], term: ${this.term}, commit: ${this.raftLog.committed}, applied: ${this.raftLog.applied}, lastindex: ${this.raftLog.lastIndex()}, lastterm: ${this.raftLog.lastTerm()}]`,
    );
  }

  hasLeader(): boolean {
    return this.lead !== NONE;
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  /** Queues m, stamping `from` and the current term (vote messages carry their own term). */
  send(m: Message): void {
    if (m.from === NONE) m.from = this.id;
    if (m.type === 'MsgVote' || m.type === 'MsgVoteResp' || m.type === 'MsgPreVote' || m.type === 'MsgPreVoteResp') {
      // Vote messages carry the term of the election, which may be ahead of ours (pre-vote) or
      // the candidate's (a grant).
      if (m.term === 0) throw new RaftInvariantError(`term should be set when sending ${m.type}`);
    } else {
      if (m.term !== 0) throw new RaftInvariantError(`term should not be set when sending ${m.type} (was ${m.term})`);
      // Proposals and read requests forwarded to the leader are local messages there: term 0.
      if (m.type !== 'MsgProp' && m.type !== 'MsgReadIndex') m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Sends the appends proposals left pending (see `appendsPending`). */
  flushAppends(): void {
    flushAppends(this);
  }

  /**
   * Committed entries leave the uncommitted budget (called with each Ready's committed entries);
   * leader.ts appendEntry grows it.
   */
  reduceUncommittedSize(es: readonly Entry[]): void {
    if (this.uncommittedSize === 0) return;
    let s = 0;
    for (const e of es) s += e.data.length;
    this.uncommittedSize = s > this.uncommittedSize ? 0 : this.uncommittedSize - s;
  }

  // ---- ticks ----

  tick(): void {
    if (this.state === 'StateLeader') this.tickHeartbeat();
    else this.tickElection();
  }

  /** Followers and candidates: campaign once the randomized election timeout passes (paper §5.2). */
  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(message({ type: 'MsgHup', from: this.id }));
    }
  }

  /** Leaders: heartbeat every heartbeatTick; check quorum and expire a transfer every election timeout. */
  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(message({ type: 'MsgCheckQuorum', from: this.id }));
      // A transfer that did not finish within an election timeout is abandoned (thesis §3.10).
      if (this.state === 'StateLeader' && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.state !== 'StateLeader') return;
    expireSnapshots(this);
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: 'MsgBeat', from: this.id }));
    }
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  private resetRandomizedElectionTimeout(): void {
    const r = Math.floor(this.random() * this.electionTimeout);
    this.randomizedElectionTimeout = this.electionTimeout + Math.min(Math.max(r, 0), this.electionTimeout - 1);
  }

  // ---- role changes ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.prs.resetVotes();
    const last = this.raftLog.lastIndex();
    this.prs.visit((id, pr) => {
      const fresh = new Progress(last + 1, this.prs.maxInflight, pr.isLearner);
      if (id === this.id) fresh.match = last;
      this.prs.progress.set(id, fresh);
    });
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = 'StateFollower';
    this.logger?.info(`${this.id} became follower at term ${this.term}`);
  }

  becomeCandidate(): void {
    if (this.state === 'StateLeader') throw new RaftInvariantError('invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = 'StateCandidate';
    this.logger?.info(`${this.id} became candidate at term ${this.term}`);
  }

  /** A pre-candidate asks for votes at term+1 without incrementing its term (thesis §9.6). */
  becomePreCandidate(): void {
    if (this.state === 'StateLeader') throw new RaftInvariantError('invalid transition [leader -> pre-candidate]');
    this.prs.resetVotes();
    this.lead = NONE;
    this.state = 'StatePreCandidate';
    this.logger?.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    if (this.state === 'StateFollower') throw new RaftInvariantError('invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = 'StateLeader';
    // The leader replicates to itself: its own progress is always "replicating".
    this.prs.progress.get(this.id)?.becomeReplicate();
    // Conservatively treat any unapplied conf change in the log as pending.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // A no-op of the new term commits the entries of earlier terms (paper §5.4.2, §8).
    if (!appendEntry(this, [{ term: 0, index: 0, type: 'normal', data: '' }])) {
      throw new RaftInvariantError('empty entry was dropped');
    }
    this.logger?.info(`${this.id} became leader at term ${this.term}`);
  }

  // ---- step ----

  /** Handles one message: the term rules common to all roles, then the role's own step. */
  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        const force = m.context === CAMPAIGN_TRANSFER;
        // Thesis §4.2.3: a node that heard from a leader within the minimum election timeout
        // ignores vote requests, so a removed or partitioned node cannot disrupt the cluster.
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        if (!force && inLease) {
          this.logger?.info(
            `${this.id} [logterm: ${this.raftLog.lastTerm()}, index: ${this.raftLog.lastIndex()}, vote: ${this.vote}] ignored ${m.type} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}: lease is not expired (remaining ticks: ${this.electionTimeout - this.electionElapsed})`,
          );
          return;
        }
      }
      if (m.type === 'MsgPreVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // We sent a pre-vote at term+1; a grant means nothing about a newer term. When we get a
        // quorum of them, we campaign and move to that term.
      } else {
        this.logger?.info(`${this.id} [term: ${this.term}] received a ${m.type} message with higher term from ${m.from} [term: ${m.term}]`);
        // Paper §5.1: a higher term makes us a follower; of the leader, if it came from one.
        if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') this.becomeFollower(m.term, m.from);
        else this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')) {
        // A stale leader (e.g. back from a partition) would otherwise never learn our term: with
        // CheckQuorum or PreVote nobody's term grows past it by their elections alone. Tell it.
        this.send(message({ type: 'MsgAppResp', to: m.from }));
      } else if (m.type === 'MsgPreVote') {
        // A pre-candidate behind our term must learn it, or it pre-votes forever.
        this.send(message({ type: 'MsgPreVoteResp', to: m.from, term: this.term, reject: true }));
      } else {
        this.logger?.info(`${this.id} [term: ${this.term}] ignored a ${m.type} message with lower term from ${m.from} [term: ${m.term}]`);
      }
      return;
    }

    switch (m.type) {
      case 'MsgHup':
        hup(this, this.preVote ? 'CampaignPreElection' : 'CampaignElection');
        return;
      case 'MsgVote':
      case 'MsgPreVote':
        handleVoteRequest(this, m);
        return;
      default:
        if (this.state === 'StateLeader') stepLeader(this, m);
        else if (this.state === 'StateFollower') stepFollower(this, m);
        else stepCandidate(this, m);
    }
  }

  /** Whether this node may become leader: a voter, with no snapshot waiting to be persisted. */
  promotable(): boolean {
    return this.prs.voters.has(this.id) && !this.raftLog.hasPendingSnapshot();
  }

  /**
   * Applies a committed conf change (at apply time, thesis §4.1). A leader that removed (or
   * demoted) itself steps down, first telling its most up-to-date voter to campaign.
   */
  applyConfChange(cc: ConfChange): ConfState {
    this.prs.applyChange(cc, this.raftLog.lastIndex() + 1);
    this.isLearner = this.prs.learners.has(this.id);
    const cs = this.prs.confState();
    if (this.state !== 'StateLeader') return cs;
    if (!this.prs.voters.has(this.id)) {
      let best: NodeId = NONE;
      let bestMatch = -1;
      this.prs.visit((id, pr) => {
        if (this.prs.voters.has(id) && pr.match > bestMatch) {
          best = id;
          bestMatch = pr.match;
        }
      });
      if (best !== NONE && bestMatch >= this.raftLog.committed) sendTimeoutNow(this, best);
      this.logger?.info(`${this.id} removed from the configuration; stepping down`);
      this.becomeFollower(this.term, NONE);
      return cs;
    }
    if (this.prs.voters.size === 0) return cs;
    // Fewer voters may mean a lower quorum: more may be committed now.
    if (maybeCommit(this)) {
      releasePendingReadIndexMessages(this);
      bcastAppend(this);
    } else {
      this.prs.visit((id) => {
        if (id !== this.id) maybeSendAppend(this, id, false);
      });
    }
    if (this.leadTransferee !== NONE && !this.prs.voters.has(this.leadTransferee)) this.abortLeaderTransfer();
    return cs;
  }

  loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new RaftInvariantError(`${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`);
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }
}
