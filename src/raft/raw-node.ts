import { ProposalDroppedError, RaftInvariantError, StepLocalMsgError } from './errors.ts';
import {
  isEmptyHardState,
  isLocalMessage,
  isResponseMessage,
  message,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SoftState,
  type StateType,
} from './messages.ts';
import type { ProgressState } from './progress.ts';
import { Raft, type Config } from './raft.ts';

/**
 * Everything the application must do after a batch of Raft work (etcd's Ready). Handle it as:
 *
 * 1. Send `messages` now if you like: they may go out in parallel with the writes below.
 * 2. Persist, atomically: `hardState` (if present), `entries` (append, truncating any suffix
 *    they replace), `snapshot` (if present, before the entries). With `mustSync`, make it durable
 *    (fsync; on Durable Objects, the output gate does this for you).
 * 3. Only after step 2 is durable: send `messagesAfterPersist` (votes and append acknowledgements
 *    promise what is on disk, paper Figure 2 "Persistent state ... updated on stable storage
 *    before responding to RPCs").
 * 4. Apply `snapshot` then `committedEntries` to the state machine, in order; answer `readStates`
 *    once applied up to their index. Apply only after step 2 (committed entries may be in
 *    `entries`).
 * 5. Call `advance(rd)`. Do not call `ready()` again before that.
 *
 * Which messages may go early is decided by the library, not the caller: `messages` holds only a
 * leader's replication messages (MsgApp, MsgSnap, MsgHeartbeat, MsgTimeoutNow) of a term that is
 * already durable. A leader may write its log in parallel with sending it (thesis §10.2.1): it
 * counts itself towards commitment only through the Ready cycle, so nothing it has not persisted
 * can be reported committed before the next Ready, which comes after this one's writes.
 */
export interface Ready {
  /** Present when the leader or this node's role changed. */
  softState?: SoftState;
  /** Present when term, vote or commit changed: persist it. */
  hardState?: HardState;
  /** ReadIndex answers (thesis §6.4), in request order. */
  readStates: ReadState[];
  /** Entries to append to stable storage. */
  entries: Entry[];
  /** A snapshot from the leader to persist and apply. */
  snapshot?: Snapshot;
  /** Committed entries to apply, in order (after persisting). */
  committedEntries: Entry[];
  /** Messages that may be sent before this Ready's writes are durable. */
  messages: Message[];
  /** Messages that must wait until this Ready's writes are durable. */
  messagesAfterPersist: Message[];
  /** Whether the writes must be synced before `messagesAfterPersist` go out (term, vote or entries changed). */
  mustSync: boolean;
}

/** A follower's replication state as the leader sees it. */
export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  isLearner: boolean;
  recentActive: boolean;
  paused: boolean;
  pendingSnapshot: number;
  inflight: number;
}

/** A snapshot of the node's state, for the application and tests (etcd's Status). */
export interface Status {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  lead: NodeId;
  raftState: StateType;
  applied: number;
  lastIndex: number;
  leadTransferee: NodeId;
  config: ConfState;
  /** Per member, on the leader only. */
  progress?: Record<NodeId, ProgressStatus>;
}

/**
 * A Raft node driven by its caller (etcd's RawNode): no goroutines, no timers, no I/O. The
 * application calls `tick()` on a timer, feeds peers' messages to `step()`, and runs the ready
 * loop `if (hasReady()) { rd = ready(); ...; advance(rd) }` as described on {@link Ready}.
 */
export class RawNode {
  readonly raft: Raft;
  private prevSoftSt: SoftState;
  /** The last HardState handed out and acknowledged by advance: what is durable. */
  private prevHardSt: HardState;
  private readyOut = false;

  constructor(config: Config) {
    this.raft = new Raft(config);
    this.prevSoftSt = this.raft.softState();
    this.prevHardSt = this.raft.hardState();
  }

  /** Advances the logical clock by one tick (heartbeats, election timeouts). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (etcd's Campaign). */
  campaign(): void {
    this.raft.step(message({ type: 'MsgHup', from: this.raft.id }));
  }

  /**
   * Proposes data for the log. Throws ProposalDroppedError when no leader is known, a leader
   * transfer is under way, this node was removed, or the uncommitted budget is spent. Success
   * means queued, not committed: watch committedEntries.
   */
  propose(data: string): void {
    this.raft.step(message({ type: 'MsgProp', from: this.raft.id, entries: [{ term: 0, index: 0, type: 'normal', data }] }));
  }

  /**
   * Proposes a membership change (one voter at a time). Also ProposalDroppedError while an
   * earlier change is not yet applied.
   */
  proposeConfChange(cc: ConfChange): void {
    const data = JSON.stringify(cc);
    this.raft.step(message({ type: 'MsgProp', from: this.raft.id, entries: [{ term: 0, index: 0, type: 'confChange', data }] }));
  }

  /**
   * Applies a committed conf change when its entry is applied; returns the new configuration
   * (persist it with the next snapshot). A change with nodeId '' changes nothing.
   */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Feeds a message from a peer. Local-only types throw StepLocalMsgError. A response from a node
   * not in the configuration is dropped (removed members keep talking for a while), and so is a
   * forwarded proposal this node cannot take (its sender times out and retries, as with etcd).
   */
  step(m: Message): void {
    if (isLocalMessage(m.type)) throw new StepLocalMsgError();
    if (isResponseMessage(m.type) && !this.raft.prs.progress.has(m.from)) return;
    try {
      this.raft.step(m);
    } catch (e) {
      // A forwarded proposal (even one of ours, bounced back by a node that forwards to us) that
      // cannot be taken: its proposer times out, as with etcd. Our own proposals go through
      // propose(), which does throw.
      if (e instanceof ProposalDroppedError) return;
      throw e;
    }
  }

  /**
   * Asks for a linearizable read point; the answer is a ReadState with requestCtx = ctx in a later
   * Ready (thesis §6.4). Requests may be dropped (no leader): retry after a timeout.
   */
  readIndex(ctx: string): void {
    this.raft.step(message({ type: 'MsgReadIndex', context: ctx }));
  }

  /** Asks the leader to hand leadership to `transferee` (thesis §3.10). */
  transferLeader(transferee: NodeId): void {
    this.raft.step(message({ type: 'MsgTransferLeader', from: transferee }));
  }

  /** Tells the leader that the last send to `id` failed: it falls back to probing. */
  reportUnreachable(id: NodeId): void {
    this.stepLocal(message({ type: 'MsgUnreachable', from: id }));
  }

  /** Tells the leader whether sending a snapshot to `id` finished. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.stepLocal(message({ type: 'MsgSnapStatus', from: id, reject: !ok }));
  }

  private stepLocal(m: Message): void {
    this.raft.step(m);
  }

  hasReady(): boolean {
    const r = this.raft;
    r.flushAppends();
    const ss = r.softState();
    if (ss.lead !== this.prevSoftSt.lead || ss.raftState !== this.prevSoftSt.raftState) return true;
    const hs = r.hardState();
    if (!isEmptyHardState(hs) && !hardStateEqual(hs, this.prevHardSt)) return true;
    if (r.raftLog.hasPendingSnapshot()) return true;
    if (r.msgs.length > 0 || r.raftLog.unstable.entries.length > 0 || r.raftLog.hasNextEnts()) return true;
    return r.readStates.length > 0;
  }

  /** The work to do now; see {@link Ready} for the contract. Call advance(rd) when done. */
  ready(): Ready {
    if (this.readyOut) throw new RaftInvariantError('ready() called again before advance()');
    const r = this.raft;
    r.flushAppends();
    const durableTerm = this.prevHardSt.term;
    const messages: Message[] = [];
    const messagesAfterPersist: Message[] = [];
    for (const m of r.msgs) {
      if (mayGoEarly(m, durableTerm)) messages.push(m);
      else messagesAfterPersist.push(m);
    }
    const entries = r.raftLog.unstableEntries();
    const rd: Ready = {
      readStates: r.readStates,
      entries,
      committedEntries: r.raftLog.nextEnts(),
      messages,
      messagesAfterPersist,
      mustSync: false,
    };
    const ss = r.softState();
    if (ss.lead !== this.prevSoftSt.lead || ss.raftState !== this.prevSoftSt.raftState) {
      rd.softState = ss;
      this.prevSoftSt = ss;
    }
    const hs = r.hardState();
    if (!hardStateEqual(hs, this.prevHardSt)) rd.hardState = hs;
    const snap = r.raftLog.unstable.snapshot;
    if (snap !== undefined) rd.snapshot = snap;
    // etcd's MustSync: term, vote or new entries must reach the disk before anyone hears of them;
    // a commit index alone can be recovered.
    rd.mustSync = entries.length > 0 || hs.term !== this.prevHardSt.term || hs.vote !== this.prevHardSt.vote || snap !== undefined;
    r.msgs = [];
    r.readStates = [];
    this.readyOut = true;
    return rd;
  }

  /** The application has persisted, sent and applied rd (steps 1-4 on {@link Ready}). */
  advance(rd: Ready): void {
    if (!this.readyOut) throw new RaftInvariantError('advance() without a ready()');
    this.readyOut = false;
    const r = this.raft;
    if (rd.hardState !== undefined) this.prevHardSt = rd.hardState;
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) r.raftLog.appliedTo(lastCommitted.index);
    else if (rd.snapshot !== undefined && rd.snapshot.metadata.index > r.raftLog.applied) r.raftLog.appliedTo(rd.snapshot.metadata.index);
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) r.raftLog.stableTo(lastEntry.index, lastEntry.term);
    if (rd.snapshot !== undefined) r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
    r.reduceUncommittedSize(rd.committedEntries);
  }

  status(): Status {
    const r = this.raft;
    const s: Status = {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.raftLog.committed,
      lead: r.lead,
      raftState: r.state,
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      leadTransferee: r.leadTransferee,
      config: r.prs.confState(),
    };
    if (r.state === 'StateLeader') {
      const progress: Record<NodeId, ProgressStatus> = {};
      r.prs.visit((id, pr) => {
        progress[id] = {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
          recentActive: pr.recentActive,
          paused: pr.isPaused(),
          pendingSnapshot: pr.pendingSnapshot,
          inflight: pr.inflights.length,
        };
      });
      s.progress = progress;
    }
    return s;
  }
}

/**
 * A leader's replication traffic of a durable term may leave before the Ready's writes (thesis
 * §10.2.1). Everything else (vote requests and grants, append and heartbeat acknowledgements,
 * forwarded proposals, read answers) waits.
 */
function mayGoEarly(m: Message, durableTerm: number): boolean {
  if (m.term === 0 || m.term !== durableTerm) return false;
  return m.type === 'MsgApp' || m.type === 'MsgSnap' || m.type === 'MsgHeartbeat' || m.type === 'MsgTimeoutNow';
}

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
